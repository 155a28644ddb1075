/**
 * Acceptance story on the simulated tenant (issue #13): scripted changes, one sync a day, then the marts must tell
 * the same story.
 *
 *   day 1  2026-01-05  first sync
 *   day 2  2026-01-06  an installed app updated on half the fleet
 *   day 3  2026-01-07  Mac A reassigned to another user
 *   day 4  2026-01-08  FileVault turned off on Mac B
 *   day 5  2026-01-09  nothing scripted
 * (A CVE detected and patched, and an ADE device enrolling, need the vulnerability and ADE streams, which this
 * version does not read.)
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSimulator, type Simulator } from '../../simulator/server.ts';
import { APPS } from '../../simulator/vocabulary.ts';
import { runTransform, type TransformResult } from '../../transforms/run.ts';
import { query, syncSim } from './helpers.ts';

describe('the marts tell a scripted simulator story', () => {
  let sim: Simulator;
  let dir: string;
  let built: TransformResult;
  let macA: string;
  let macB: string;
  let newUserOfA: string;
  let oldUserOfA: string;
  const updated: { index: number; device: string; bundle: string }[] = [];

  beforeAll(async () => {
    sim = await startSimulator({
      devices: 60,
      seed: 11,
      dailyChangeRate: 0,
      rateLimit: { perSecond: 100_000, perHour: 10_000_000 },
      keepLog: false,
    });
    dir = mkdtempSync(join(tmpdir(), 'kandji-story-'));
    const t = sim.tenant;
    const macs = [...t.deviceIndices()].filter((i) => t.device(i).platform === 'Mac' && t.device(i).user >= 0 && t.device(i).filevault);
    const [a, b] = macs as [number, number];
    macA = t.deviceId(a);
    macB = t.deviceId(b);
    oldUserOfA = t.user(t.device(a).user).id;
    const other = (t.device(a).user + 1) % t.userCount;
    newUserOfA = t.user(other).id;

    await syncSim(sim, dir, { format: 'parquet' });
    sim.advance(24);
    const withApps = [...t.deviceIndices()].filter((i) => t.device(i).apps.size > 0);
    for (const i of withApps.filter((_, k) => k % 2 === 0)) {
      const app = t.device(i).apps.keys().next().value as number;
      t.scheduleChange(i, 'app', app);
      updated.push({ index: i, device: t.deviceId(i), bundle: APPS[app]?.bundleId as string });
    }
    await syncSim(sim, dir, { format: 'parquet' });
    sim.advance(24);
    t.scheduleChange(a, 'user', other);
    await syncSim(sim, dir, { format: 'parquet' });
    sim.advance(24);
    t.scheduleChange(b, 'filevault', 0);
    await syncSim(sim, dir, { format: 'parquet' });
    sim.advance(24);
    await syncSim(sim, dir, { format: 'parquet' });
    built = await runTransform({ dataDir: dir });
  }, 120_000);

  afterAll(async () => {
    await sim?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('every mart is built, non-empty, and every check passes', () => {
    const marts = Object.entries(built.tables).filter(([id]) => id.startsWith('marts.'));
    expect(marts.length).toBeGreaterThanOrEqual(13);
    for (const [id, rows] of marts) expect(rows, id).toBeGreaterThan(0);
    expect(built.warnings).toEqual([]);
  });

  it('day 3: the reassignment closes one interval and opens the next', async () => {
    const rows = await query(
      built.dbPath,
      `select user_id, strftime(assigned_from, '%Y-%m-%d') as assigned_from, strftime(assigned_to, '%Y-%m-%d') as assigned_to, is_current
       from marts.device_assignment_history where device_id = '${macA}' order by assigned_from`,
    );
    expect(rows).toEqual([
      { user_id: oldUserOfA, assigned_from: '2026-01-05', assigned_to: '2026-01-07', is_current: false },
      { user_id: newUserOfA, assigned_from: '2026-01-07', assigned_to: null, is_current: true },
    ]);
  });

  it('day 4: FileVault off fails the control from that day, with the Prism filevault row as evidence', async () => {
    const rows = await query(
      built.dbPath,
      `select strftime(snapshot_date, '%Y-%m-%d') as day, status, source_stream
       from marts.control_evidence_daily where device_id = '${macB}' and control = 'filevault' order by day`,
    );
    expect(rows).toEqual([
      { day: '2026-01-05', status: 'pass', source_stream: 'filevault' },
      { day: '2026-01-06', status: 'pass', source_stream: 'filevault' },
      { day: '2026-01-07', status: 'pass', source_stream: 'filevault' },
      { day: '2026-01-08', status: 'fail', source_stream: 'filevault' },
      { day: '2026-01-09', status: 'fail', source_stream: 'filevault' },
    ]);
  });

  it('day 2: the updated apps show their new version in software_inventory, and the others kept theirs', async () => {
    expect(updated.length).toBeGreaterThan(10);
    const rows = await query(
      built.dbPath,
      `with first as (
         select device_id, bundle_id, path, version from raw.device_apps where _run_seq = 1
       )
       select i.device_id, i.bundle_id, f.version as before, i.version as now
       from marts.software_inventory as i
       inner join first as f on f.device_id = i.device_id and f.bundle_id = i.bundle_id and f.path is not distinct from i.path`,
    );
    const key = (r: { device_id?: string; device?: string; bundle_id?: string; bundle?: string }) =>
      `${r.device_id ?? r.device} ${r.bundle_id ?? r.bundle}`;
    const changed = new Set(rows.filter((r) => r.before !== r.now).map(key));
    // The tenant also removes a device or two a day on its own: those left the inventory.
    const enrolled = updated.filter((u) => sim.tenant.exists(u.index));
    expect([...changed].sort()).toEqual([...new Set(enrolled.map(key))].sort());
    // software_inventory is the latest device_apps rows: every row there is the latest row of its key.
    const [{ n }] = (await query(
      built.dbPath,
      `select count(*)::integer as n from marts.software_inventory as i
       where i.version is distinct from (select arg_max(a.version, a._run_seq * 1000000 + a._row) from raw.device_apps as a
                                           where a.device_id = i.device_id and a.bundle_id = i.bundle_id and a.path is not distinct from i.path)`,
    )) as [{ n: number }];
    expect(n).toBe(0);
  });

  it('running the transform again changes nothing', async () => {
    const again = await runTransform({ dataDir: dir });
    expect(again.tables).toEqual(built.tables);
  });
});
