/**
 * The inputs Airbyte's acceptance tests take from integration_tests/ (docs/airbyte.md): the configured catalog and
 * the abnormal state follow from the stream declarations (integration_tests/generate.ts writes them), and the
 * invalid config is well-formed with a token that is not a real one.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Ajv } from 'ajv';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { abnormalState, configuredCatalog } from '../../integration_tests/generate.ts';
import { discoverCatalog, parseCatalog } from '../../source/catalog.ts';
import { resolveConfig } from '../../source/config.ts';
import { parseState } from '../../state/input.ts';
import { STREAMS } from '../../streams/index.ts';
import { REPO } from '../support/cli.ts';
import { PROTOCOL_SCHEMA_PATH } from '../support/protocol.ts';

describe('integration_tests/ (acceptance-test inputs)', () => {
  const read = (name: string) => JSON.parse(readFileSync(join(REPO, 'integration_tests', name), 'utf8'));
  const incremental = STREAMS.filter((s) => s.cursor?.field);

  it('the files are what integration_tests/generate.ts writes from the stream declarations', () => {
    const hint = 'run `node integration_tests/generate.ts` after changing a stream, key or cursor';
    expect(read('configured_catalog.json'), hint).toEqual(configuredCatalog());
    expect(read('abnormal_state.json'), hint).toEqual(abnormalState());
  });

  it('configured_catalog.json is a valid ConfiguredAirbyteCatalog of every stream, incremental where it can be', () => {
    const catalog = read('configured_catalog.json');
    const ajv = new Ajv({ strict: false, formats: { uri: true } });
    ajv.addSchema(parse(readFileSync(PROTOCOL_SCHEMA_PATH, 'utf8')) as object, 'airbyte_protocol');
    const validate = ajv.getSchema('airbyte_protocol#/definitions/ConfiguredAirbyteCatalog')!;
    expect(validate(catalog), ajv.errorsText(validate.errors)).toBe(true);
    const parsed = parseCatalog(catalog);
    expect(parsed.rejected).toEqual([]);
    expect(parsed.streams.map((s) => [s.declaration.name, s.syncMode])).toEqual(
      STREAMS.map((s) => [s.name, s.cursor?.field ? 'incremental' : 'full_refresh']),
    );
    // Each entry carries the stream's key and cursor with their discovered schemas: what CAT reads cursor types from.
    const discovered = new Map(discoverCatalog().streams.map((s) => [s.name, s]));
    for (const entry of catalog.streams) {
      const stream = discovered.get(entry.stream.name)!;
      expect(entry.stream.source_defined_primary_key).toEqual(stream.source_defined_primary_key);
      expect(entry.cursor_field).toEqual(stream.default_cursor_field);
      const properties = (stream.json_schema as { properties: Record<string, unknown> }).properties;
      for (const [field, schema] of Object.entries(entry.stream.json_schema.properties))
        expect(schema, `${entry.stream.name}.${field}`).toEqual(properties[field]);
    }
  });

  it('abnormal_state.json puts a far-future cursor, in the records’ format, under each incremental stream’s cursor field', () => {
    const states = read('abnormal_state.json');
    const parsed = parseState(states);
    expect([...parsed.keys()].sort()).toEqual(incremental.map((s) => s.name).sort());
    for (const declaration of incremental)
      expect(parsed.get(declaration.name)).toEqual({ [declaration.cursor?.field as string]: '2099-01-01T00:00:00.000000Z' });
  });

  it('invalid_config.json is well-formed (so check answers FAILED with exit 0) but its token is not a real one', () => {
    const config = read('invalid_config.json');
    expect(() => resolveConfig(config)).not.toThrow();
    expect(config.api_token).toBe('00000000-0000-4000-8000-000000000000');
  });
});
