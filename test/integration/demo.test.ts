/**
 * `npm run demo` chains a sync per simulated day. A day the hourly request budget cuts short is resumed before the
 * next day starts; a day that stays short stops the demo with exit 1, naming the day and the reason, instead of
 * printing "Done" over a history that ends early.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO } from '../support/cli.ts';

function demo(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string; out: string }> {
  const out = mkdtempSync(join(tmpdir(), 'source-kandji-demo-'));
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, [join(REPO, 'scripts', 'demo.ts'), '--out', out, ...args], {
      cwd: REPO,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (c: string) => (stdout += c));
    child.stderr.setEncoding('utf8').on('data', (c: string) => (stderr += c));
    child.on('error', fail);
    child.on('close', (code) => done({ code, stdout, stderr, out }));
  });
}

const manifests = (out: string) =>
  readdirSync(join(out, 'data', '_runs'))
    .sort()
    .map((f) => JSON.parse(readFileSync(join(out, 'data', '_runs', f), 'utf8')) as { status: string; synced_at: string });

describe('demo', () => {
  it('resumes a day the hourly budget cut short, and ends with every day complete', async () => {
    // A first full read of 150 devices needs about 200 requests: two resumes at 90 an hour.
    const run = await demo(['--devices', '150', '--days', '3', '--hourly-limit', '400']);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).toMatch(/day 1: run \S+ is incomplete: the tenant's hourly request budget was spent; .*resuming an hour later/);
    const runs = manifests(run.out);
    expect(runs.filter((r) => r.status === 'incomplete').length).toBeGreaterThanOrEqual(1);
    // Each day ends with a complete run, on three distinct dates.
    const lastOfDay = new Map<string, string>();
    for (const r of runs) lastOfDay.set(r.synced_at.slice(0, 10), r.status);
    expect([...lastOfDay.values()]).toEqual(['complete', 'complete', 'complete']);
    expect(run.stdout).toMatch(/3 days of history/);
    expect(run.stdout).toMatch(/Done in/);
  }, 180_000);

  it('exits 1 and names the day and the reason when a day cannot be completed', async () => {
    // 12 requests an hour: enough for a sync to find the readable streams and read a little, never to finish.
    const run = await demo(['--devices', '150', '--days', '2', '--hourly-limit', '12']);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(
      /The demo stopped: day 1 stopped: run \S+ is incomplete: the tenant's hourly request budget was spent; .* did not finish, still after 11 resumed syncs/,
    );
    expect(run.stdout).not.toMatch(/Done in/);
    expect(manifests(run.out).every((r) => r.status === 'incomplete')).toBe(true);
  }, 180_000);
});
