/**
 * Writes spec.json, the SPEC payload `spec` prints, from source/spec.ts (the one place the configuration is
 * written). Run `npm run spec:generate` after changing the spec; test/unit/spec.test.ts fails while they differ.
 */
import { writeFileSync } from 'node:fs';
import { connectorSpecification } from '../source/spec.ts';

const path = new URL('../spec.json', import.meta.url);
writeFileSync(path, `${JSON.stringify(connectorSpecification, null, 2)}\n`);
process.stderr.write(`wrote ${path.pathname}\n`);
