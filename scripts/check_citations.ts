/**
 * Every citation of the project's reference pages must resolve inside the repository. A comment or document that
 * says `docs/kandji-api.md §6.10` needs the file docs/kandji-api.md and, in it, a heading numbered 6.10; a range
 * (`§1.3–§1.11`) needs both ends. The path is read from the repository root, or, in a Markdown file, from the file's
 * own folder (a link between pages of docs/). So a page cited by its bare name in code, or under `shared/reference/`
 * (which a clone does not have), is reported.
 *
 *   node scripts/check_citations.ts [ROOT]    # one line per broken citation; exit 1 if there is any
 *
 * test/unit/citations.test.ts runs it on the repository in `npm test`.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, posix, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The reference pages whose citations are checked, by file name. */
export const CITED_PAGES = ['kandji-api', 'airbyte-protocol'].map((name) => `${name}.md`);

/** Folders never scanned: dependencies, build output, virtual environments, and third-party files kept verbatim. */
const SKIP = new Set(['node_modules', 'dist', 'out', '.venv', '.git', 'coverage', 'fixtures']);
const SCANNED = /\.(ts|sql|py|sh|md|yml|yaml)$/;
const SECTION = String.raw`§\s*\d+(?:\.\d+)*`;
/** An optional path, one of the page names, then optionally a section or a range of sections. */
const CITATION = new RegExp(
  String.raw`((?:[\w.-]+/)*)(${CITED_PAGES.map((p) => p.replace('.', String.raw`\.`)).join('|')})((?:\s*${SECTION}(?:\s*[–-]\s*§?\s*\d+(?:\.\d+)*)?)?)`,
  'g',
);

export interface BrokenCitation {
  /** Path from the repository root, and 1-based line. */
  file: string;
  line: number;
  citation: string;
  problem: string;
}

function* files(root: string, dir = root): Generator<string> {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (entry.isDirectory()) {
      if (!SKIP.has(entry.name)) yield* files(root, join(dir, entry.name));
    } else if (SCANNED.test(entry.name)) {
      yield relative(root, join(dir, entry.name)).split('\\').join('/');
    }
  }
}

/** The section numbers a Markdown page has headings for: `## 6. Endpoints` → 6, `### 6.10 Prism` → 6.10. */
function headings(text: string): Set<string> {
  const found = new Set<string>();
  for (const line of text.split('\n')) {
    const m = /^#{1,6}\s+(\d+(?:\.\d+)*)\.?(?:\s|$)/.exec(line);
    if (m?.[1]) found.add(m[1]);
  }
  return found;
}

/** Every citation under `root` that does not resolve. */
export function checkCitations(root: string): BrokenCitation[] {
  const broken: BrokenCitation[] = [];
  const pages = new Map<string, Set<string>>();
  const sectionsOf = (path: string) => {
    const known = pages.get(path) ?? headings(readFileSync(join(root, path), 'utf8'));
    pages.set(path, known);
    return known;
  };
  for (const file of files(root)) {
    const lines = readFileSync(join(root, file), 'utf8').split('\n');
    lines.forEach((text, i) => {
      for (const m of text.matchAll(CITATION)) {
        const [citation, prefix = '', name = '', sections = ''] = m;
        const candidates = [posix.normalize(prefix + name)];
        if (file.endsWith('.md')) candidates.push(posix.normalize(posix.join(posix.dirname(file), prefix + name)));
        const target = candidates.find((c) => !c.startsWith('..') && existsSync(join(root, c)));
        const report = (problem: string) => broken.push({ file, line: i + 1, citation: citation.trim(), problem });
        if (!target) {
          report(`no ${candidates.join(' or ')} in the repository: cite docs/${name}`);
          continue;
        }
        const known = sectionsOf(target);
        for (const number of sections.match(/\d+(?:\.\d+)*/g) ?? []) if (!known.has(number)) report(`${target} has no section ${number}`);
      }
    });
  }
  return broken;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const root = resolve(process.argv[2] ?? resolve(dirname(fileURLToPath(import.meta.url)), '..'));
  const broken = checkCitations(root);
  for (const b of broken) process.stdout.write(`${b.file}:${b.line}: "${b.citation}": ${b.problem}\n`);
  if (broken.length > 0) {
    process.stderr.write(`${broken.length} citation(s) do not resolve.\n`);
    process.exitCode = 1;
  }
}
