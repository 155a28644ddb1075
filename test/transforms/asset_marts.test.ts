/**
 * Given → expected for the asset marts (device_register, device_assignment_history, assignment_mismatch,
 * software_inventory, software_catalog, os_currency_daily): one small hand-written history, one transform, a test
 * per mart with the exact rows it must hold.
 *
 *   D1 2026-01-05  complete   a1 (Mac, Ann), a2 (Mac, Cy: archived), a3 (iPhone, Ann), a4 (Mac on macOS 14, Bo)
 *   D2 2026-01-06  complete   a1's Slack updated 4.9.0 → 4.10.0
 *   D3 2026-01-07  complete   a1 reassigned to Bo (Ann still logs in); a2 updated to macOS 15.1; a4 gone
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runTransform } from '../../transforms/run.ts';
import { query, writeRuns, type FixtureRun } from './helpers.ts';

const D1 = '2026-01-05T12:00:00.000Z';
const D2 = '2026-01-06T12:00:00.000Z';
const D3 = '2026-01-07T12:00:00.000Z';

const user = (id: string, name: string) => ({ id, email: `${name.toLowerCase()}@acme.io`, name });
const ANN = user('u1', 'Ann');
const BO = user('u2', 'Bo');
const CY = user('u3', 'Cy');

function device(id: string, platform: string, os: string, owner: Record<string, unknown>, extra: Record<string, unknown> = {}) {
  return {
    device_id: id,
    device_name: `${id}-name`,
    platform,
    model: platform === 'Mac' ? 'MacBook Pro' : 'iPhone 15',
    serial_number: `SN-${id}`,
    os_version: os,
    user: owner,
    blueprint_id: 'bp',
    blueprint_name: 'Standard',
    mdm_enabled: true,
    agent_installed: platform === 'Mac',
    is_missing: false,
    lost_mode_status: '',
    asset_tag: `TAG-${id}`,
    tags: ['loaner'],
    first_enrollment: '2025-06-01T00:00:00.000Z',
    last_enrollment: '2025-06-02T00:00:00.000Z',
    last_check_in: '2026-01-05T10:00:00.000Z',
    ...extra,
  };
}

const details = (id: string, lastUser: string) => ({
  device_id: id,
  refreshed_at: D1,
  general: { device_id: id, boot_volume: 'Macintosh HD', last_user: lastUser },
  hardware_overview: {
    model_name: 'MacBook Pro (14-inch)',
    model_identifier: 'Mac15,3',
    processor_name: 'Apple M3',
    memory: '16 GB',
    udid: `UDID-${id}`,
  },
  volumes: [
    { name: 'Macintosh HD', percent_used_number: 50, capacity_bytes: 500_000_000_000, available_bytes: 250_000_000_000 },
    { name: 'Macintosh HD - Data', percent_used_number: 50, capacity_bytes: 500_000_000_000, available_bytes: 250_000_000_000 },
  ],
});

const app = (
  device_id: string,
  version: string,
  path: string | null = '/Applications/Slack.app',
  bundle_id = 'com.tinyspeck.slackmacgap',
) => ({
  device_id,
  bundle_id,
  path,
  name: bundle_id === 'com.tinyspeck.slackmacgap' ? 'Slack' : 'Notes',
  version,
  short_version: version,
  developer_name: 'Slack',
});

const USERS = [
  { ...ANN, active: true, archived: false, department: 'Eng', job_title: 'Engineer' },
  { ...BO, active: true, archived: false, department: 'Sales', job_title: 'Rep' },
  { ...CY, active: false, archived: true, department: 'Eng', job_title: 'Former' },
];

const HISTORY: FixtureRun[] = [
  {
    syncedAt: D1,
    status: 'complete',
    streams: {
      devices: {
        rows: [
          device('a1', 'Mac', '15.1', ANN),
          device('a2', 'Mac', '15.0.1', CY),
          device('a3', 'iPhone', '18.2', ANN),
          device('a4', 'Mac', '14.7', BO),
        ],
      },
      device_details: { rows: [details('a1', 'ann'), details('a2', 'cy')] },
      users: { rows: USERS },
      device_apps: { rows: [app('a1', '4.9.0'), app('a2', '4.9.0'), app('a3', '1.0', null, 'com.apple.mobilenotes')] },
      // Apple Business Manager: a1 enrolled through ADE; SN-9 bought and assigned, not enrolled yet.
      ade_devices: {
        mode: 'full_refresh',
        rows: [
          { id: 'ade-1', serial_number: 'SN-a1', model: 'MacBook Pro', device_family: 'Mac', mdm_device: { id: 'a1' } },
          { id: 'ade-9', serial_number: 'SN-9', model: 'MacBook Air', device_family: 'Mac', asset_tag: 'TAG-9', mdm_device: null },
        ],
      },
    },
  },
  {
    syncedAt: D2,
    status: 'complete',
    streams: {
      devices: {
        rows: [
          device('a1', 'Mac', '15.1', ANN),
          device('a2', 'Mac', '15.0.1', CY),
          device('a3', 'iPhone', '18.2', ANN),
          device('a4', 'Mac', '14.7', BO),
        ],
      },
      users: { rows: USERS },
      device_apps: { rows: [app('a1', '4.10.0')] },
    },
  },
  {
    syncedAt: D3,
    status: 'complete',
    streams: {
      devices: { rows: [device('a1', 'Mac', '15.1', BO), device('a2', 'Mac', '15.1', CY), device('a3', 'iPhone', '18.2', ANN)] },
      users: { rows: USERS },
    },
  },
];

describe('asset marts from a hand-written history', () => {
  let dir: string;
  let db: string;
  let warnings: string[];

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'kandji-asset-marts-'));
    writeRuns(dir, HISTORY);
    ({ dbPath: db, warnings } = await runTransform({ dataDir: dir }));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('builds with every check passing; only the marts of streams this history lacks are empty, and say so', () => {
    expect(
      warnings.filter((w) => !/ is empty: no (vulnerability_detections|library_item_statuses|ade_tokens|licensing) rows/.test(w)),
    ).toEqual([]);
  });

  it('device_register: one row per device ever listed, identity, hardware, user, lifecycle', async () => {
    const rows = await query(
      db,
      `select device_id, serial_number, udid, asset_tag, model, model_identifier, processor, memory, storage_capacity_bytes::bigint as capacity,
              storage_free_bytes::bigint as free, platform, os_version, user_id, department, job_title, tags, lifecycle_state,
              strftime(removed_on, '%Y-%m-%d') as removed_on, purchase_date, warranty_end
       from marts.device_register where lifecycle_state <> 'awaiting_enrollment' order by device_id`,
    );
    const base = { asset_tag: null, tags: ['loaner'], purchase_date: null, warranty_end: null, removed_on: null };
    expect(rows).toEqual([
      {
        ...base,
        device_id: 'a1',
        serial_number: 'SN-a1',
        udid: 'UDID-a1',
        asset_tag: 'TAG-a1',
        model: 'MacBook Pro (14-inch)',
        model_identifier: 'Mac15,3',
        processor: 'Apple M3',
        memory: '16 GB',
        capacity: '500000000000',
        free: '250000000000',
        platform: 'Mac',
        os_version: '15.1',
        user_id: 'u2',
        department: 'Sales',
        job_title: 'Rep',
        lifecycle_state: 'active',
      },
      {
        ...base,
        device_id: 'a2',
        serial_number: 'SN-a2',
        udid: 'UDID-a2',
        asset_tag: 'TAG-a2',
        model: 'MacBook Pro (14-inch)',
        model_identifier: 'Mac15,3',
        processor: 'Apple M3',
        memory: '16 GB',
        capacity: '500000000000',
        free: '250000000000',
        platform: 'Mac',
        os_version: '15.1',
        user_id: 'u3',
        department: 'Eng',
        job_title: 'Former',
        lifecycle_state: 'active',
      },
      {
        ...base,
        device_id: 'a3',
        serial_number: 'SN-a3',
        udid: null,
        asset_tag: 'TAG-a3',
        model: 'iPhone 15',
        model_identifier: null,
        processor: null,
        memory: null,
        capacity: null,
        free: null,
        platform: 'iPhone',
        os_version: '18.2',
        user_id: 'u1',
        department: 'Eng',
        job_title: 'Engineer',
        lifecycle_state: 'active',
      },
      {
        ...base,
        device_id: 'a4',
        serial_number: 'SN-a4',
        udid: null,
        asset_tag: 'TAG-a4',
        model: 'MacBook Pro',
        model_identifier: null,
        processor: null,
        memory: null,
        capacity: null,
        free: null,
        platform: 'Mac',
        os_version: '14.7',
        user_id: 'u2',
        department: 'Sales',
        job_title: 'Rep',
        lifecycle_state: 'removed',
        removed_on: '2026-01-07',
      },
    ]);
  });

  it('device_register: a device bought in Apple Business Manager and not enrolled has its own row; an enrolled one its ADE id', async () => {
    const rows = await query(
      db,
      `select device_id, ade_device_id, serial_number, asset_tag, model, platform, lifecycle_state
       from marts.device_register where ade_device_id is not null order by device_id`,
    );
    expect(rows).toEqual([
      {
        device_id: 'a1',
        ade_device_id: 'ade-1',
        serial_number: 'SN-a1',
        asset_tag: 'TAG-a1',
        model: 'MacBook Pro (14-inch)',
        platform: 'Mac',
        lifecycle_state: 'active',
      },
      {
        device_id: 'ade:ade-9',
        ade_device_id: 'ade-9',
        serial_number: 'SN-9',
        asset_tag: 'TAG-9',
        model: 'MacBook Air',
        platform: 'Mac',
        lifecycle_state: 'awaiting_enrollment',
      },
    ]);
  });

  it('device_assignment_history: intervals per device, the current one open, closed by reassignment or removal', async () => {
    const rows = await query(
      db,
      `select device_id, user_id, strftime(assigned_from, '%Y-%m-%d') as assigned_from, strftime(assigned_to, '%Y-%m-%d') as assigned_to, is_current
       from marts.device_assignment_history order by device_id, assigned_from`,
    );
    expect(rows).toEqual([
      { device_id: 'a1', user_id: 'u1', assigned_from: '2026-01-05', assigned_to: '2026-01-07', is_current: false },
      { device_id: 'a1', user_id: 'u2', assigned_from: '2026-01-07', assigned_to: null, is_current: true },
      { device_id: 'a2', user_id: 'u3', assigned_from: '2026-01-05', assigned_to: null, is_current: true },
      { device_id: 'a3', user_id: 'u1', assigned_from: '2026-01-05', assigned_to: null, is_current: true },
      { device_id: 'a4', user_id: 'u2', assigned_from: '2026-01-05', assigned_to: '2026-01-07', is_current: false },
    ]);
  });

  it('assignment_mismatch: another user logs in, an archived user; no login evidence is not a match', async () => {
    const rows = await query(
      db,
      `select device_id, user_id, login_user, login_source, login_matches, reasons, has_mismatch from marts.assignment_mismatch order by device_id`,
    );
    expect(rows).toEqual([
      // Reassigned to Bo on day 3, but Ann is still the one who logs in.
      {
        device_id: 'a1',
        user_id: 'u2',
        login_user: 'ann',
        login_source: 'device_details',
        login_matches: false,
        reasons: ['other_user_logs_in'],
        has_mismatch: true,
      },
      {
        device_id: 'a2',
        user_id: 'u3',
        login_user: 'cy',
        login_source: 'device_details',
        login_matches: true,
        reasons: ['user_archived', 'user_inactive'],
        has_mismatch: true,
      },
      { device_id: 'a3', user_id: 'u1', login_user: null, login_source: null, login_matches: null, reasons: [], has_mismatch: false },
    ]);
  });

  it('software_inventory: the latest app rows of enrolled devices; software_catalog: versions, newest, devices behind', async () => {
    const inventory = await query(
      db,
      `select device_id, bundle_id, path, version from marts.software_inventory order by device_id, bundle_id`,
    );
    expect(inventory).toEqual([
      { device_id: 'a1', bundle_id: 'com.tinyspeck.slackmacgap', path: '/Applications/Slack.app', version: '4.10.0' },
      { device_id: 'a2', bundle_id: 'com.tinyspeck.slackmacgap', path: '/Applications/Slack.app', version: '4.9.0' },
      { device_id: 'a3', bundle_id: 'com.apple.mobilenotes', path: null, version: '1.0' },
    ]);
    // No stream reports when an app was last opened: every row says so, typed, rather than 'never_opened'.
    const usage = await query(
      db,
      `select usage_state, typeof(usage_state) as state_type, typeof(last_opened_at) as opened_type,
              count(*)::integer as apps, count(last_opened_at)::integer as with_time
       from marts.software_inventory group by all`,
    );
    expect(usage).toEqual([
      { usage_state: 'not_reported', state_type: 'VARCHAR', opened_type: 'TIMESTAMP WITH TIME ZONE', apps: 3, with_time: 0 },
    ]);
    const catalog = await query(
      db,
      `select bundle_id, version, app_name, devices::integer as devices, platforms, newest_version, is_behind, devices_behind::integer as devices_behind
       from marts.software_catalog order by bundle_id, version`,
    );
    expect(catalog).toEqual([
      {
        bundle_id: 'com.apple.mobilenotes',
        version: '1.0',
        app_name: 'Notes',
        devices: 1,
        platforms: ['iPhone'],
        newest_version: '1.0',
        is_behind: false,
        devices_behind: 0,
      },
      // 4.10.0 is newer than 4.9.0: versions compare part by part, not as text.
      {
        bundle_id: 'com.tinyspeck.slackmacgap',
        version: '4.10.0',
        app_name: 'Slack',
        devices: 1,
        platforms: ['Mac'],
        newest_version: '4.10.0',
        is_behind: false,
        devices_behind: 0,
      },
      {
        bundle_id: 'com.tinyspeck.slackmacgap',
        version: '4.9.0',
        app_name: 'Slack',
        devices: 1,
        platforms: ['Mac'],
        newest_version: '4.10.0',
        is_behind: true,
        devices_behind: 1,
      },
    ]);
  });

  it('os_currency_daily: against the newest release of the same major line, how far behind, for how many days', async () => {
    const rows = await query(
      db,
      `select strftime(snapshot_date, '%Y-%m-%d') as day, device_id, os_version, newest_os_version, releases_behind::integer as behind,
              snapshot_days_behind::integer as days_behind, strftime(behind_since, '%Y-%m-%d') as since
       from marts.os_currency_daily where platform = 'Mac' order by device_id, day`,
    );
    const r = (day: string, device_id: string, os: string, newest: string, behind: number, days: number, since: string | null) => ({
      day,
      device_id,
      os_version: os,
      newest_os_version: newest,
      behind,
      days_behind: days,
      since,
    });
    expect(rows).toEqual([
      r('2026-01-05', 'a1', '15.1', '15.1', 0, 0, null),
      r('2026-01-06', 'a1', '15.1', '15.1', 0, 0, null),
      r('2026-01-07', 'a1', '15.1', '15.1', 0, 0, null),
      r('2026-01-05', 'a2', '15.0.1', '15.1', 1, 1, '2026-01-05'),
      r('2026-01-06', 'a2', '15.0.1', '15.1', 1, 2, '2026-01-05'),
      r('2026-01-07', 'a2', '15.1', '15.1', 0, 0, null),
      // macOS 14 is measured against 14.x, not 15.
      r('2026-01-05', 'a4', '14.7', '14.7', 0, 0, null),
      r('2026-01-06', 'a4', '14.7', '14.7', 0, 0, null),
    ]);
  });

  it('os_currency_daily: built night after night, the same rows; a day not enrolled ends a run behind', async () => {
    // b1 stays on 15.0 once b2 shows 15.1 (D2): behind from D2 on. b3 too, but it leaves the fleet on D3 and comes
    // back on D4, still on 15.0: a new run. One night per day, but D4 and D5 on one night.
    const days = ['2026-01-05', '2026-01-06', '2026-01-07', '2026-01-08', '2026-01-09'];
    const fleet = (i: number) => [
      device('b1', 'Mac', '15.0', ANN),
      device('b2', 'Mac', i === 0 ? '15.0' : '15.1', BO),
      ...(i === 2 ? [] : [device('b3', 'Mac', '15.0', CY)]),
    ];
    const runs: FixtureRun[] = days.map((day, i) => ({
      syncedAt: `${day}T12:00:00.000Z`,
      status: 'complete',
      streams: { devices: { rows: fleet(i) } },
    }));
    const sql = `select strftime(snapshot_date, '%Y-%m-%d') as day, device_id, releases_behind::integer as behind,
                        snapshot_days_behind::integer as days, strftime(behind_since, '%Y-%m-%d') as since
                 from marts.os_currency_daily where is_behind order by device_id, day`;
    const expected = [
      { day: '2026-01-06', device_id: 'b1', behind: 1, days: 1, since: '2026-01-06' },
      { day: '2026-01-07', device_id: 'b1', behind: 1, days: 2, since: '2026-01-06' },
      { day: '2026-01-08', device_id: 'b1', behind: 1, days: 3, since: '2026-01-06' },
      { day: '2026-01-09', device_id: 'b1', behind: 1, days: 4, since: '2026-01-06' },
      { day: '2026-01-06', device_id: 'b3', behind: 1, days: 1, since: '2026-01-06' },
      { day: '2026-01-08', device_id: 'b3', behind: 1, days: 1, since: '2026-01-08' },
      { day: '2026-01-09', device_id: 'b3', behind: 1, days: 2, since: '2026-01-08' },
    ];
    const scratch = mkdtempSync(join(tmpdir(), 'kandji-os-scratch-'));
    const nightly = mkdtempSync(join(tmpdir(), 'kandji-os-nightly-'));
    try {
      writeRuns(scratch, runs);
      const { dbPath: whole } = await runTransform({ dataDir: scratch });
      expect(await query(whole, sql)).toEqual(expected);
      let path = '';
      for (const night of [runs.slice(0, 1), runs.slice(1, 2), runs.slice(2, 3), runs.slice(3)]) {
        writeRuns(nightly, night);
        ({ dbPath: path } = await runTransform({ dataDir: nightly }));
      }
      expect(await query(path, sql)).toEqual(expected);
      const all = 'select * exclude (tenant_id) from marts.os_currency_daily order by snapshot_date, device_id';
      expect(await query(path, all)).toEqual(await query(whole, all));
      const releases = `select platform, os_version, strftime(first_seen_on, '%Y-%m-%d') as first_seen_on
                        from intermediate.int_os_releases_seen order by platform, os_parts`;
      expect(await query(path, releases)).toEqual([
        { platform: 'Mac', os_version: '15.0', first_seen_on: '2026-01-05' },
        { platform: 'Mac', os_version: '15.1', first_seen_on: '2026-01-06' },
      ]);
      expect(await query(whole, releases)).toEqual(await query(path, releases));
    } finally {
      rmSync(scratch, { recursive: true, force: true });
      rmSync(nightly, { recursive: true, force: true });
    }
  });

  it('every example query of docs/marts.md runs on these marts, and the asset ones answer', async () => {
    const doc = readFileSync(new URL('../../docs/marts.md', import.meta.url), 'utf8');
    const examples = [...doc.matchAll(/```sql\n([\s\S]*?)```/g)].map((m) => (m[1] as string).trim().replace(/;$/, ''));
    const answers = new Map<string, unknown[]>();
    for (const sql of examples) answers.set(sql, await query(db, sql));
    const answer = (start: string) => [...answers].find(([sql]) => sql.startsWith(start))?.[1];
    expect(answer('-- Devices someone else uses.')).toEqual([{ device_name: 'a1-name', user_email: 'bo@acme.io', login_user: 'ann' }]);
    expect(answer('-- Assignment changes of the last 7 days.')).toEqual([
      { device_id: 'a1', user_email: 'bo@acme.io', assigned_from: '2026-01-07' },
    ]);
    expect(answer('-- The most outdated apps')).toEqual([
      { app: 'Slack', bundle_id: 'com.tinyspeck.slackmacgap', newest: '4.10.0', devices_behind: '1' },
    ]);
  });
});
