/**
 * Lints the DuckDB models (transforms/**\/*.sql) with sqlfluff, configured in .sqlfluff; part of `npm test`.
 * sqlfluff is a Python tool pinned in python/sqlfluff.txt: scripts/python-env.sh creates .venv/sqlfluff from it the
 * first time (about 10 s, project-local) and reuses it while the pins are unchanged.
 *
 *   node scripts/lint_sql.ts          lint, exit 1 on a finding
 *   node scripts/lint_sql.ts --fix    apply sqlfluff's fixes (review the diff: it can move comments)
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const fix = process.argv.includes('--fix');

function fail(message: string): never {
  process.stderr.write(`lint_sql: ${message}\n`);
  process.exit(1);
}

const python = process.env.PYTHON ?? 'python3';
if (spawnSync(python, ['--version'], { stdio: 'ignore' }).error) {
  fail(`${python} not found. sqlfluff needs Python 3 with venv: on Debian, apt-get install python3 python3-venv (or set PYTHON).`);
}

const env = spawnSync('bash', ['scripts/python-env.sh', 'sqlfluff'], { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
if (env.status !== 0) fail('could not create .venv/sqlfluff (see above); delete .venv/sqlfluff and run again.');
const sqlfluff = `${env.stdout.trim()}/bin/sqlfluff`;

const run = spawnSync(sqlfluff, fix ? ['fix', 'transforms'] : ['lint', 'transforms'], { cwd: root, stdio: 'inherit' });
if (run.error) fail(`could not run ${sqlfluff}: ${run.error.message}`);
if (run.status !== 0 && !fix) {
  fail('SQL lint failed. Fix the findings above, or run `node scripts/lint_sql.ts --fix` and review the diff.');
}
process.exitCode = run.status ?? 1;
