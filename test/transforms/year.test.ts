/**
 * A year of nightly transforms equals a build from scratch (issue #15): a small simulated fleet synced once per
 * simulated day for 365 days, transformed in place at irregular intervals as a nightly job that sometimes misses
 * nights would, then compared, every table of every schema, with one build from scratch over the same 365 runs.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSimulator, type Simulator } from '../../simulator/server.ts';
import { runTransform } from '../../transforms/run.ts';
import { differences, query, syncSim } from './helpers.ts';

const DAYS = 365;
/** The nights the transform runs: two in a row, then gaps of one to two months, and the last two nights. */
const NIGHTS = new Set([1, 2, 31, 32, 90, 150, 151, 240, 300, 364, DAYS]);

describe('a year of history', () => {
  let sim: Simulator;
  let dir: string;

  beforeAll(async () => {
    sim = await startSimulator({
      devices: 25,
      seed: 365,
      dailyChangeRate: 0.1,
      rateLimit: { perSecond: 100_000, perHour: 10_000_000 },
      keepLog: false,
    });
    dir = mkdtempSync(join(tmpdir(), 'kandji-year-'));
  }, 60_000);

  afterAll(async () => {
    await sim?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('transformed in place over 365 days, holds the same rows as a build from scratch', async () => {
    const raw: string[] = [];
    for (let day = 1; day <= DAYS; day++) {
      if (day > 1) sim.advance(24);
      const manifest = await syncSim(sim, dir, { format: 'parquet' });
      expect(manifest.status, `day ${day}`).toBe('complete');
      if (!NIGHTS.has(day)) continue;
      const lines: string[] = [];
      await runTransform({ dataDir: dir, say: (line) => lines.push(line) });
      raw.push(lines.find((l) => / runs: /.test(l)) ?? '');
    }
    // Each night read only the runs synced since the last night it ran: 58 on the night of day 90.
    expect(raw[4]).toMatch(/^raw: 90 runs: 58 loaded from \d+ files, 32 kept/);
    expect(raw.at(-1)).toMatch(/^raw: 365 runs: 1 loaded from \d+ files, 364 kept/);
    const db = join(dir, 'kandji.duckdb');
    expect(await query(db, `select count(distinct snapshot_date)::integer as days from marts.fleet_health_daily`)).toEqual([
      { days: DAYS },
    ]);

    const full = await runTransform({ dataDir: dir, full: true, dbPath: join(dir, 'full.duckdb') });
    expect(await differences(db, full.dbPath, ['raw', 'staging', 'intermediate', 'snapshots', 'marts'])).toEqual({});
  }, 900_000);
});
