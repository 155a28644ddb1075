/**
 * Run the real CLI as a child process, the way an orchestrator does: config, catalog and state as files, messages
 * on stdout, people's lines on stderr, an exit code.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO = resolve(fileURLToPath(new URL('../..', import.meta.url)));
export const CLI = join(REPO, 'source', 'cli.ts');

export interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
  /** Every stdout line parsed as JSON (the protocol allows nothing else there). */
  messages: any[];
  startedAt: number;
  endedAt: number;
}

/** Write JSON (or raw text) to a fresh temp file and return its path. */
export function tempFile(name: string, content: unknown): string {
  const dir = mkdtempSync(join(tmpdir(), 'source-kandji-'));
  const path = join(dir, name);
  writeFileSync(path, typeof content === 'string' ? content : JSON.stringify(content));
  return path;
}

export function runCli(args: string[], options: { env?: Record<string, string>; killAfterLines?: number } = {}): Promise<CliRun> {
  return new Promise((resolvePromise, reject) => {
    const startedAt = Date.now();
    const child = spawn(process.execPath, [CLI, ...args], { cwd: REPO, env: { ...process.env, ...options.env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    let lines = 0;
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      stdout += chunk;
      if (options.killAfterLines !== undefined) {
        lines += chunk.split('\n').length - 1;
        if (lines >= options.killAfterLines) child.kill('SIGKILL');
      }
    });
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    child.on('error', reject);
    child.on('close', (code) => {
      const complete = stdout.endsWith('\n') ? stdout : stdout.slice(0, stdout.lastIndexOf('\n') + 1);
      const messages = complete
        .split('\n')
        .filter((l) => l.length > 0)
        .map((l) => JSON.parse(l));
      resolvePromise({ code, stdout, stderr, messages, startedAt, endedAt: Date.now() });
    });
  });
}
