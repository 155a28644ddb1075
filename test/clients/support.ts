/**
 * The real clients (PyAirbyte, Meltano, Dagster, Airflow) run from project-local virtual environments that
 * `npm run setup` builds from the pinned files in python/ (scripts/python-env.sh). `npm test` never installs them:
 * when one is missing or out of date its test skips and names the command. CI (.ci/run) sets SOURCE_KANDJI_NO_SKIP=1,
 * which turns that skip into a failure, so the clients are run for real there.
 */
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmodSync, existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CLI, REPO } from '../support/cli.ts';

export const SETUP_COMMAND = 'npm run setup';

/** The virtual environment of one tool, and why it cannot be used (undefined when it can). */
export function clientEnv(name: string): { bin: string; missing: string | undefined } {
  const venv = join(REPO, '.venv', name);
  const requirements = join(REPO, 'python', `${name}.txt`);
  const stamp = join(venv, '.requirements.sha256');
  const want = createHash('sha256').update(readFileSync(requirements)).digest('hex');
  const missing = !existsSync(stamp)
    ? `.venv/${name} is missing`
    : readFileSync(stamp, 'utf8').trim() !== want
      ? `.venv/${name} is older than python/${name}.txt`
      : undefined;
  if (missing && process.env.SOURCE_KANDJI_NO_SKIP === '1')
    throw new Error(`${missing}, and SOURCE_KANDJI_NO_SKIP=1: run ${SETUP_COMMAND} first`);
  if (missing) process.stderr.write(`test/clients: ${missing}, so its test is skipped. Install it with: ${SETUP_COMMAND}\n`);
  return { bin: join(venv, 'bin'), missing: missing && `${missing}; run ${SETUP_COMMAND}` };
}

/**
 * An executable file that runs this checkout's connector on the Node running the tests: what `local_executable`, a
 * Meltano `executable` on PATH or SOURCE_KANDJI point at. SOURCE_KANDJI_CLIENT_CLI names another entry point (a
 * broken build, to see these tests fail).
 */
export function connectorExecutable(): { path: string; dir: string } {
  const dir = mkdtempSync(join(tmpdir(), 'source-kandji-bin-'));
  const path = join(dir, 'source-kandji');
  const cli = process.env.SOURCE_KANDJI_CLIENT_CLI ?? CLI;
  writeFileSync(path, `#!/bin/sh\nexec '${process.execPath}' '${cli}' "$@"\n`);
  chmodSync(path, 0o755);
  return { path, dir };
}

export interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
  seconds: number;
}

/** Run a command to its end; `env` adds to the test's environment. */
export function runTool(command: string, args: string[], options: { cwd?: string; env?: Record<string, string> } = {}): Promise<Run> {
  return new Promise((resolve, reject) => {
    const started = Date.now();
    const child = spawn(command, args, {
      cwd: options.cwd ?? REPO,
      env: { ...process.env, ...options.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr, seconds: (Date.now() - started) / 1000 }));
  });
}

/** The last `n` characters of a tool's output, for an assertion message. */
export const tail = (text: string, n = 3000) => text.slice(-n);
