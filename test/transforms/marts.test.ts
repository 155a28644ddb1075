/**
 * Given → expected: a small hand-written sync history (JSONL files and run manifests in the layout `sync` writes)
 * through the whole transform on DuckDB, and the exact rows each mart must hold.
 *
 * The history, three tenant days and two odd runs:
 *   R1 2026-01-05 12:00  complete   every device; every stream
 *   R2 2026-01-06 12:00  failed     the users stream failed; the devices list completed but lacks p2 (deleted)
 *   R3 2026-01-07 12:00  complete   the devices list lacks p2 again; user u2 moved to Sales
 *   R4 2026-01-07 18:00  failed     the devices list failed after one page (only m1, renamed); a FileVault change
 *   crashed run                     a crashed sync's leftovers, with the wall clock as its time: never read
 * The devices: m1 (a compliant Apple silicon Mac whose FileVault goes off on day 2), m2 (an Intel Mac: OS behind,
 * no agent, disk 95% full, firewall off), m3 (a Mac with no Prism rows or details yet, user not in the directory),
 * p1 (iPhone, unassigned, last check-in 10 days before day 1), p2 (iPhone, missing, OS behind; deleted after
 * day 1), t1 (Apple TV without a blueprint), i1 (iPad in lost mode, its user by the legacy numeric id).
 * Screen lock: a passcode payload is installed on m1, p1, p2 and i1; m2's profiles carry none; m3 reports no
 * profiles. EDR: m1 runs the EDR item; m2's library items hold none (out of scope); m3's were never read.
 */
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runTransform, fleetSummary, formatFleetSummary, type TransformResult } from '../../transforms/run.ts';
import { STREAMS } from '../../streams/index.ts';
import { dump, query, writeRuns, type FixtureRun } from './helpers.ts';

const D1 = '2026-01-05T12:00:00.000Z';
const D2 = '2026-01-06T12:00:00.000Z';
const D3 = '2026-01-07T12:00:00.000Z';
const D3_LATE = '2026-01-07T18:00:00.000Z';
const hoursBefore = (iso: string, hours: number) => new Date(Date.parse(iso) - hours * 3_600_000).toISOString();

const person = (id: string, name: string) => ({ id, email: `${id}@acme.io`, name, is_archived: false });
const BLUEPRINTS = [
  { id: 'bp-mac', name: 'Mac Standard', type: 'classic' },
  { id: 'bp-ios', name: 'iOS Standard', type: 'classic' },
];

/** The devices list as a run on `day` returns it. */
function devices(day: string, without: string[] = []): Record<string, unknown>[] {
  const base = {
    model: 'Model',
    serial_number: 'SN',
    mdm_enabled: true,
    is_missing: false,
    is_removed: false,
    agent_version: '',
    lost_mode_status: '',
    tags: [],
  };
  const all = [
    {
      ...base,
      device_id: 'm1',
      device_name: 'm1',
      platform: 'Mac',
      os_version: '15.10',
      user: person('u1', 'Ann'),
      blueprint_id: 'bp-mac',
      blueprint_name: 'Mac Standard',
      agent_installed: true,
      last_check_in: hoursBefore(day, 1),
    },
    // 15.9.1 is behind 15.10: versions compare part by part, not as text.
    {
      ...base,
      device_id: 'm2',
      device_name: 'm2',
      platform: 'Mac',
      os_version: '15.9.1',
      user: person('u2', 'Bo'),
      blueprint_id: 'bp-mac',
      blueprint_name: 'Mac Standard',
      agent_installed: false,
      last_check_in: hoursBefore(day, 2),
    },
    {
      ...base,
      device_id: 'm3',
      device_name: 'm3',
      platform: 'Mac',
      os_version: '15.10',
      user: person('u4', 'Dee'),
      blueprint_id: 'bp-mac',
      blueprint_name: 'Mac Standard',
      agent_installed: true,
      last_check_in: hoursBefore(day, 1),
    },
    {
      ...base,
      device_id: 'p1',
      device_name: 'p1',
      platform: 'iPhone',
      os_version: '18.1.1',
      user: null,
      blueprint_id: 'bp-ios',
      blueprint_name: 'iOS Standard',
      agent_installed: false,
      last_check_in: '2025-12-26T12:00:00.000Z',
    },
    {
      ...base,
      device_id: 'p2',
      device_name: 'p2',
      platform: 'iPhone',
      os_version: '18.0.1',
      user: null,
      blueprint_id: 'bp-ios',
      blueprint_name: 'iOS Standard',
      agent_installed: false,
      is_missing: true,
      last_check_in: '2025-11-26T12:00:00.000Z',
    },
    {
      ...base,
      device_id: 't1',
      device_name: 't1',
      platform: 'AppleTV',
      os_version: '18.1',
      user: null,
      blueprint_id: null,
      blueprint_name: null,
      agent_installed: false,
      last_check_in: hoursBefore(day, 1),
    },
    // A 2022-era payload: the user's legacy numeric id, which the directory has as u1's deprecated_user_id.
    {
      ...base,
      device_id: 'i1',
      device_name: 'i1',
      platform: 'iPad',
      os_version: '18.1.1',
      user: { ...person('u1', 'Ann'), id: 30001 },
      blueprint_id: 'bp-ios',
      blueprint_name: 'iOS Standard',
      agent_installed: false,
      lost_mode_status: 'ENABLED',
      last_check_in: hoursBefore(day, 1),
    },
  ];
  return all.filter((d) => !without.includes(d.device_id));
}

const volume = (name: string, percent: number) => ({ name, percent_used: `${percent}%`, percent_used_number: percent });
const details = (id: string, at: string, volumes: unknown[], extra: Record<string, unknown> = {}) => ({
  device_id: id,
  refreshed_at: at,
  general: { device_id: id, boot_volume: volumes.length > 1 ? 'Macintosh HD' : '' },
  volumes,
  recovery_information: { recovery_lock_enabled: false, firmware_password_exist: false },
  ...extra,
});

/** A Prism installed_profiles row: one profile of the device and its payloads' types. */
const profile = (device_id: string, ...types: string[]) => ({
  device_id,
  payload_uuid: `${device_id}-${types.join('+')}`,
  profile_data: types.map((type) => ({ type })),
});
const PASSCODE = 'com.apple.mobiledevice.passwordpolicy';

const users = (u2Department: string | null) => [
  { id: 'u1', email: 'u1@acme.io', name: 'Ann', department: 'Engineering', active: true, archived: false, deprecated_user_id: '30001' },
  { id: 'u2', email: 'u2@acme.io', name: 'Bo', department: u2Department, active: true, archived: false },
  { id: 'u3', email: 'u3@acme.io', name: 'Cy', department: 'Sales', active: true, archived: false },
  { id: 'u5', email: 'u5@acme.io', name: 'Eve', department: 'Engineering', active: false, archived: true },
];

const HISTORY: FixtureRun[] = [
  {
    syncedAt: D1,
    status: 'complete',
    streams: {
      devices: { rows: devices(D1) },
      device_information: {
        rows: [
          { device_id: 'm1', apple_silicon: true, updated_at: D1 },
          { device_id: 'm2', apple_silicon: false, updated_at: D1 },
        ],
      },
      filevault: {
        rows: [
          { device_id: 'm1', status: true, key_escrowed: true },
          { device_id: 'm2', status: true, key_escrowed: true },
        ],
      },
      gatekeeper_and_xprotect: {
        rows: [
          { device_id: 'm1', gatekeeper_status: true },
          { device_id: 'm2', gatekeeper_status: true },
        ],
      },
      startup_settings: {
        rows: [
          { device_id: 'm1', sip: true },
          { device_id: 'm2', sip: true },
        ],
      },
      application_firewall: {
        rows: [
          { device_id: 'm1', status: true },
          { device_id: 'm2', status: false },
        ],
      },
      device_details: {
        rows: [
          details('m1', D1, [volume('Macintosh HD', 40), volume('Macintosh HD - Data', 41)], {
            recovery_information: { recovery_lock_enabled: true },
          }),
          details('m2', D1, [volume('Macintosh HD', 95), volume('Macintosh HD - Data', 95)]),
          details('p1', D1, [volume('', 50)]),
          details('p2', D1, [volume('', 20)]),
          details('i1', D1, [volume('', 30)]),
          details('t1', D1, []),
        ],
      },
      installed_profiles: {
        rows: [
          profile('m1', PASSCODE),
          profile('m2', 'com.apple.wifi.managed'),
          profile('p1', PASSCODE),
          profile('p2', PASSCODE),
          profile('i1', 'com.apple.wifi.managed'),
          profile('i1', PASSCODE, 'com.apple.screensaver'),
        ],
      },
      device_library_items: {
        rows: [
          { device_id: 'm1', item_id: 'edr', type: 'threat-security-policy', status: 'PASS', edr_status: { status: 'enabled' } },
          { device_id: 'm2', item_id: 'wifi', type: 'profile', status: 'success' },
        ],
      },
      users: { rows: users(null) },
      blueprints: { rows: BLUEPRINTS },
      tags: { rows: [{ id: 'tag-1', name: 'loaner' }] },
      device_apps: { rows: [] },
    },
  },
  {
    syncedAt: D2,
    status: 'failed',
    streams: {
      devices: { rows: devices(D2, ['p2']) },
      filevault: { rows: [{ device_id: 'm1', status: false, key_escrowed: false }] },
      users: { status: 'failed', rows: [] },
      blueprints: { rows: BLUEPRINTS },
    },
  },
  {
    syncedAt: D3,
    status: 'complete',
    streams: {
      devices: { rows: devices(D3, ['p2']) },
      users: { rows: users('Sales') },
      blueprints: { rows: BLUEPRINTS },
    },
  },
  {
    syncedAt: D3_LATE,
    status: 'failed',
    streams: {
      devices: { status: 'failed', rows: [{ ...devices(D3_LATE)[0], device_name: 'renamed-late' }] },
      filevault: { rows: [{ device_id: 'm2', status: false, key_escrowed: false }] },
    },
  },
  {
    runId: '20261123T194225Z_crashed',
    syncedAt: '2026-11-23T19:42:25.000Z',
    status: 'failed',
    streams: {
      devices: { status: 'failed', rows: [{ device_id: 'crashed-device', platform: 'Mac' }] },
      tags: { status: 'failed', rows: [{ id: 'orphan', name: 'orphan' }] },
    },
  },
];

describe('marts from a hand-written sync history', () => {
  let dir: string;
  let result: TransformResult;
  const lines: string[] = [];

  const temporary: string[] = [];
  const tempDir = (prefix: string) => {
    const path = mkdtempSync(join(tmpdir(), prefix));
    temporary.push(path);
    return path;
  };
  afterAll(() => {
    for (const path of temporary) rmSync(path, { recursive: true, force: true });
  });

  beforeAll(async () => {
    dir = tempDir('kandji-marts-');
    writeRuns(dir, HISTORY);
    result = await runTransform({ dataDir: dir, say: (l) => lines.push(l) });
  });

  it('builds DATA/kandji.duckdb with every layer, empty typed tables for streams never synced, and passing checks', () => {
    expect(result.dbPath).toBe(join(dir, 'kandji.duckdb'));
    expect(existsSync(result.dbPath)).toBe(true);
    expect(result.tables['raw.runs']).toBe(4);
    expect(result.tables['raw.device_apps']).toBe(0);
    expect(result.tables['staging.stg_kandji__local_users']).toBe(0);
    expect(lines.join('\n')).toMatch(/skipping crashed run 20261123T194225Z_crashed/);
    expect(lines.join('\n')).toMatch(/checks: \d+ passed/);
  });

  it('staging (generated from the declarations): latest row per key wins, across runs of every status; a crashed run is never read', async () => {
    const rows = await query(
      result.dbPath,
      `select device_id, device_name, is_current from staging.stg_kandji__devices order by device_id`,
    );
    expect(rows).toEqual([
      { device_id: 'i1', device_name: 'i1', is_current: true },
      // R4's partial list is a real, later observation of m1; the snapshots use complete lists only.
      { device_id: 'm1', device_name: 'renamed-late', is_current: true },
      { device_id: 'm2', device_name: 'm2', is_current: true },
      { device_id: 'm3', device_name: 'm3', is_current: true },
      { device_id: 'p1', device_name: 'p1', is_current: true },
      // Gone from R3, the latest complete read of the list.
      { device_id: 'p2', device_name: 'p2', is_current: false },
      { device_id: 't1', device_name: 't1', is_current: true },
    ]);
    expect(await query(result.dbPath, `select id from staging.stg_kandji__tags`)).toEqual([{ id: 'tag-1' }]);
    expect(await query(result.dbPath, `select device_id, status, is_current from staging.stg_kandji__filevault order by 1`)).toEqual([
      { device_id: 'm1', status: false, is_current: true },
      { device_id: 'm2', status: false, is_current: true },
    ]);
    expect(await query(result.dbPath, `select id, department from staging.stg_kandji__users where id = 'u2'`)).toEqual([
      { id: 'u2', department: 'Sales' },
    ]);
    // One model per declared stream, and no pasted copies: every staging model but base_kandji__devices is generated.
    const views = await query(result.dbPath, `select table_name from information_schema.tables where table_schema = 'staging' order by 1`);
    expect(views.map((v) => v.table_name)).toEqual(['base_kandji__devices', ...STREAMS.map((st) => `stg_kandji__${st.name}`).sort()]);
  });

  it('rolling detail slices are not fleet changes: rates count devices with evidence, coverage beside them (issue #10 item 4)', async () => {
    const fixture = tempDir('kandji-marts-slices-');
    // Four Apple silicon Macs that never change: a and c have Recovery Lock and room on disk, b and d neither.
    const macs = ['a', 'b', 'c', 'd'].map((id) => ({ ...devices(D1)[0], device_id: id, device_name: id }));
    const info = { rows: macs.map((m) => ({ device_id: m.device_id, apple_silicon: true })) };
    const slice = (ids: string[], at: string) => ({
      rows: ids.map((id) =>
        details(id, at, [volume('Macintosh HD', id === 'a' || id === 'c' ? 40 : 95)], {
          recovery_information: { recovery_lock_enabled: id === 'a' || id === 'c' },
        }),
      ),
    });
    // device_details_max_per_sync = 2: day 1 reads a and b, day 2 c and d.
    writeRuns(fixture, [
      {
        syncedAt: D1,
        status: 'complete',
        streams: { devices: { rows: macs }, device_information: info, device_details: slice(['a', 'b'], D1) },
      },
      { syncedAt: D2, status: 'complete', streams: { devices: { rows: macs }, device_details: slice(['c', 'd'], D2) } },
    ]);
    const built = await runTransform({ dataDir: fixture });
    const coverage = await query(
      built.dbPath,
      `select strftime(snapshot_date, '%Y-%m-%d') as day, [in_scope, passing, failing, unknown, without_evidence_90d]::integer[] as counts,
              coverage, pass_rate
       from marts.control_coverage where control = 'recovery_lock' order by day`,
    );
    expect(coverage).toEqual([
      { day: '2026-01-05', counts: [4, 1, 1, 2, 2], coverage: 0.5, pass_rate: 0.5 },
      { day: '2026-01-06', counts: [4, 2, 2, 0, 0], coverage: 1, pass_rate: 0.5 },
    ]);
    const disk = await query(
      built.dbPath,
      `select strftime(snapshot_date, '%Y-%m-%d') as day, disk_almost_full::integer as full, disk_reported::integer as reported, disk_almost_full_rate as rate
       from marts.fleet_health_daily order by day`,
    );
    expect(disk).toEqual([
      { day: '2026-01-05', full: 1, reported: 2, rate: 0.5 },
      { day: '2026-01-06', full: 2, reported: 4, rate: 0.5 },
    ]);
    // Unknown stays apart from pass in the evidence, with where each verdict came from.
    const evidence = await query(
      built.dbPath,
      `select device_id, status, source_stream, run_id is not null as has_run, strftime(last_evidence_on, '%Y-%m-%d') as last_evidence_on
       from marts.control_evidence_daily where control = 'recovery_lock' and snapshot_date = '2026-01-05' order by device_id`,
    );
    expect(evidence).toEqual([
      { device_id: 'a', status: 'pass', source_stream: 'device_details', has_run: true, last_evidence_on: '2026-01-05' },
      { device_id: 'b', status: 'fail', source_stream: 'device_details', has_run: true, last_evidence_on: '2026-01-05' },
      { device_id: 'c', status: 'unknown', source_stream: 'device_details', has_run: false, last_evidence_on: null },
      { device_id: 'd', status: 'unknown', source_stream: 'device_details', has_run: false, last_evidence_on: null },
    ]);
  });

  it('incremental streams learn of deletions from a complete full read (issue #10 item 5)', async () => {
    const fixture = tempDir('kandji-marts-full-read-');
    const macs = devices(D1, ['p1', 'p2', 't1', 'i1', 'm3']);
    writeRuns(fixture, [
      {
        syncedAt: D1,
        status: 'complete',
        streams: {
          devices: { rows: macs },
          filevault: {
            rows: [
              { device_id: 'm1', status: true, key_escrowed: true },
              { device_id: 'm2', status: true, key_escrowed: true },
            ],
          },
        },
      },
      // A full read of the category from the start: m2's row is no longer in Prism.
      {
        syncedAt: D2,
        status: 'complete',
        streams: { devices: { rows: macs }, filevault: { fullRead: true, rows: [{ device_id: 'm1', status: true, key_escrowed: true }] } },
      },
      // An ordinary incremental read: m2 reports FileVault again.
      {
        syncedAt: D3,
        status: 'complete',
        streams: { devices: { rows: macs }, filevault: { rows: [{ device_id: 'm2', status: false, key_escrowed: false }] } },
      },
    ]);
    const built = await runTransform({ dataDir: fixture });
    const daily = await query(
      built.dbPath,
      `select strftime(snapshot_date, '%Y-%m-%d') as day, device_id, status, is_current from snapshots.snp_kandji__filevault_daily order by day, device_id`,
    );
    expect(daily).toEqual([
      { day: '2026-01-05', device_id: 'm1', status: true, is_current: true },
      { day: '2026-01-05', device_id: 'm2', status: true, is_current: true },
      { day: '2026-01-06', device_id: 'm1', status: true, is_current: true },
      { day: '2026-01-06', device_id: 'm2', status: true, is_current: false },
      { day: '2026-01-07', device_id: 'm1', status: true, is_current: true },
      { day: '2026-01-07', device_id: 'm2', status: false, is_current: true },
    ]);
    // Day 2: m2's FileVault is no longer known (not still "on"); day 3 it is off.
    const verdicts = await query(
      built.dbPath,
      `select strftime(snapshot_date, '%Y-%m-%d') as day, filevault_ok from marts.compliance_daily where device_id = 'm2' order by day`,
    );
    expect(verdicts).toEqual([
      { day: '2026-01-05', filevault_ok: true },
      { day: '2026-01-06', filevault_ok: null },
      { day: '2026-01-07', filevault_ok: false },
    ]);
  });

  it('snapshots: one row per device per day; a failed sync carries a missing device, the next complete sync removes it', async () => {
    const rows = await query(
      result.dbPath,
      `select strftime(snapshot_date, '%Y-%m-%d') as day, is_listed, is_removed, strftime(removed_on, '%Y-%m-%d') as removed_on, device_name
       from snapshots.snp_devices_daily where device_id = 'p2' order by day`,
    );
    expect(rows).toEqual([
      { day: '2026-01-05', is_listed: true, is_removed: false, removed_on: null, device_name: 'p2' },
      { day: '2026-01-06', is_listed: false, is_removed: false, removed_on: null, device_name: 'p2' },
      { day: '2026-01-07', is_listed: false, is_removed: true, removed_on: '2026-01-07', device_name: 'p2' },
    ]);
    const days = await query(
      result.dbPath,
      `select strftime(snapshot_date, '%Y-%m-%d') as day, count(*)::integer as devices, any_value(run_id) as run_id from snapshots.snp_devices_daily group by all order by day`,
    );
    // Day 3 is R3, the day's last run with a complete devices list, not the later R4.
    expect(days.map((d) => [d.day, d.devices, d.run_id.slice(0, 16)])).toEqual([
      ['2026-01-05', 7, '20260105T120000Z'],
      ['2026-01-06', 7, '20260106T120000Z'],
      ['2026-01-07', 7, '20260107T120000Z'],
    ]);
  });

  it('fleet_health: each device now, with its health status and issues', async () => {
    const rows = await query(
      result.dbPath,
      `select device_id, device_name, platform, strftime(snapshot_date, '%Y-%m-%d') as snapshot_date, checked_in_1d, checked_in_7d, checked_in_30d,
              is_os_behind, boot_volume_percent_used as disk, is_disk_almost_full, is_removed, strftime(removed_on, '%Y-%m-%d') as removed_on,
              health_status, health_issues, is_healthy
       from marts.fleet_health order by device_id`,
    );
    const row = (
      device_id: string,
      device_name: string,
      platform: string,
      c1: boolean,
      c7: boolean,
      c30: boolean,
      behind: boolean,
      disk: number | null,
      full: boolean | null,
      removed: boolean,
      removedOn: string | null,
      status: string,
      issues: string[],
    ) => ({
      device_id,
      device_name,
      platform,
      snapshot_date: '2026-01-07',
      checked_in_1d: c1,
      checked_in_7d: c7,
      checked_in_30d: c30,
      is_os_behind: behind,
      disk,
      is_disk_almost_full: full,
      is_removed: removed,
      removed_on: removedOn,
      health_status: status,
      health_issues: issues,
      is_healthy: status === 'healthy',
    });
    expect(rows).toEqual([
      row('i1', 'i1', 'iPad', true, true, true, false, 30, false, false, null, 'critical', ['lost_mode']),
      row('m1', 'm1', 'Mac', true, true, true, false, 41, false, false, null, 'healthy', []),
      row('m2', 'm2', 'Mac', true, true, true, true, 95, true, false, null, 'warning', [
        'agent_not_installed',
        'os_behind',
        'disk_almost_full',
      ]),
      row('m3', 'm3', 'Mac', true, true, true, false, null, null, false, null, 'healthy', []),
      row('p1', 'p1', 'iPhone', false, false, true, false, 50, false, false, null, 'warning', ['no_check_in_7d']),
      row('p2', 'p2', 'iPhone', false, false, false, true, 20, false, true, '2026-01-07', 'removed', []),
      row('t1', 't1', 'AppleTV', true, true, true, false, null, null, false, null, 'healthy', []),
    ]);
    // Check-in age is measured from the snapshot's tenant clock: p1 checked in 12 days before day 3's sync.
    // Issue #10: two decimals, not float noise (m1 checked in an hour before: 0.0416666… days).
    expect(
      await query(
        result.dbPath,
        `select device_id, days_since_check_in from marts.fleet_health where device_id in ('p1', 'm1') order by 1`,
      ),
    ).toEqual([
      { device_id: 'm1', days_since_check_in: 0.04 },
      { device_id: 'p1', days_since_check_in: 12 },
    ]);
  });

  it('fleet_health_daily: counts per day and platform', async () => {
    const rows = await query(
      result.dbPath,
      `select strftime(snapshot_date, '%Y-%m-%d') as day, platform,
              [devices, checked_in_1d, checked_in_7d, checked_in_30d, agent_installed, mdm_enabled, missing, lost_mode, os_behind, disk_almost_full,
               removed, removed_to_date, healthy, warning, critical]::integer[] as counts,
              round(health_rate, 4) as health_rate
       from marts.fleet_health_daily order by day, platform`,
    );
    //                       devices 1d 7d 30d agent mdm missing lost behind disk removed to_date healthy warning critical
    const tv = [1, 1, 1, 1, 0, 1, 0, 0, 0, 0, 0, 0, 1, 0, 0];
    const mac = [3, 3, 3, 3, 2, 3, 0, 0, 1, 1, 0, 0, 2, 1, 0];
    const ipad = [1, 1, 1, 1, 0, 1, 0, 1, 0, 0, 0, 0, 0, 0, 1];
    const iphones = [2, 0, 0, 1, 0, 2, 1, 0, 1, 0, 0, 0, 0, 1, 1];
    const iphoneAfterRemoval = [1, 0, 0, 1, 0, 1, 0, 0, 0, 0, 1, 1, 0, 1, 0];
    const day = (d: string, iphone: number[]) => [
      { day: d, platform: 'AppleTV', counts: tv, health_rate: 1 },
      { day: d, platform: 'Mac', counts: mac, health_rate: 0.6667 },
      { day: d, platform: 'iPad', counts: ipad, health_rate: 0 },
      { day: d, platform: 'iPhone', counts: iphone, health_rate: 0 },
    ];
    expect(rows).toEqual([...day('2026-01-05', iphones), ...day('2026-01-06', iphones), ...day('2026-01-07', iphoneAfterRemoval)]);
  });

  it('compliance_daily: one verdict per enrolled device and day, failing and undecidable checks listed', async () => {
    const rows = await query(
      result.dbPath,
      `select strftime(snapshot_date, '%Y-%m-%d') as day, device_id, compliance_status, is_compliant, failing_checks, failing_checks_text, unknown_checks
       from marts.compliance_daily order by day, device_id`,
    );
    const macUnknown = ['filevault', 'gatekeeper', 'sip', 'firewall', 'recovery_lock', 'screen_lock', 'edr'];
    // Issue #10 item 3: a device whose checks are unknown is not compliant (nor failed): its status says unknown.
    const v = (day: string, device_id: string, failing: string[], unknown: string[] = []) => ({
      day,
      device_id,
      compliance_status: failing.length > 0 ? 'non_compliant' : unknown.length > 0 ? 'unknown' : 'compliant',
      is_compliant: failing.length === 0 && unknown.length === 0,
      failing_checks: failing,
      failing_checks_text: failing.join(', '),
      unknown_checks: unknown,
    });
    expect(rows).toEqual([
      v('2026-01-05', 'i1', []),
      v('2026-01-05', 'm1', []),
      // An Intel Mac: Recovery Lock does not apply.
      v('2026-01-05', 'm2', ['firewall', 'os_current', 'screen_lock']),
      // No Prism rows or details yet: undecided, neither failed nor compliant.
      v('2026-01-05', 'm3', [], macUnknown),
      // FileVault, Gatekeeper, SIP and the firewall do not apply to an iPhone.
      v('2026-01-05', 'p1', []),
      v('2026-01-05', 'p2', ['os_current']),
      v('2026-01-05', 't1', ['blueprint']),
      v('2026-01-06', 'i1', []),
      // FileVault went off in R2: non-compliant from that day on, compliant the day before.
      v('2026-01-06', 'm1', ['filevault']),
      v('2026-01-06', 'm2', ['firewall', 'os_current', 'screen_lock']),
      v('2026-01-06', 'm3', [], macUnknown),
      v('2026-01-06', 'p1', []),
      v('2026-01-06', 'p2', ['os_current']),
      v('2026-01-06', 't1', ['blueprint']),
      v('2026-01-07', 'i1', []),
      v('2026-01-07', 'm1', ['filevault']),
      // R4 failed, but its FileVault rows were read on day 3: an incremental source as of a day is every row synced by then.
      v('2026-01-07', 'm2', ['filevault', 'firewall', 'os_current', 'screen_lock']),
      v('2026-01-07', 'm3', [], macUnknown),
      v('2026-01-07', 'p1', []),
      v('2026-01-07', 't1', ['blueprint']),
    ]);
    const checks = await query(
      result.dbPath,
      `select device_id, filevault_ok, gatekeeper_ok, sip_ok, firewall_ok, recovery_lock_ok, os_current_ok, blueprint_ok, screen_lock_ok, edr_ok
       from marts.compliance_daily where snapshot_date = '2026-01-05' and device_id in ('m1', 'm2', 'p1') order by device_id`,
    );
    expect(checks).toEqual([
      {
        device_id: 'm1',
        filevault_ok: true,
        gatekeeper_ok: true,
        sip_ok: true,
        firewall_ok: true,
        recovery_lock_ok: true,
        os_current_ok: true,
        blueprint_ok: true,
        screen_lock_ok: true,
        edr_ok: true,
      },
      {
        device_id: 'm2',
        filevault_ok: true,
        gatekeeper_ok: true,
        sip_ok: true,
        firewall_ok: false,
        recovery_lock_ok: null,
        os_current_ok: false,
        blueprint_ok: true,
        // Its profiles carry no passcode or screen saver payload; no EDR policy is in its scope.
        screen_lock_ok: false,
        edr_ok: null,
      },
      {
        device_id: 'p1',
        filevault_ok: null,
        gatekeeper_ok: null,
        sip_ok: null,
        firewall_ok: null,
        recovery_lock_ok: null,
        os_current_ok: true,
        blueprint_ok: true,
        screen_lock_ok: true,
        edr_ok: null,
      },
    ]);
  });

  it('compliance: the latest day of compliance_daily, enrolled devices only', async () => {
    const rows = await query(
      result.dbPath,
      `select device_id, strftime(snapshot_date, '%Y-%m-%d') as day, is_compliant from marts.compliance order by device_id`,
    );
    expect(rows).toEqual([
      { device_id: 'i1', day: '2026-01-07', is_compliant: true },
      { device_id: 'm1', day: '2026-01-07', is_compliant: false },
      { device_id: 'm2', day: '2026-01-07', is_compliant: false },
      { device_id: 'm3', day: '2026-01-07', is_compliant: false },
      { device_id: 'p1', day: '2026-01-07', is_compliant: true },
      { device_id: 't1', day: '2026-01-07', is_compliant: false },
    ]);
  });

  it('department: devices, users, compliance and health by department and day, with the directory as of each day', async () => {
    const rows = await query(
      result.dbPath,
      `select strftime(snapshot_date, '%Y-%m-%d') as day, department,
              [devices, users, users_with_devices, compliant_devices, compliance_unknown_devices, healthy_devices]::integer[] as counts,
              round(compliance_rate, 4) as compliance_rate, round(compliance_coverage, 4) as coverage, round(health_rate, 4) as health_rate
       from marts.department order by day, department`,
    );
    const r = (
      day: string,
      department: string,
      counts: number[],
      compliance_rate: number | null,
      coverage: number | null,
      health_rate: number | null,
    ) => ({ day, department, counts, compliance_rate, coverage, health_rate });
    expect(rows).toEqual([
      // m2 (u2, no department; failing) and m3 (u4, not in the directory; unknown): the rate is of m2 alone, and
      // the coverage says it speaks for half the devices.
      r('2026-01-05', '(no department)', [2, 1, 2, 0, 1, 1], 0, 0.5, 0.5),
      r('2026-01-05', '(unassigned)', [3, 0, 0, 1, 0, 1], 0.3333, 1, 0.3333),
      // u5 is archived: not counted among the users.
      r('2026-01-05', 'Engineering', [2, 1, 1, 2, 0, 1], 1, 1, 0.5),
      r('2026-01-05', 'Sales', [0, 1, 0, 0, 0, 0], null, null, null),
      // R2's users stream failed: the directory stays as R1 read it.
      r('2026-01-06', '(no department)', [2, 1, 2, 0, 1, 1], 0, 0.5, 0.5),
      r('2026-01-06', '(unassigned)', [3, 0, 0, 1, 0, 1], 0.3333, 1, 0.3333),
      r('2026-01-06', 'Engineering', [2, 1, 1, 1, 0, 1], 0.5, 1, 0.5),
      r('2026-01-06', 'Sales', [0, 1, 0, 0, 0, 0], null, null, null),
      // u2 moved to Sales in R3; p2 was removed. m3 alone is left without a department: nothing known, no rate.
      r('2026-01-07', '(no department)', [1, 0, 1, 0, 1, 1], null, 0, 1),
      r('2026-01-07', '(unassigned)', [2, 0, 0, 1, 0, 1], 0.5, 1, 0.5),
      r('2026-01-07', 'Engineering', [2, 1, 1, 1, 0, 1], 0.5, 1, 0.5),
      r('2026-01-07', 'Sales', [1, 2, 1, 0, 0, 0], 0, 1, 0),
    ]);
  });

  it('fleetSummary: the numbers of the summary table, equal to queries on the marts', async () => {
    const summary = await fleetSummary(result.dbPath);
    expect(summary).toMatchObject({
      snapshotDate: '2026-01-07',
      syncedAt: D3,
      days: 3,
      devices: 6,
      healthy: 3,
      healthyPct: 50,
      // m3's compliance is unknown: not compliant, and left out of the share (2 of the 5 known).
      compliant: 2,
      complianceUnknown: 1,
      compliantPct: 40,
      removed: 1,
    });
    expect(summary.platforms).toEqual([
      { platform: 'Mac', devices: 3, healthy: 2, healthyPct: 66.7, compliant: 0, complianceUnknown: 1, compliantPct: 0 },
      { platform: 'AppleTV', devices: 1, healthy: 1, healthyPct: 100, compliant: 0, complianceUnknown: 0, compliantPct: 0 },
      { platform: 'iPad', devices: 1, healthy: 0, healthyPct: 0, compliant: 1, complianceUnknown: 0, compliantPct: 100 },
      { platform: 'iPhone', devices: 1, healthy: 0, healthyPct: 0, compliant: 1, complianceUnknown: 0, compliantPct: 100 },
    ]);
    const text = formatFleetSummary(summary);
    expect(text).toMatch(/^Fleet on 2026-01-07/);
    expect(text).toMatch(/\nall\s+6\s+50\.0%\s+40\.0%\s+1$/);
  });

  it('a rerun rebuilds the same database: no row is added', async () => {
    const before = await dump(result.dbPath, ['raw', 'staging', 'intermediate', 'snapshots', 'marts']);
    const again = await runTransform({ dataDir: dir });
    expect(again.tables).toEqual(result.tables);
    expect(await dump(again.dbPath, ['raw', 'staging', 'intermediate', 'snapshots', 'marts'])).toEqual(before);
    expect(existsSync(`${again.dbPath}.wal`)).toBe(false);
  });

  it('a dangling blueprint id warns and the marts are built; a failed transform keeps the previous database', async () => {
    const bad = tempDir('kandji-marts-bad-');
    const dbPath = join(bad, 'kandji.duckdb');
    const first: FixtureRun = {
      syncedAt: D1,
      status: 'complete',
      streams: { devices: { rows: devices(D1, ['m2', 'm3', 'p1', 'p2', 't1', 'i1']) }, blueprints: { rows: BLUEPRINTS } },
    };
    writeRuns(bad, [
      first,
      {
        syncedAt: D2,
        status: 'complete',
        streams: { devices: { rows: [{ ...devices(D2)[0], blueprint_id: 'bp-gone' }] }, blueprints: { rows: BLUEPRINTS } },
      },
    ]);
    // Issue #10: one device pointing at a deleted blueprint used to withhold every mart.
    const built = await runTransform({ dataDir: bad, dbPath });
    const dangling = built.warnings.filter((w) => /blueprints_exist/.test(w));
    expect(dangling).toHaveLength(1);
    // No device_apps or users were synced: the marts that need them are built empty, and say why.
    const why = '(the stream is not selected, not permitted for the token, or not read yet)';
    const empty = built.warnings.filter((w) => !/blueprints_exist/.test(w));
    expect(empty).toEqual(
      expect.arrayContaining([
        `marts.assignment_mismatch is empty: no users rows were synced ${why}`,
        `marts.software_catalog is empty: no device_apps rows were synced ${why}`,
        `marts.software_inventory is empty: no device_apps rows were synced ${why}`,
        `marts.vulnerability_lifecycle is empty: no vulnerability_detections rows were synced ${why}`,
      ]),
    );
    for (const line of empty) expect(line).toMatch(/^marts\.\w+ is empty: no \w+ rows were synced/);
    expect(await query(dbPath, `select count(*)::integer as n from marts.software_catalog`)).toEqual([{ n: 0 }]);
    expect(dangling[0]).toMatch(/checks\/blueprints_exist\.sql\): 1 row breaks it, e\.g\. \[\{"device_id":"m1".*"blueprint_id":"bp-gone"/);
    expect(await query(dbPath, `select device_id, blueprint_id from marts.fleet_health`)).toEqual([
      { device_id: 'm1', blueprint_id: 'bp-gone' },
    ]);
    const ALL = ['raw', 'staging', 'intermediate', 'snapshots', 'marts'];
    const good = await dump(dbPath, ALL);
    // A run whose file is not JSON: the load fails, and the database of the last good build stays, to the row.
    const [broken] = writeRuns(bad, [{ ...first, syncedAt: D3 }]);
    writeFileSync(join(bad, broken?.streams.devices?.files[0] as string), '{not json\n');
    await expect(runTransform({ dataDir: bad, dbPath })).rejects.toThrow();
    expect(await dump(dbPath, ALL)).toEqual(good);
    expect(readdirSync(bad).filter((f) => f.includes('.building-'))).toEqual([]);
  });

  it('every example query of docs/marts.md runs on the marts', async () => {
    const doc = readFileSync(new URL('../../docs/marts.md', import.meta.url), 'utf8');
    const examples = [...doc.matchAll(/```sql\n([\s\S]*?)```/g)].map((m) => m[1] as string);
    expect(examples.length).toBeGreaterThanOrEqual(5);
    for (const sql of examples) await expect(query(result.dbPath, sql.trim().replace(/;$/, '')), sql).resolves.toBeInstanceOf(Array);
    const critical = await query(result.dbPath, (examples[0] as string).trim().replace(/;$/, ''));
    expect(critical.map((r) => r.device_name)).toEqual(['i1']);
    const answer = async (start: string) =>
      query(result.dbPath, (examples.find((sql) => sql.startsWith(start)) as string).trim().replace(/;$/, ''));
    expect(await answer('-- Devices without an enforced screen lock')).toEqual([
      { device_name: 'm2', platform: 'Mac', user_email: 'u2@acme.io', screen_lock_ok: false, edr_ok: null },
    ]);
  });

  it("docs/marts.md: every mart has its grain, keys and at least three questions in SQL; its controls and columns are the code's", async () => {
    const doc = readFileSync(new URL('../../docs/marts.md', import.meta.url), 'utf8');
    const sections = doc.slice(doc.indexOf('\n## Marts'), doc.indexOf('\n## Many tenants')).split('\n### ').slice(1);
    // The cross-tenant marts are documented in the table of the Many tenants section, one row each.
    const tenantMarts = [...doc.slice(doc.indexOf('\n## Many tenants')).matchAll(/^\| `(\w+)` +\|/gm)].map((m) => m[1]);
    const marts = (await query(result.dbPath, `select table_name from information_schema.tables where table_schema = 'marts' order by 1`))
      .map((r) => String(r.table_name))
      .filter((name) => !tenantMarts.includes(name));
    expect(marts.length).toBeGreaterThanOrEqual(19);
    for (const mart of marts) {
      const section = sections.find((sec) => (sec.split('\n')[0] as string).includes(`\`${mart}\``));
      expect(section, mart).toBeDefined();
      expect(section, mart).toMatch(/grain/i);
      expect(section, mart).toMatch(/\bkeys?\b/i);
      expect((section as string).split('```sql').length - 1, mart).toBeGreaterThanOrEqual(3);
    }
    // Every control of the control mapping has a row in the compliance rule's table.
    const controls = await query(result.dbPath, 'select distinct control from marts.control_evidence_daily order by 1');
    expect(controls.length).toBe(9);
    for (const { control } of controls) expect(doc, control).toMatch(new RegExp(`^\\| \`${control}\` +\\|`, 'm'));
    // Every column of compliance_daily is named in its table (tenant_id, which every model has, in Many tenants).
    const compliance = doc.slice(doc.indexOf('### `compliance_daily`'), doc.indexOf('### `compliance`\n'));
    const columns = await query(
      result.dbPath,
      `select column_name from information_schema.columns
       where table_schema = 'marts' and table_name = 'compliance_daily' and column_name <> 'tenant_id'`,
    );
    for (const { column_name } of columns) expect(compliance, column_name).toContain(`\`${column_name}\``);
  });

  it('a data directory with no runs is an error that says what to do', async () => {
    const empty = tempDir('kandji-marts-empty-');
    await expect(runTransform({ dataDir: empty })).rejects.toThrow(/has no sync runs .* run `source-kandji sync --out/);
  });
});
