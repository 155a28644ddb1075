/**
 * Citations of the reference pages resolve inside the repository (scripts/check_citations.ts): a comment citing a
 * section of docs/kandji-api.md or docs/airbyte-protocol.md names a file a clone has, and a heading it has.
 */
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkCitations } from '../../scripts/check_citations.ts';
import { REPO } from '../support/cli.ts';

// Page names are assembled here so that this file's own fixtures are not citations of the repository's pages.
const API = ['kandji-api', 'md'].join('.');
const PROTOCOL = ['airbyte-protocol', 'md'].join('.');

function tree(files: Record<string, string>): string {
  const root = mkdtempSync(join(tmpdir(), 'citations-'));
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), text);
  }
  return root;
}

describe('scripts/check_citations.ts', () => {
  it('accepts citations of existing sections, and reports bare names, missing sections and paths a clone lacks', () => {
    const root = tree({
      [`docs/${API}`]: '# API\n\n## 6. Endpoints\n\n### 6.1 Devices\n\n### 6.10 Prism\n',
      [`docs/${PROTOCOL}`]: '# Protocol\n\n### 1.3 Envelope\n\n### 1.11 TRACE\n',
      'src/a.ts': [
        `// fine: docs/${API} §6.10, docs/${API} §6, docs/${PROTOCOL} §1.3–§1.11, docs/${API}`,
        `/** bare: ${API} §6.1 */`,
        `// missing section: docs/${API} §6.2`,
        `// beside the repository: shared/reference/${PROTOCOL} §1.3`,
        `-- range end missing: docs/${PROTOCOL} §1.3–§1.12`,
      ].join('\n'),
      'docs/other.md': `A link between pages: [the API](${API}) §6.1, and [${API}](../docs/${API}).\n`,
      'node_modules/x/y.ts': `// ${API} §99 is not ours to check`,
    });
    expect(checkCitations(root).map((b) => `${b.file}:${b.line} ${b.problem}`)).toEqual([
      `src/a.ts:2 no ${API} in the repository: cite docs/${API}`,
      `src/a.ts:3 docs/${API} has no section 6.2`,
      `src/a.ts:4 no shared/reference/${PROTOCOL} in the repository: cite docs/${PROTOCOL}`,
      `src/a.ts:5 docs/${PROTOCOL} has no section 1.12`,
    ]);
  });

  it('every citation in this repository resolves', () => {
    const broken = checkCitations(REPO).map((b) => `${b.file}:${b.line}: "${b.citation}": ${b.problem}`);
    expect(broken).toEqual([]);
  });
});
