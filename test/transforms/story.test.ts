/**
 * Acceptance story on the simulated tenant (issue #13): scripted changes in the simulator, one real sync a day
 * (syncSim: the connector's own sync against the simulator's API), then the marts must tell the same story.
 *
 *   day 1  2026-01-05  first sync
 *   day 2  2026-01-06  an installed app updated on half the fleet; a CVE detected on Mac C (Vulnerability Management)
 *   day 3  2026-01-07  Mac A reassigned to another user
 *   day 4  2026-01-08  FileVault turned off on Mac B
 *   day 5  2026-01-09  the CVE patched on Mac C (its app updated; the detection disappears); a transform that day
 *   day 6  2026-01-10  a device Apple Business Manager listed as awaiting enrollment enrolls, same serial number
 * Every sync re-reads the incremental lists in full (prism_full_read_every_days 1), so a patched detection is seen to
 * be gone the day it goes; on the default weekly cadence it would be seen at the next full read.
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
  let macC: string;
  let newUserOfA: string;
  let oldUserOfA: string;
  let day5: TransformResult;
  let adeSerial: string;
  let adeDevice: string;
  const CVE = 'CVE-2026-13013';
  const updated: { index: number; device: string; bundle: string }[] = [];
  let patched: { index: number; device: string; bundle: string };
  // Every incremental list read whole every day: a patched detection is seen gone on the day it goes.
  const daily = { format: 'parquet' as const, config: { prism_full_read_every_days: 1 } };

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
    const c = [...t.deviceIndices()].find(
      (i) => i !== a && i !== b && t.device(i).platform === 'Mac' && t.device(i).apps.size > 0,
    ) as number;
    macC = t.deviceId(c);
    adeSerial = t.awaitingAdeDevice(0).serial;
    oldUserOfA = t.user(t.device(a).user).id;
    const other = (t.device(a).user + 1) % t.userCount;
    newUserOfA = t.user(other).id;

    await syncSim(sim, dir, daily);
    sim.advance(24);
    const withApps = [...t.deviceIndices()].filter((i) => t.device(i).apps.size > 0);
    for (const i of withApps.filter((_, k) => k % 2 === 0)) {
      const app = t.device(i).apps.keys().next().value as number;
      t.scheduleChange(i, 'app', app);
      updated.push({ index: i, device: t.deviceId(i), bundle: APPS[app]?.bundleId as string });
    }
    // A Low CVSS score: a severity the tenant's own detections never have, so vulnerability_daily's Low row is this one.
    t.scheduleVulnerability(c, CVE, 3.1);
    // Patching it on day 5 updates the app it is in (its first app): an app update of its own.
    patched = { index: c, device: macC, bundle: APPS[t.device(c).apps.keys().next().value as number]?.bundleId as string };
    await syncSim(sim, dir, daily);
    sim.advance(24);
    t.scheduleChange(a, 'user', other);
    await syncSim(sim, dir, daily);
    sim.advance(24);
    t.scheduleChange(b, 'filevault', 0);
    await syncSim(sim, dir, daily);
    sim.advance(24);
    t.patchVulnerability(c, CVE);
    await syncSim(sim, dir, daily);
    day5 = await runTransform({ dataDir: dir, dbPath: join(dir, 'day5.duckdb') });
    sim.advance(24);
    adeDevice = t.deviceId(t.enrollAdeDevice(0));
    await syncSim(sim, dir, daily);
    built = await runTransform({ dataDir: dir });
  }, 240_000);

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
      { day: '2026-01-10', status: 'fail', source_stream: 'filevault' },
    ]);
  });

  it("day 2: the updated apps (and day 5's patched one) show their new version in software_inventory, and the others kept theirs", async () => {
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
    const enrolled = [...updated, patched].filter((u) => sim.tenant.exists(u.index));
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

  it('day 2: software_catalog lists every updated app at its new version', async () => {
    const pairs = updated.filter((u) => sim.tenant.exists(u.index)).map((u) => `('${u.device}', '${u.bundle}')`);
    const [row] = await query(
      built.dbPath,
      `select count(*)::integer as updated,
              count(*) filter (where not exists (
                  select 1 from marts.software_catalog as c
                  where c.bundle_id = i.bundle_id and c.version = coalesce(nullif(i.short_version, ''), i.version) and c.devices > 0
              ))::integer as missing
       from marts.software_inventory as i where (i.device_id, i.bundle_id) in (${pairs.join(', ')})`,
    );
    expect(row?.updated).toBeGreaterThanOrEqual(pairs.length);
    expect(row?.missing).toBe(0);
  });

  it('days 2-5: the CVE detected on day 2 and patched on day 5 is open on days 2 to 4 only', async () => {
    expect(sim.tenant.exists(sim.tenant.indexOf(macC))).toBe(true);
    const [kev] = await query(
      built.dbPath,
      `select arg_max(kev_score, _run_seq) >= 1 as is_kev from raw.vulnerabilities where cve_id = '${CVE}'`,
    );
    expect(typeof kev?.is_kev).toBe('boolean');
    expect(
      await query(
        built.dbPath,
        `select device_id, severity, strftime(first_seen_on, '%Y-%m-%d') as first_seen_on, strftime(last_seen_on, '%Y-%m-%d') as last_seen_on,
                strftime(remediated_on, '%Y-%m-%d') as remediated_on, is_open, days_open::integer as days_open, device_removed, is_kev
         from marts.vulnerability_lifecycle where cve_id = '${CVE}'`,
      ),
    ).toEqual([
      {
        device_id: macC,
        severity: 'Low',
        first_seen_on: '2026-01-06',
        last_seen_on: '2026-01-08',
        remediated_on: '2026-01-09',
        is_open: false,
        days_open: 3,
        device_removed: false,
        is_kev: kev?.is_kev,
      },
    ]);
    const low = await query(
      built.dbPath,
      `select strftime(d.snapshot_date, '%Y-%m-%d') as day, coalesce(v.open_detections, 0)::integer as open,
              coalesce(v.found, 0)::integer as found, coalesce(v.remediated, 0)::integer as remediated
       from (select distinct snapshot_date from marts.vulnerability_daily) as d
       left join marts.vulnerability_daily as v on v.snapshot_date = d.snapshot_date and v.severity = 'Low'
       order by day`,
    );
    expect(low).toEqual([
      { day: '2026-01-05', open: 0, found: 0, remediated: 0 },
      { day: '2026-01-06', open: 1, found: 1, remediated: 0 },
      { day: '2026-01-07', open: 1, found: 0, remediated: 0 },
      { day: '2026-01-08', open: 1, found: 0, remediated: 0 },
      { day: '2026-01-09', open: 0, found: 0, remediated: 1 },
      { day: '2026-01-10', open: 0, found: 0, remediated: 0 },
    ]);
  });

  it('day 6: the ADE device awaits enrollment before it enrolls, and is one active device after', async () => {
    const register = (db: string) =>
      query(
        db,
        `select device_id, ade_device_id is not null as from_ade, lifecycle_state, platform from marts.device_register where serial_number = '${adeSerial}'`,
      );
    const before = await register(day5.dbPath);
    expect(before).toHaveLength(1);
    expect(before[0]).toMatchObject({ from_ade: true, lifecycle_state: 'awaiting_enrollment' });
    expect(before[0]?.device_id).toMatch(/^ade:/);
    const after = await register(built.dbPath);
    expect(after).toEqual([
      { device_id: adeDevice, from_ade: true, lifecycle_state: 'active', platform: sim.tenant.awaitingAdeDevice(0).platform },
    ]);
    // The same ADE record before and after: Apple Business Manager's id does not change when the device enrolls.
    const ids = await Promise.all(
      [day5.dbPath, built.dbPath].map((db) =>
        query(db, `select ade_device_id from marts.device_register where serial_number = '${adeSerial}'`),
      ),
    );
    expect(ids[0]).toEqual(ids[1]);
  });

  it('running the transform again changes nothing', async () => {
    const again = await runTransform({ dataDir: dir });
    expect(again.tables).toEqual(built.tables);
  });
});
