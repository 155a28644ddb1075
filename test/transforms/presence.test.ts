/**
 * Given → expected for int_device_presence_tracked, the removal rule every daily mart follows: a device is removed
 * by a complete sync that did not list it, and stays removed until a list has it again; a run that failed (its
 * devices list complete) shows who it saw but removes nobody. Built from scratch and night after night (each device
 * carried from the last run before the nights' days), the same rows.
 *
 *   D1  01-05        complete  x1 x2 x3
 *   D2  01-06        failed    x1 x2        x3 missing, not removed
 *   D3a 01-07 06:00  complete  x1 x2        x3 removed
 *   D3b 01-07 18:00  failed    x1 x2        x3 still removed
 *   D4  01-08        complete  x1 x2 x3 x4  x3 back, x4 new
 *   D5  01-09        complete  x1 x3 x4     x2 removed
 *   D6  01-10        failed    x1 x4        x2 still removed, x3 missing
 *   D6b 01-10 20:00  failed    x3 renamed   its devices read stopped: not a list, but x3's latest record
 *   D7  01-11        complete  x1 x4        x3 removed
 *
 * snp_devices_daily, built on it, is compared the same way: a device's record as of a day is the latest of any run
 * up to that day's, even one whose list did not complete (x3's name on 01-11).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runTransform } from '../../transforms/run.ts';
import { type FixtureRun, query, writeRuns } from './helpers.ts';

const run = (at: string, status: 'complete' | 'failed', ids: string[], name = (id: string) => id): FixtureRun => ({
  syncedAt: `2026-${at}:00.000Z`,
  runId: `R${at.replace(/\D/g, '')}`,
  status,
  streams: {
    devices: {
      status: ids.length === 1 ? 'failed' : 'complete',
      rows: ids.map((id) => ({
        device_id: id,
        device_name: name(id),
        platform: 'Mac',
        os_version: '15.1',
        last_check_in: `2026-${at}:00.000Z`,
        user: null,
        tags: [],
      })),
    },
  },
});

const D1 = run('01-05T12:00', 'complete', ['x1', 'x2', 'x3']);
const D2 = run('01-06T12:00', 'failed', ['x1', 'x2']);
const D3a = run('01-07T06:00', 'complete', ['x1', 'x2']);
const D3b = run('01-07T18:00', 'failed', ['x1', 'x2']);
const D4 = run('01-08T12:00', 'complete', ['x1', 'x2', 'x3', 'x4']);
const D5 = run('01-09T12:00', 'complete', ['x1', 'x3', 'x4']);
const D6 = run('01-10T12:00', 'failed', ['x1', 'x4']);
const D6b = run('01-10T20:00', 'failed', ['x3'], () => 'x3-late');
const D7 = run('01-11T12:00', 'complete', ['x1', 'x4']);
const HISTORY = [D1, D2, D3a, D3b, D4, D5, D6, D6b, D7];

const SQL = `select device_id, strftime(synced_at, '%m-%dT%H') as run, is_listed as listed, is_removed as removed,
                    strftime(removed_on, '%m-%d') as removed_on, strftime(first_listed_on, '%m-%d') as first
             from intermediate.int_device_presence_tracked order by device_id, synced_at`;
const ALL = `select p.* exclude (tenant_id, run_seq, last_listed_run_seq), l.run_id as last_listed_run
             from intermediate.int_device_presence_tracked as p
             left join raw.runs as l on l.run_seq = p.last_listed_run_seq order by p.device_id, p.run_seq`;
const SNAPSHOTS = `select * exclude (tenant_id) from snapshots.snp_devices_daily order by snapshot_date, device_id`;

const row = (device_id: string, run: string, listed: boolean, removed: boolean, removed_on: string | null, first: string) => ({
  device_id,
  run,
  listed,
  removed,
  removed_on,
  first,
});
const RUNS = ['01-05T12', '01-06T12', '01-07T06', '01-07T18', '01-08T12', '01-09T12', '01-10T12', '01-11T12'];
const EXPECTED = [
  ...RUNS.map((r) => row('x1', r, true, false, null, '01-05')),
  ...RUNS.slice(0, 5).map((r) => row('x2', r, true, false, null, '01-05')),
  ...RUNS.slice(5).map((r) => row('x2', r, false, true, '01-09', '01-05')),
  row('x3', '01-05T12', true, false, null, '01-05'),
  row('x3', '01-06T12', false, false, null, '01-05'),
  row('x3', '01-07T06', false, true, '01-07', '01-05'),
  row('x3', '01-07T18', false, true, '01-07', '01-05'),
  row('x3', '01-08T12', true, false, null, '01-05'),
  row('x3', '01-09T12', true, false, null, '01-05'),
  row('x3', '01-10T12', false, false, null, '01-05'),
  row('x3', '01-11T12', false, true, '01-11', '01-05'),
  ...RUNS.slice(4).map((r) => row('x4', r, true, false, null, '01-08')),
];

describe('int_device_presence_tracked', () => {
  it('removes on a complete sync only, until listed again; night after night, the same rows as from scratch, and the same daily snapshots', {
    timeout: 300_000,
  }, async () => {
    const dirs: string[] = [];
    const folder = (name: string) => {
      const dir = mkdtempSync(join(tmpdir(), `kandji-presence-${name}-`));
      dirs.push(dir);
      return dir;
    };
    try {
      const scratch = folder('scratch');
      writeRuns(scratch, HISTORY);
      const { dbPath: whole } = await runTransform({ dataDir: scratch });
      expect(await query(whole, SQL)).toEqual(EXPECTED);
      const wholeRows = await query(whole, ALL);
      const wholeSnapshots = await query(whole, SNAPSHOTS);
      const x3 = wholeSnapshots.filter((r) => r.device_id === 'x3').map((r) => [r.snapshot_date, r.device_name, r.is_removed]);
      expect(x3.slice(-2)).toEqual([
        ['2026-01-10', 'x3', false],
        ['2026-01-11', 'x3-late', true],
      ]);
      // Each run on a night of its own (D3b alone rebuilds all of 01-07), then nights of several runs and days.
      for (const nights of [
        HISTORY.map((r) => [r]),
        [
          [D1, D2, D3a],
          [D3b, D4],
          [D5, D6, D6b, D7],
        ],
      ]) {
        const dir = folder('nightly');
        let path = '';
        for (const night of nights) {
          writeRuns(dir, night);
          ({ dbPath: path } = await runTransform({ dataDir: dir }));
        }
        expect(await query(path, SQL)).toEqual(EXPECTED);
        expect(await query(path, ALL)).toEqual(wholeRows);
        expect(await query(path, SNAPSHOTS)).toEqual(wholeSnapshots);
      }
    } finally {
      for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
    }
  });
});
