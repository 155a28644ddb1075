/**
 * Crash and resume, to the marts (issue 6): `sync` is killed with SIGKILL at seeded points of its run, then run
 * again to completion; the DuckDB marts built from every run it left — the crashed runs' partial files included —
 * pass their key checks (no duplicate keys) and hold exactly the rows of the marts of one clean sync.
 * (crash_resume.test.ts proves the record-level claim for `read`; this is the same claim where analysts meet it.)
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSimulator, type Simulator } from '../../simulator/server.ts';
import { runTransform } from '../../transforms/run.ts';
import { CLI, REPO } from '../support/cli.ts';
import { allOutputs, configFile, expectNoToken } from '../support/connector.ts';
import { prng } from '../support/reliability.ts';

const KILLS = 3;

/** Bytes of the files under `dir` (0 if it does not exist or is being moved). */
function bytesUnder(dir: string): number {
  try {
    return (readdirSync(dir, { recursive: true }) as string[]).reduce((n, f) => {
      try {
        const info = statSync(join(dir, f));
        return n + (info.isFile() ? info.size : 0);
      } catch {
        return n;
      }
    }, 0);
  } catch {
    return 0;
  }
}

/** Run `sync` into `out`; SIGKILL it (or send `signal`, once) once it has written `killAtBytes` of records (progress, not time: load-proof). */
function sync(
  config: string,
  out: string,
  killAtBytes?: number,
  signal: NodeJS.Signals = 'SIGKILL',
): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, 'sync', '--config', config, '--out', out, '--format', 'jsonl'], {
      cwd: REPO,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    let stdout = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    let sent = false;
    const timer =
      killAtBytes === undefined
        ? undefined
        : setInterval(() => {
            if (sent || bytesUnder(join(out, '_inflight')) < killAtBytes) return;
            sent = true; // a second SIGTERM would tell the sync to exit at once
            child.kill(signal);
          }, 5);
    child.on('error', reject);
    child.on('close', (code) => {
      clearInterval(timer);
      allOutputs.push(stdout, stderr);
      resolve({ code, stderr });
    });
  });
}

/** Every mart's rows, sorted, as JSON. */
async function marts(dbPath: string): Promise<Record<string, string[]>> {
  const db = await DuckDBInstance.create(dbPath, { access_mode: 'READ_ONLY' });
  const connection = await db.connect();
  try {
    const tables = (
      await connection.runAndReadAll("select table_name from information_schema.tables where table_schema = 'marts' order by 1")
    ).getRowObjectsJson();
    const out: Record<string, string[]> = {};
    for (const { table_name } of tables) {
      // The marts of the runs themselves (sync status, the tenants dimension) tell a crashed history from a clean one
      // by design: they are compared by their own tests, not here.
      if (/^(sync_status(_daily)?|tenants)$/.test(String(table_name))) continue;
      const rows = (await connection.runAndReadAll(`select * from marts."${String(table_name)}"`)).getRowObjectsJson();
      // run_id (provenance: which sync read the evidence) names that sync's wall-clock start, so two folders never
      // share it; every other column must be equal.
      out[String(table_name)] = rows.map(({ run_id: _, ...r }) => JSON.stringify(r)).sort();
    }
    return out;
  } finally {
    connection.closeSync();
    db.closeSync();
  }
}

describe(`sync killed at ${KILLS} seeded points, then the marts`, () => {
  let sim: Simulator;
  let config: string;
  const cleanDir = mkdtempSync(join(tmpdir(), 'kandji-clean-'));
  const crashDir = mkdtempSync(join(tmpdir(), 'kandji-crashed-'));
  const stoppedDir = mkdtempSync(join(tmpdir(), 'kandji-sigterm-'));
  let crashedRuns = 0;
  let stoppedRuns: { status: string; streams: Record<string, { status: string }> }[] = [];

  beforeAll(async () => {
    sim = await startSimulator({ devices: 120, seed: 91, rateLimit: { perSecond: 100_000, perHour: 10_000_000 }, keepLog: false });
    config = configFile(sim);
    const clean = await sync(config, cleanDir);
    expect(clean.code, clean.stderr).toBe(0);
    const random = prng(0xdead);
    // Kills spread over the run: at seeded fractions of the records a clean sync writes.
    const total = bytesUnder(cleanDir);
    for (let i = 0; i < KILLS; i++) {
      const at = Math.floor(total * (0.1 + (0.8 * (i + random())) / KILLS));
      const killed = await sync(config, crashDir, at);
      expect([null, 0], killed.stderr).toContain(killed.code);
    }
    const last = await sync(config, crashDir);
    expect(last.code, last.stderr).toBe(0);
    crashedRuns = readdirSync(join(crashDir, '_runs')).filter((f) => f.includes('_crashed')).length;
    // SIGTERM, as an orchestrator cancels: the sync stops, keeps its files and state, and exits 143.
    // One seeded point in the middle half of a first sync (a resumed sync writes less, so one stop is the lean case).
    const stopped = await sync(config, stoppedDir, Math.floor(total * (0.25 + 0.5 * random())), 'SIGTERM');
    expect(stopped.code, stopped.stderr).toBe(143);
    expect(stopped.stderr).toMatch(/The sync was interrupted by SIGTERM: run \S+ kept, state saved/);
    const resumed = await sync(config, stoppedDir);
    expect(resumed.code, resumed.stderr).toBe(0);
    stoppedRuns = readdirSync(join(stoppedDir, '_runs'))
      .sort()
      .map((f) => JSON.parse(readFileSync(join(stoppedDir, '_runs', f), 'utf8')));
  }, 120_000);

  afterAll(async () => {
    expectNoToken(sim.token);
    await sim.close();
  });

  it('the marts of every run, crashed ones included, pass their key checks and equal a clean sync’s', async () => {
    // At least one kill landed mid-sync and left a partial run for the marts to reconcile.
    expect(crashedRuns).toBeGreaterThan(0);
    // runTransform throws (TransformCheckError) when a mart has a duplicate or missing key.
    const [clean, crashed] = [await runTransform({ dataDir: cleanDir }), await runTransform({ dataDir: crashDir })];
    const [want, got] = [await marts(clean.dbPath), await marts(crashed.dbPath)];
    expect(Object.keys(got).length).toBeGreaterThan(0);
    expect(Object.keys(got)).toEqual(Object.keys(want));
    for (const table of Object.keys(want)) expect(got[table], table).toEqual(want[table]);
  }, 60_000);

  it('a sync stopped by SIGTERM leaves no crashed run, saves its state, and the marts equal a clean sync’s', async () => {
    // The SIGTERM left an incomplete run of its own (not a crashed one found by the next sync), then the resumed one completed.
    expect(stoppedRuns.map((r) => r.status)).toEqual(['incomplete', 'complete']);
    expect(Object.values(stoppedRuns[0]?.streams ?? {}).some((s) => s.status === 'interrupted')).toBe(true);
    const [clean, stopped] = [await runTransform({ dataDir: cleanDir }), await runTransform({ dataDir: stoppedDir })];
    const [want, got] = [await marts(clean.dbPath), await marts(stopped.dbPath)];
    expect(Object.keys(got)).toEqual(Object.keys(want));
    for (const table of Object.keys(want)) expect(got[table], table).toEqual(want[table]);
  }, 60_000);
});
