/**
 * The floors of the code (STYLE.md §12), enforced: a module may import only from its own floor or the floors below
 * it. `core/` (errors, protocol messages, redaction, the HTTP client, the run-manifest contract) is the ground floor
 * and imports nothing of ours above it; the connector (`source/`: CLI, read engine, sync) is the top. The simulator
 * and the transforms stand beside the connector and never import it. Dynamic `import()` counts too.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

/** What each top-level folder of shipped code may import, besides itself. */
const MAY_IMPORT: Record<string, readonly string[]> = {
  core: [],
  schemas: ['core'],
  state: ['core'],
  streams: ['core', 'schemas', 'state'],
  simulator: ['core'],
  transforms: ['core', 'schemas', 'streams'],
  source: ['core', 'schemas', 'state', 'streams', 'transforms', 'simulator'],
};

function tsFiles(dir: string): string[] {
  return readdirSync(join(ROOT, dir), { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile() && e.name.endsWith('.ts'))
    .map((e) => relative(ROOT, join(e.parentPath, e.name)));
}

/** The repository-relative files a module imports (relative specifiers only: packages are not floors). */
function importsOf(file: string, source: string): string[] {
  const specifiers = [...source.matchAll(/(?:\bfrom\s*|\bimport\s*\(\s*|^\s*import\s+)(['"])(\.{1,2}\/[^'"]+)\1/gm)].map(
    (m) => m[2] as string,
  );
  return specifiers.map((s) => relative(ROOT, resolve(ROOT, dirname(file), s)));
}

const floorOf = (file: string) => file.split('/')[0] as string;

describe('import direction', () => {
  it('finds the imports of a module, static and dynamic', () => {
    const found = importsOf(
      'source/cli.ts',
      "import { a } from './x.ts';\nconst m = await import('../transforms/run.ts');\nimport type { T } from '../core/protocol.ts';",
    );
    expect(found).toEqual(['source/x.ts', 'transforms/run.ts', 'core/protocol.ts']);
  });

  for (const [floor, allowed] of Object.entries(MAY_IMPORT)) {
    it(`${floor}/ imports only ${allowed.length ? allowed.join(', ') : 'itself'}`, () => {
      const wrong: string[] = [];
      for (const file of tsFiles(floor)) {
        for (const target of importsOf(file, readFileSync(join(ROOT, file), 'utf8'))) {
          const to = floorOf(target);
          if (to !== floor && !allowed.includes(to)) wrong.push(`${file} → ${target}`);
        }
      }
      expect(wrong).toEqual([]);
    });
  }

  it('every folder of shipped code has a floor', () => {
    const shipped = JSON.parse(readFileSync(join(ROOT, 'tsconfig.build.json'), 'utf8')).include as string[];
    expect([...shipped].sort()).toEqual(Object.keys(MAY_IMPORT).sort());
  });
});
