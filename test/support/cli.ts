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
  /** stdout as text; with `dropRecords`, the non-RECORD lines only. */
  stdout: string;
  stderr: string;
  /** Every stdout line parsed as JSON (the protocol allows nothing else there); RECORDs left out with `dropRecords`. */
  messages: any[];
  /** RECORD messages per stream, counted even when dropped. */
  recordCounts: Map<string, number>;
  startedAt: number;
  endedAt: number;
}

export interface RunOptions {
  env?: Record<string, string>;
  /** SIGKILL the process (or send `killSignal`, once) once it has printed this many lines. */
  killAfterLines?: number;
  /** The signal `killAfterLines` sends. Default SIGKILL. */
  killSignal?: NodeJS.Signals;
  /**
   * Stop reading as the signal is sent and go on 300 ms later, as a busy orchestrator does: the pipe may be full when
   * the connector writes its last lines, and a connector that exits with them still queued loses them.
   */
  slowReader?: boolean;
  /** Count RECORD lines instead of keeping them: for reads too large to hold (a 5,000-device tenant prints ~500 MB). */
  dropRecords?: boolean;
  /** Called with every stdout line, kept or not (token scans). */
  onLine?: (line: string) => void;
  /** stdout is text for people (sync, transform), not protocol messages: keep it, parse nothing. */
  text?: boolean;
}

/** Write JSON (or raw text) to a fresh temp file and return its path. */
export function tempFile(name: string, content: unknown): string {
  const dir = mkdtempSync(join(tmpdir(), 'source-kandji-'));
  const path = join(dir, name);
  writeFileSync(path, typeof content === 'string' ? content : JSON.stringify(content));
  return path;
}

export function runCli(args: string[], options: RunOptions = {}): Promise<CliRun> {
  return new Promise((resolvePromise, reject) => {
    const startedAt = Date.now();
    const child = spawn(process.execPath, [CLI, ...args], {
      cwd: REPO,
      env: { ...process.env, ...options.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const kept: string[] = [];
    const messages: any[] = [];
    const recordCounts = new Map<string, number>();
    let partial = '';
    let lines = 0;
    let signalled = false;
    let stderr = '';
    const take = (line: string) => {
      if (line.length === 0) return;
      options.onLine?.(line);
      if (options.text) return void kept.push(line);
      const msg = JSON.parse(line);
      if (msg.type === 'RECORD') {
        recordCounts.set(msg.record.stream, (recordCounts.get(msg.record.stream) ?? 0) + 1);
        if (options.dropRecords) return;
      }
      kept.push(line);
      messages.push(msg);
    };
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      const parts = (partial + chunk).split('\n');
      partial = parts.pop() ?? '';
      for (const line of parts) take(line);
      lines += parts.length;
      if (options.killAfterLines !== undefined && lines >= options.killAfterLines && !signalled) {
        // Once: a second SIGTERM or SIGINT tells the connector to exit at once.
        signalled = true;
        const signal = options.killSignal ?? 'SIGKILL';
        if (!options.slowReader) return void child.kill(signal);
        child.stdout.pause();
        child.kill(signal);
        setTimeout(() => child.stdout.resume(), 300);
      }
    });
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    child.on('error', reject);
    child.on('close', (code) => {
      // A killed process may leave half a line: it is not a message.
      resolvePromise({ code, stdout: kept.map((l) => `${l}\n`).join(''), stderr, messages, recordCounts, startedAt, endedAt: Date.now() });
    });
  });
}
