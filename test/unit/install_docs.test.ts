/**
 * Install instructions must work and must not run a stranger's package (issue 10, item 8): source-kandji is not on
 * the npm registry, so no doc or example may install or `npx` the bare name from there; docs/orchestration.md must
 * show the install that works (a release tarball made by `npm pack`, or the git repository).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { relative } from 'node:path';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO } from '../support/cli.ts';

const docs = ['README.md', 'Dockerfile', ...filesUnder('docs'), ...filesUnder('examples')];

/** Every file below a folder of the repository, as a repository path. */
function filesUnder(dir: string): string[] {
  return readdirSync(join(REPO, dir), { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile())
    .map((e) => relative(REPO, join(e.parentPath, e.name)));
}

/** The registry name, installed or run: `npm install -g source-kandji`, `npx [--yes] source-kandji`, `npm exec source-kandji`. */
const FROM_REGISTRY =
  /\b(?:npm\s+(?:install|i|add)\s+(?:-g\s+|--global\s+)?source-kandji\b(?![-.\w/])|npx\s+(?:--yes\s+|-y\s+)?source-kandji\b|npm\s+exec\s+(?:--yes\s+)?source-kandji\b)/;

describe('install instructions', () => {
  it.each(docs)('%s never installs or runs source-kandji from the npm registry', (file) => {
    const lines = readFileSync(join(REPO, file), 'utf8').split('\n');
    const offending = lines.flatMap((line, i) =>
      FROM_REGISTRY.test(line) && !/never|not ours/i.test(line) ? [`${i + 1}: ${line.trim()}`] : [],
    );
    expect(offending).toEqual([]);
  });

  it('docs/orchestration.md shows the install that works: npm pack and the tarball, or the git repository', () => {
    const text = readFileSync(join(REPO, 'docs/orchestration.md'), 'utf8');
    expect(text).toContain('npm ci && npm pack');
    expect(text).toContain('npm install -g ./source-kandji-0.1.0.tgz');
    expect(text).toMatch(/npm install -g "git\+<repository URL>#v0\.1\.0"/);
  });
});
