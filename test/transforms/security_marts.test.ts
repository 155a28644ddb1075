/**
 * Given → expected for the marts of the security and integration streams (vulnerability_lifecycle,
 * vulnerability_daily, deployment_status, deployment_failures, integration_health, license_usage): five synced days,
 * one transform, a test per mart with the rows it must hold.
 *
 *   D1 2026-01-05  a full read of detections finds none; Chrome passes on m1 (every day), fails on m2; the ADE token has 40 days
 *   D2 2026-01-06  CVE-1 (High) detected on m1
 *   D3 2026-01-07  Chrome passes on m2
 *   D4 2026-01-08  Chrome fails on m2 again
 *   D5 2026-01-09  a full read of detections: CVE-1 is gone (patched), CVE-2 (Critical) found on m2; 20 days left
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runTransform } from '../../transforms/run.ts';
import { query, writeRuns, type FixtureRun, type FixtureStream } from './helpers.ts';

const DAYS = ['2026-01-05', '2026-01-06', '2026-01-07', '2026-01-08', '2026-01-09'];
const at = (day: string) => `${day}T12:00:00.000Z`;
const macs = (day: string) =>
  ['m1', 'm2'].map((id) => ({
    device_id: id,
    device_name: id,
    platform: 'Mac',
    os_version: '15.1',
    last_check_in: at(day),
    user: null,
    tags: [],
  }));
const detection = (device_id: string, cve_id: string, severity: string, day: string) => ({
  device_id,
  cve_id,
  path: '/Applications/App.app',
  name: 'App',
  version: '1.0',
  cvss_severity: severity,
  cvss_score: severity === 'Critical' ? 9.8 : 7.5,
  first_detection_date: at(day),
  latest_detection_date: at(day),
});
const status = (device_id: string, s: 'PASS' | 'ERROR', day: string) => ({
  library_item_id: 'L1',
  device_id,
  status: s,
  status_normalized: s === 'PASS' ? 'pass' : 'fail',
  reported_at: at(day),
});
const token = (daysLeft: number) => ({ id: 'T1', server_name: 'ABM', org_name: 'Acme', status: 'SUCCESS', days_left: daysLeft });

/** m2's Chrome status each day (m1's passes throughout): the stream is read in full every sync. */
const M2_CHROME = ['ERROR', 'ERROR', 'PASS', 'ERROR', 'ERROR'] as const;

function day(i: number, streams: Record<string, FixtureStream>): FixtureRun {
  const d = DAYS[i] as string;
  const statuses = { rows: [status('m1', 'PASS', d), status('m2', M2_CHROME[i] as 'PASS' | 'ERROR', d)] };
  return { syncedAt: at(d), status: 'complete', streams: { devices: { rows: macs(d) }, library_item_statuses: statuses, ...streams } };
}

const HISTORY: FixtureRun[] = [
  day(0, {
    vulnerability_detections: { fullRead: true, rows: [] },
    library_items: { rows: [{ id: 'L1', name: 'Chrome', item_type: 'custom_app' }] },
    ade_tokens: { mode: 'full_refresh', rows: [token(40)] },
    licensing: {
      mode: 'full_refresh',
      rows: [{ id: 'licensing', counts: { computers_count: 2, macos_count: 2 }, limits: { max_devices: 10 } }],
    },
  }),
  day(1, { vulnerability_detections: { rows: [detection('m1', 'CVE-1', 'High', DAYS[1] as string)] } }),
  day(2, {}),
  day(3, {}),
  day(4, {
    vulnerability_detections: { fullRead: true, rows: [detection('m2', 'CVE-2', 'Critical', DAYS[4] as string)] },
    // CVE-2 is in CISA's Known Exploited Vulnerabilities; CVE-1 is not.
    vulnerabilities: {
      rows: [
        { cve_id: 'CVE-1', severity: 'High', kev_score: 0 },
        { cve_id: 'CVE-2', severity: 'Critical', kev_score: 1 },
      ],
    },
    ade_tokens: { mode: 'full_refresh', rows: [token(20)] },
  }),
];

describe('security and integration marts from a hand-written history', () => {
  let dir: string;
  let db: string;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'kandji-security-marts-'));
    writeRuns(dir, HISTORY);
    ({ dbPath: db } = await runTransform({ dataDir: dir }));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('vulnerability_lifecycle: first and last seen, remediated when a full read no longer has it, days open', async () => {
    const rows = await query(
      db,
      `select device_id, cve_id, severity, is_kev, strftime(first_seen_on, '%Y-%m-%d') as first_seen, strftime(last_seen_on, '%Y-%m-%d') as last_seen,
              strftime(remediated_on, '%Y-%m-%d') as remediated, is_open, days_open::integer as days_open
       from marts.vulnerability_lifecycle order by device_id`,
    );
    expect(rows).toEqual([
      {
        device_id: 'm1',
        cve_id: 'CVE-1',
        severity: 'High',
        is_kev: false,
        first_seen: '2026-01-06',
        last_seen: '2026-01-08',
        remediated: '2026-01-09',
        is_open: false,
        days_open: 3,
      },
      {
        device_id: 'm2',
        cve_id: 'CVE-2',
        severity: 'Critical',
        is_kev: true,
        first_seen: '2026-01-09',
        last_seen: '2026-01-09',
        remediated: null,
        is_open: true,
        days_open: 0,
      },
    ]);
  });

  it('vulnerability_daily: open detections by severity over time, found, remediated, mean time to remediate', async () => {
    const rows = await query(
      db,
      `select strftime(snapshot_date, '%Y-%m-%d') as day, severity, [open_detections, devices_affected, found, remediated]::integer[] as counts,
              mean_days_to_remediate as mttr
       from marts.vulnerability_daily order by severity, day`,
    );
    const r = (d: number, severity: string, counts: number[], mttr: number | null) => ({ day: DAYS[d], severity, counts, mttr });
    expect(rows).toEqual([
      r(0, 'Critical', [0, 0, 0, 0], null),
      r(1, 'Critical', [0, 0, 0, 0], null),
      r(2, 'Critical', [0, 0, 0, 0], null),
      r(3, 'Critical', [0, 0, 0, 0], null),
      r(4, 'Critical', [1, 1, 1, 0], null),
      r(0, 'High', [0, 0, 0, 0], null),
      r(1, 'High', [1, 1, 1, 0], null),
      r(2, 'High', [1, 1, 0, 0], null),
      r(3, 'High', [1, 1, 0, 0], null),
      r(4, 'High', [0, 0, 0, 1], 3),
    ]);
  });

  it('deployment_status: devices per library item and status each day', async () => {
    const rows = await query(
      db,
      `select strftime(snapshot_date, '%Y-%m-%d') as day, status, devices::integer as devices, library_item_name
       from marts.deployment_status where library_item_id = 'L1' order by day, status`,
    );
    const r = (d: number, s: string, devices: number) => ({ day: DAYS[d], status: s, devices, library_item_name: 'Chrome' });
    expect(rows).toEqual([
      r(0, 'fail', 1),
      r(0, 'pass', 1),
      r(1, 'fail', 1),
      r(1, 'pass', 1),
      r(2, 'pass', 2),
      r(3, 'fail', 1),
      r(3, 'pass', 1),
      r(4, 'fail', 1),
      r(4, 'pass', 1),
    ]);
  });

  it('deployment_failures: what fails now, since the day its current failing run began', async () => {
    const rows = await query(
      db,
      `select device_id, library_item_name, strftime(failing_since, '%Y-%m-%d') as since, snapshot_days_failing::integer as days from marts.deployment_failures`,
    );
    // m2 failed on day 1, passed on day 3, and has failed again since day 4.
    expect(rows).toEqual([{ device_id: 'm2', library_item_name: 'Chrome', since: '2026-01-08', days: 2 }]);
  });

  it('int_deployment_failures_tracked: each failing day with its run so far; built night after night, the same rows', async () => {
    const sql = `select strftime(snapshot_date, '%Y-%m-%d') as day, device_id, library_item_id, status,
                        strftime(failing_since, '%Y-%m-%d') as since, snapshot_days_failing::integer as days
                 from intermediate.int_deployment_failures_tracked order by day, device_id`;
    const expected = [
      { day: '2026-01-05', device_id: 'm2', library_item_id: 'L1', status: 'ERROR', since: '2026-01-05', days: 1 },
      { day: '2026-01-06', device_id: 'm2', library_item_id: 'L1', status: 'ERROR', since: '2026-01-05', days: 2 },
      { day: '2026-01-08', device_id: 'm2', library_item_id: 'L1', status: 'ERROR', since: '2026-01-08', days: 1 },
      { day: '2026-01-09', device_id: 'm2', library_item_id: 'L1', status: 'ERROR', since: '2026-01-08', days: 2 },
    ];
    expect(await query(db, sql)).toEqual(expected);
    // A transform each night carries a failing run from the day before; the night of D4 must not carry D2's run over
    // D3, a day nothing failed (this table's last rows before D4 are D2's).
    const nightly = mkdtempSync(join(tmpdir(), 'kandji-security-nightly-'));
    try {
      let path = '';
      for (const run of HISTORY) {
        writeRuns(nightly, [run]);
        ({ dbPath: path } = await runTransform({ dataDir: nightly }));
      }
      expect(await query(path, sql)).toEqual(expected);
      const failures = `select device_id, strftime(failing_since, '%Y-%m-%d') as since, snapshot_days_failing::integer as days from marts.deployment_failures`;
      expect(await query(path, failures)).toEqual(await query(db, failures));
    } finally {
      rmSync(nightly, { recursive: true, force: true });
    }
  });

  it('integration_health: the ADE token each day, flagged when it expires within 30 days', async () => {
    const rows = await query(
      db,
      `select strftime(snapshot_date, '%Y-%m-%d') as day, token_id, days_left::integer as days_left, expires_within_30d from marts.integration_health order by day`,
    );
    expect(rows.map((r) => [r.day, r.days_left, r.expires_within_30d])).toEqual([
      ['2026-01-05', 40, false],
      ['2026-01-06', 40, false],
      ['2026-01-07', 40, false],
      ['2026-01-08', 40, false],
      ['2026-01-09', 20, true],
    ]);
  });

  it('license_usage: devices against the plan limit each day', async () => {
    const rows = await query(
      db,
      `select strftime(snapshot_date, '%Y-%m-%d') as day, devices::integer as devices, max_devices::integer as max_devices, share_used from marts.license_usage order by day`,
    );
    expect(rows).toEqual(DAYS.map((d) => ({ day: d, devices: 2, max_devices: 10, share_used: 0.2 })));
  });

  it('the example queries of docs/marts.md run here, and the security ones answer', async () => {
    const doc = readFileSync(new URL('../../docs/marts.md', import.meta.url), 'utf8');
    const answers = new Map<string, unknown[]>();
    for (const m of doc.matchAll(/```sql\n([\s\S]*?)```/g)) {
      const sql = (m[1] as string).trim().replace(/;$/, '');
      answers.set(sql, await query(db, sql));
    }
    const answer = (start: string) => [...answers].find(([sql]) => sql.startsWith(start))?.[1];
    expect(answer('-- Open critical vulnerabilities')).toEqual([
      { device_id: 'm2', cve_id: 'CVE-2', software: 'App', version: '1.0', first_seen_on: '2026-01-09', days_open: '0' },
    ]);
    expect(answer('-- ADE tokens to renew now.')).toEqual([{ token_id: 'T1', server_name: 'ABM', days_left: '20', expires_at: null }]);
    expect(answer('-- Library items failing on the most devices today.')).toEqual([{ library_item_name: 'Chrome', devices: '1' }]);
  });
});

describe('is_kev comes only from the vulnerabilities stream', () => {
  const dirs: string[] = [];
  afterAll(() => {
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });

  /** The history above with its vulnerabilities stream replaced (undefined: never synced). */
  async function kevWith(vulnerabilities: FixtureStream | undefined) {
    const dir = mkdtempSync(join(tmpdir(), 'kandji-kev-'));
    dirs.push(dir);
    writeRuns(
      dir,
      HISTORY.map((run) => {
        const { vulnerabilities: _, ...streams } = run.streams;
        return { ...run, streams: vulnerabilities && run.syncedAt === at(DAYS[4] as string) ? { ...streams, vulnerabilities } : streams };
      }),
    );
    const { dbPath, tables } = await runTransform({ dataDir: dir });
    expect(tables['raw.vulnerabilities']).toBe(vulnerabilities?.rows.length ?? 0);
    return query(dbPath, 'select cve_id, is_kev from marts.vulnerability_lifecycle order by cve_id');
  }

  it('null, not false, for every CVE when the stream was never synced', async () => {
    expect(await kevWith(undefined)).toEqual([
      { cve_id: 'CVE-1', is_kev: null },
      { cve_id: 'CVE-2', is_kev: null },
    ]);
  });

  it('null for a CVE the stream does not list, true or false for those it does', async () => {
    expect(await kevWith({ rows: [{ cve_id: 'CVE-2', severity: 'Critical', kev_score: 1 }] })).toEqual([
      { cve_id: 'CVE-1', is_kev: null },
      { cve_id: 'CVE-2', is_kev: true },
    ]);
    expect(await kevWith({ rows: [{ cve_id: 'CVE-1', severity: 'High', kev_score: 0 }] })).toEqual([
      { cve_id: 'CVE-1', is_kev: false },
      { cve_id: 'CVE-2', is_kev: null },
    ]);
  });
});
