/**
 * The HTML report: one static page for an IT manager: freshness of the data, the devices to act on, what is not
 * known, and charts of fleet health, compliance, controls and departments over a calendar axis, read from the marts
 * of a built database. The rules are explained in the page (its reader has no repository). It opens offline: Chart.js's self-contained build is inlined from node_modules
 * (no CDN), and the numbers travel in the page as JSON. Every chart is reachable as `window.kandjiCharts[id]` and the
 * page sets `window.kandjiReportReady` once they are drawn, for the test that opens it in Chromium.
 */
import { readFileSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { basename, dirname, join, resolve } from 'node:path';
import { fleetSummary, type FleetSummary } from './run.ts';
import { openMarts, tenantsOf } from './tenants.ts';

export interface ReportOptions {
  /** A database built by runTransform. */
  dbPath: string;
  /** The page to write, e.g. DATA/report.html. */
  outFile: string;
  /** The tenant's name, shown in the title. Default: the name of the database's folder. */
  tenant?: string;
  /** When the report is generated. Default: now. */
  generatedAt?: Date;
  /** The latest complete sync is stale when it is older than this many hours at generatedAt. Default: 48. */
  staleAfterHours?: number;
}

/** A chart as the page draws it: labels on the x axis, one series per dataset. */
export interface ReportChart {
  id: string;
  title: string;
  /** What the chart shows, in words a reader of the page needs (no file or table names). */
  caption: string;
  type: 'line' | 'bar';
  stacked?: boolean;
  /** Values are shares from 0 to 1, shown as percentages. */
  percent?: boolean;
  labels: string[];
  datasets: { label: string; data: (number | null)[]; color: string }[];
}

/** A device to act on now: critical, or failing a check. */
export interface ActionRow {
  device: string;
  user: string;
  platform: string;
  status: string;
  reason: string;
}

export interface Freshness {
  /** The tenant clock of the latest run with status complete ('' when none). */
  lastCompleteSync: string;
  /** Runs that did not complete, latest first: when, status, and the streams that did not complete. */
  unfinishedRuns: { syncedAt: string; status: string; streams: string }[];
  /** Hours between the latest complete sync and generatedAt (null without a complete sync). */
  ageHours: number | null;
  stale: boolean;
}

export interface ReportData {
  tenant: string;
  generatedAt: string;
  summary: FleetSummary;
  /** False when no devices list was ever synced: the page explains that instead of drawing empty charts. */
  hasDevices: boolean;
  freshness: Freshness;
  /** Devices to act on, worst first (at most ACTION_LIMIT), and how many there are in all. */
  actions: ActionRow[];
  actionCount: number;
  /** Per control on the latest day: in scope, passing, failing, unknown, coverage. */
  controls: {
    control: string;
    inScope: number;
    passing: number;
    failing: number;
    unknown: number;
    coverage: number | null;
    /** In-scope devices with no pass or fail on any of the last 90 days: the coverage gap. */
    withoutEvidence90d: number;
  }[];
  /** The asset register on the latest day: devices by lifecycle state, the most common models, by age. */
  assets: { lifecycle: Count[]; models: Count[]; age: Count[] };
  /** Assignment changes of the 7 days before the latest snapshot day, latest first. */
  assignmentChanges: { device: string; user: string; previousUser: string; since: string }[];
  /** The apps with the most devices behind the newest version seen in the tenant (at most 10). */
  outdatedApps: { app: string; newestVersion: string; devicesBehind: number; devices: number }[];
  /** ADE tokens on the latest day, the soonest to expire first; null when the ade_tokens stream was not synced. */
  tokens: { server: string; status: string; daysLeft: number | null; expiresAt: string }[] | null;
  /** Whether any vulnerability detection was synced (the chart of open vulnerabilities is drawn only then). */
  hasVulnerabilities: boolean;
  charts: ReportChart[];
  /**
   * With more than one tenant, each tenant's own report (the page's tenant selector shows it; the rest of the data is
   * the view of all tenants together) with its syncs; empty for a single tenant.
   */
  tenants: TenantView[];
}

/** One tenant's report, as a report of that tenant alone, and its syncs from marts.sync_status. */
export interface TenantView extends Omit<ReportData, 'tenants'> {
  group: string | null;
  /** The latest run's status, the last complete sync, and the last failure with its reason. */
  lastStatus: string;
  lastCompleteAt: string | null;
  lastFailureAt: string | null;
  lastFailureReason: string | null;
}

/** A label and its number of devices. */
export interface Count {
  label: string;
  devices: number;
}

type Row = Record<string, string | number | boolean | null>;

/** The most rows of the action table; the page says how many more there are. */
export const ACTION_LIMIT = 200;

/**
 * One colour per meaning, the same in every chart: good, bad, warning and unknown have fixed colours; any other
 * series (a platform, a control, a department) keeps the colour it was first given wherever it appears.
 */
const MEANING: Record<string, string> = {
  healthy: '#2e9d5b',
  compliant: '#2f6fde',
  warning: '#e0a030',
  critical: '#d64545',
  'non-compliant': '#d64545',
  unknown: '#9aa3ad',
  Critical: '#7a1f5c',
  High: '#e8833a',
  Medium: '#c9a227',
  Low: '#6b7a8f',
};
const PALETTE = ['#8a5cd6', '#1fa3a3', '#d25fa6', '#7bbf3a', '#a0522d', '#4b5bd6', '#17becf', '#555555', '#2b8cbe', '#b15928', '#6a3d9a'];

function colorRegistry(): (label: string) => string {
  const given = new Map<string, string>();
  return (label) => {
    const fixed = MEANING[label];
    if (fixed) return fixed;
    let color = given.get(label);
    if (!color) {
      color = PALETTE[given.size % PALETTE.length] as string;
      given.set(label, color);
    }
    return color;
  };
}

/** Plain words for the health issues and checks, for people who do not read the marts. */
const WORDS: Record<string, string> = {
  missing: 'reported missing',
  lost_mode: 'in lost mode',
  mdm_disabled: 'MDM off',
  no_check_in_30d: 'no check-in for 30 days',
  no_check_in_7d: 'no check-in for 7 days',
  agent_not_installed: 'Kandji agent not installed',
  os_behind: 'OS behind',
  disk_almost_full: 'disk almost full',
  filevault: 'FileVault off or key not escrowed',
  gatekeeper: 'Gatekeeper off',
  sip: 'SIP off',
  firewall: 'firewall off',
  recovery_lock: 'Recovery Lock not set',
  os_current: 'OS not current',
  blueprint: 'no blueprint',
  screen_lock: 'no screen lock enforced',
  edr: 'EDR not running',
};
const words = (names: string[]) => names.map((n) => WORDS[n] ?? n.replace(/_/g, ' '));

/** Every calendar day from the first to the last, so a day without a sync is a gap on the axis, not skipped. */
export function calendarDays(days: string[]): string[] {
  const sorted = [...new Set(days)].sort();
  if (sorted.length === 0) return [];
  const out: string[] = [];
  const last = Date.parse(`${sorted.at(-1)}T00:00:00Z`);
  for (let t = Date.parse(`${sorted[0]}T00:00:00Z`); t <= last; t += 86_400_000) out.push(new Date(t).toISOString().slice(0, 10));
  return out;
}

/** Pivot rows of (day, series, value) onto the calendar: null where a series has no value that day. */
function pivot(
  rows: Row[],
  axis: string[],
  series: string,
  value: string,
  color: (l: string) => string,
): Pick<ReportChart, 'labels' | 'datasets'> {
  const names = [...new Set(rows.map((r) => String(r[series])))];
  const at = new Map(rows.map((r) => [`${r.day}\u0000${r[series]}`, r[value]]));
  return {
    labels: axis,
    datasets: names.map((name) => ({
      label: name,
      color: color(name),
      data: axis.map((day) => {
        const v = at.get(`${day}\u0000${name}`);
        return v === undefined || v === null ? null : Number(v);
      }),
    })),
  };
}

/** Rows of (day, a, b, …) onto the calendar, one dataset per named column. */
function columns(
  rows: Row[],
  axis: string[],
  series: Record<string, string>,
  color: (l: string) => string,
): Pick<ReportChart, 'labels' | 'datasets'> {
  const byDay = new Map(rows.map((r) => [String(r.day), r]));
  return {
    labels: axis,
    datasets: Object.entries(series).map(([label, column]) => ({
      label,
      color: color(label),
      data: axis.map((day) => {
        const v = byDay.get(day)?.[column];
        return v === undefined || v === null ? null : Number(v);
      }),
    })),
  };
}

const iso = (ms: unknown) => (ms === null || ms === undefined ? '' : new Date(Number(ms)).toISOString());

type ViewOptions = { tenant?: string; generatedAt?: Date; staleAfterHours?: number };

/** Every number of the report, queried from the marts. Exported so tests compare the page with the database. */
export async function reportData(dbPath: string, options: ViewOptions = {}): Promise<ReportData> {
  const tenants = await tenantsOf(dbPath);
  const views: TenantView[] = [];
  if (tenants.length > 1) {
    const { connection, close } = await openMarts(dbPath);
    let status: Row[];
    try {
      status = (
        await connection.runAndReadAll(`
          select tenant_id, tenant_group, last_status, strftime(last_complete_at, '%Y-%m-%dT%H:%M:%SZ') as last_complete_at,
              strftime(last_failure_at, '%Y-%m-%dT%H:%M:%SZ') as last_failure_at, last_failure_reason
          from marts.sync_status order by tenant_id`)
      ).getRowObjectsJson() as Row[];
    } finally {
      close();
    }
    for (const row of status) {
      const tenant = String(row.tenant_id);
      views.push({
        ...(await viewData(dbPath, { ...options, tenant }, tenant)),
        group: row.tenant_group === null ? null : String(row.tenant_group),
        lastStatus: String(row.last_status),
        lastCompleteAt: row.last_complete_at === null ? null : String(row.last_complete_at),
        lastFailureAt: row.last_failure_at === null ? null : String(row.last_failure_at),
        lastFailureReason: row.last_failure_reason === null ? null : String(row.last_failure_reason),
      });
    }
  }
  const title = options.tenant ?? (tenants.length > 1 ? `${tenants.length} tenants` : undefined);
  return { ...(await viewData(dbPath, { ...options, ...(title ? { tenant: title } : {}) })), tenants: views };
}

/** The report of every tenant together, or of `only` alone (transforms/tenants.ts openMarts). */
async function viewData(dbPath: string, options: ViewOptions, only?: string): Promise<Omit<ReportData, 'tenants'>> {
  const generatedAt = options.generatedAt ?? new Date();
  const tenant = options.tenant ?? basename(dirname(resolve(dbPath)));
  const summary = await fleetSummary(dbPath, only);
  const { connection, close } = await openMarts(dbPath, only);
  const query = async (sql: string) => (await connection.runAndReadAll(sql)).getRowObjectsJson() as Row[];
  const color = colorRegistry();
  try {
    const [last] = await query(`select epoch_ms(max(synced_at)) as at from raw.runs where status = 'complete'`);
    const lastCompleteSync = iso(last?.at);
    const unfinished = await query(`
      select epoch_ms(r.synced_at) as at, r.status,
             coalesce(string_agg(s.stream || ' ' || s.status, ', ' order by s.stream) filter (where s.status <> 'complete'), '') as streams
      from raw.runs as r left join raw.run_streams as s using (tenant_id, run_id)
      where r.status <> 'complete' group by r.tenant_id, r.run_id, r.synced_at, r.status order by r.synced_at desc limit 20`);
    const ageHours = lastCompleteSync ? Math.round((generatedAt.getTime() - Date.parse(lastCompleteSync)) / 360_000) / 10 : null;
    const freshness: Freshness = {
      lastCompleteSync,
      unfinishedRuns: unfinished.map((r) => ({ syncedAt: iso(r.at), status: String(r.status), streams: String(r.streams) })),
      ageHours,
      stale: ageHours === null || ageHours > (options.staleAfterHours ?? 48),
    };
    const [{ n: snapshotDays } = { n: 0 }] = await query(`select count(*)::integer as n from marts.fleet_health_daily`);
    const hasDevices = Number(snapshotDays) > 0;
    const base = { tenant, generatedAt: generatedAt.toISOString(), summary, freshness, hasDevices };
    if (!hasDevices)
      return {
        ...base,
        actions: [],
        actionCount: 0,
        controls: [],
        assets: { lifecycle: [], models: [], age: [] },
        assignmentChanges: [],
        outdatedApps: [],
        tokens: null,
        hasVulnerabilities: false,
        charts: [],
      };

    const day = `strftime(snapshot_date, '%Y-%m-%d')`;
    const axis = calendarDays((await query(`select distinct ${day} as day from marts.fleet_health_daily`)).map((r) => String(r.day)));
    const act = await query(`
      select h.device_name, coalesce(h.user_name, h.user_email, '') as user_name, h.platform, h.health_status,
             c.compliance_status, h.health_issues, coalesce(c.failing_checks, []) as failing_checks
      from marts.fleet_health as h
      left join marts.compliance as c using (tenant_id, device_id)
      where not h.is_removed and (h.health_status = 'critical' or c.compliance_status = 'non_compliant')
      order by h.health_status = 'critical' desc, len(coalesce(c.failing_checks, [])) desc, h.device_name, h.device_id`);
    const actions = act.slice(0, ACTION_LIMIT).map((r) => {
      const issues = (r.health_issues as unknown as string[]) ?? [];
      const failing = (r.failing_checks as unknown as string[]) ?? [];
      const critical =
        r.health_status === 'critical' ? issues.filter((i) => ['missing', 'lost_mode', 'mdm_disabled', 'no_check_in_30d'].includes(i)) : [];
      return {
        device: String(r.device_name ?? ''),
        user: String(r.user_name ?? ''),
        platform: String(r.platform ?? ''),
        status: [r.health_status === 'critical' ? 'critical' : '', r.compliance_status === 'non_compliant' ? 'non-compliant' : '']
          .filter(Boolean)
          .join(', '),
        reason: words([...critical, ...failing]).join('; '),
      };
    });
    const controls = (
      await query(`
        select control, in_scope::integer as in_scope, passing::integer as passing, failing::integer as failing, unknown::integer as unknown, coverage,
               without_evidence_90d::integer as without_evidence_90d
        from marts.control_coverage where snapshot_date = (select max(snapshot_date) from marts.control_coverage)
        order by control`)
    ).map((r) => ({
      control: String(r.control),
      inScope: Number(r.in_scope),
      passing: Number(r.passing),
      failing: Number(r.failing),
      unknown: Number(r.unknown),
      coverage: r.coverage === null ? null : Number(r.coverage),
      withoutEvidence90d: Number(r.without_evidence_90d),
    }));

    const counts = (rows: Row[]) => rows.map((r) => ({ label: String(r.label), devices: Number(r.devices) }));
    const assets = {
      lifecycle: counts(
        await query(
          `select lifecycle_state as label, count(*)::integer as devices from marts.device_register group by all order by devices desc, label`,
        ),
      ),
      models: counts(
        await query(`
          select coalesce(model, '(not reported)') as label, count(*)::integer as devices
          from marts.device_register where lifecycle_state <> 'removed' group by all order by devices desc, label limit 10`),
      ),
      // Age from first enrollment, measured at the latest snapshot's tenant clock, not the machine's.
      age: counts(
        await query(`
          with clock as (select max(synced_at) as now_at from marts.fleet_health),
          aged as (
            select (epoch((select now_at from clock)) - epoch(first_enrolled_at)) / (365.25 * 86400) as years
            from marts.device_register where lifecycle_state <> 'removed'
          )
          select
            case when years is null then 'not reported' when years < 1 then 'under 1 year' when years < 2 then '1–2 years'
                 when years < 3 then '2–3 years' else '3 years or more' end as label,
            count(*)::integer as devices, min(coalesce(years, 99)) as sort_key
          from aged group by all order by sort_key`),
      ),
    };
    const assignmentChanges = (
      await query(`
        with h as (
          select a.*, lag(a.user_email) over (partition by a.tenant_id, a.device_id order by a.assigned_from) as previous_user
          from marts.device_assignment_history as a
        )
        select r.device_name, coalesce(h.user_email, h.user_name, h.user_id) as user_name, coalesce(h.previous_user, '(unassigned)') as previous_user,
               strftime(h.assigned_from, '%Y-%m-%d') as since
        from h inner join marts.device_register as r using (tenant_id, device_id)
        where h.previous_snapshot_on is not null
          and h.assigned_from > (select max(snapshot_date) from marts.fleet_health_daily) - 7
        order by h.assigned_from desc, r.device_name`)
    ).map((r) => ({
      device: String(r.device_name),
      user: String(r.user_name ?? ''),
      previousUser: String(r.previous_user),
      since: String(r.since),
    }));
    const outdatedApps = (
      await query(`
        select any_value(app_name) as app, any_value(newest_version) as newest_version,
               sum(devices_behind)::integer as devices_behind, sum(devices)::integer as devices
        from marts.software_catalog group by bundle_id having sum(devices_behind) > 0
        order by devices_behind desc, app limit 10`)
    ).map((r) => ({
      app: String(r.app),
      newestVersion: String(r.newest_version),
      devicesBehind: Number(r.devices_behind),
      devices: Number(r.devices),
    }));

    const [{ n: tokenRows } = { n: 0 }] = await query(`select count(*)::integer as n from raw.ade_tokens`);
    const tokens =
      Number(tokenRows) === 0
        ? null
        : (
            await query(`
              select coalesce(server_name, token_id) as server, coalesce(status, '') as status, days_left,
                     coalesce(strftime(expires_at, '%Y-%m-%d'), '') as expires_at
              from marts.integration_health
              where snapshot_date = (select max(snapshot_date) from marts.integration_health)
              order by days_left nulls last, server`)
          ).map((r) => ({
            server: String(r.server),
            status: String(r.status),
            daysLeft: r.days_left === null ? null : Number(r.days_left),
            expiresAt: String(r.expires_at),
          }));
    const vulnerabilities = await query(
      `select ${day} as day, severity, open_detections::integer as open_detections from marts.vulnerability_daily order by day, severity`,
    );

    const fleet = await query(`
      select
        ${day} as day,
        sum(healthy)::integer as healthy,
        sum(warning)::integer as warning,
        sum(critical)::integer as critical,
        sum(checked_in_1d) / nullif(sum(devices), 0) as checked_in_1d,
        sum(checked_in_7d) / nullif(sum(devices), 0) as checked_in_7d,
        sum(checked_in_30d) / nullif(sum(devices), 0) as checked_in_30d
      from marts.fleet_health_daily group by snapshot_date order by snapshot_date`);
    const healthRate = await query(`
      select ${day} as day, platform, sum(healthy) / nullif(sum(devices), 0) as rate
      from marts.fleet_health_daily group by all order by day, platform`);
    // A share of the devices whose compliance is known: an unknown device is neither compliant nor failing.
    const complianceRate = await query(`
      select ${day} as day, platform,
             count(*) filter (where compliance_status = 'compliant') / nullif(count(*) filter (where compliance_status <> 'unknown'), 0) as rate
      from marts.compliance_daily group by all order by day, platform`);
    const controlDaily = await query(
      `select ${day} as day, control, pass_rate, coverage from marts.control_coverage order by day, control`,
    );
    const departmentRate = await query(`
      select ${day} as day, department, compliance_rate
      from marts.department where devices > 0 order by day, department`);
    const departmentHealth = await query(`
      select department, health_rate, compliance_rate, devices
      from marts.department
      where snapshot_date = (select max(snapshot_date) from marts.department) and devices > 0
      order by devices desc, department`);

    const charts: ReportChart[] = [
      {
        id: 'health-status',
        title: 'Fleet health by day',
        caption: 'Enrolled devices by health status. A day without a sync is left empty.',
        type: 'bar',
        stacked: true,
        ...columns(fleet, axis, { healthy: 'healthy', warning: 'warning', critical: 'critical' }, color),
      },
      {
        id: 'health-rate',
        title: 'Healthy devices by platform',
        caption: 'Share of enrolled devices that are healthy.',
        type: 'line',
        percent: true,
        ...pivot(healthRate, axis, 'platform', 'rate', color),
      },
      {
        id: 'check-in',
        title: 'Check-in',
        caption: "Share of enrolled devices that checked in within 1, 7 and 30 days of each day's sync.",
        type: 'line',
        percent: true,
        ...columns(
          fleet,
          axis,
          { 'within 1 day': 'checked_in_1d', 'within 7 days': 'checked_in_7d', 'within 30 days': 'checked_in_30d' },
          color,
        ),
      },
      {
        id: 'compliance-rate',
        title: 'Compliant devices by platform',
        caption:
          'Share of the devices whose compliance is known that pass every check. Devices with a check not yet reported are left out, not counted as passing; see the coverage below.',
        type: 'line',
        percent: true,
        ...pivot(complianceRate, axis, 'platform', 'rate', color),
      },
      {
        id: 'control-pass-rate',
        title: 'Controls passing over time',
        caption:
          'For each control, the share of devices with evidence that pass it. Reading more devices changes the coverage, not this rate.',
        type: 'line',
        percent: true,
        ...pivot(controlDaily, axis, 'control', 'pass_rate', color),
      },
      {
        id: 'control-coverage',
        title: 'Evidence coverage by control',
        caption:
          'For each control, the share of the devices it applies to that reported evidence (pass or fail). A low value means the rate above speaks for few devices.',
        type: 'line',
        percent: true,
        ...pivot(controlDaily, axis, 'control', 'coverage', color),
      },
      {
        id: 'department-compliance',
        title: 'Compliance by department',
        caption: "Share of each department's devices with known compliance that are compliant.",
        type: 'line',
        percent: true,
        ...pivot(departmentRate, axis, 'department', 'compliance_rate', color),
      },
      {
        id: 'department-latest',
        title: `Departments on ${summary.snapshotDate}`,
        caption: 'Healthy and compliant shares of each department’s devices on the latest day.',
        type: 'bar',
        percent: true,
        labels: departmentHealth.map((r) => String(r.department)),
        datasets: [
          {
            label: 'healthy',
            color: color('healthy'),
            data: departmentHealth.map((r) => (r.health_rate === null ? null : Number(r.health_rate))),
          },
          {
            label: 'compliant',
            color: color('compliant'),
            data: departmentHealth.map((r) => (r.compliance_rate === null ? null : Number(r.compliance_rate))),
          },
        ],
      },
    ];
    if (vulnerabilities.length > 0)
      charts.push({
        id: 'vulnerabilities',
        title: 'Open vulnerabilities by severity',
        caption:
          'Vulnerability detections open on each day, by severity. A detection closes when the software is patched, which a complete read of the detections shows.',
        type: 'bar',
        stacked: true,
        ...pivot(vulnerabilities, axis, 'severity', 'open_detections', color),
      });
    return {
      ...base,
      actions,
      actionCount: act.length,
      controls,
      assets,
      assignmentChanges,
      outdatedApps,
      tokens,
      hasVulnerabilities: vulnerabilities.length > 0,
      charts,
    };
  } finally {
    close();
  }
}

const escapeHtml = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

/** JSON safe inside a <script> element: no `</script>` or `<!--` can end it early. */
const scriptJson = (value: unknown) => JSON.stringify(value).replace(/</g, '\\u003c');

/** Chart.js's UMD build, which bundles its one dependency: the page needs nothing else. */
function chartJsSource(): string {
  const entry = createRequire(import.meta.url).resolve('chart.js');
  return readFileSync(join(dirname(entry), 'chart.umd.min.js'), 'utf8');
}

function table(id: string, header: string[], rows: string[][], numeric: (i: number) => boolean, foot?: string[]): string {
  const row = (cells: string[], tag = 'td') =>
    `<tr>${cells.map((c, i) => `<${tag}${numeric(i) ? ' class="num"' : ''}>${escapeHtml(c)}</${tag}>`).join('')}</tr>`;
  return `<table id="${id}">
<thead>${row(header, 'th')}</thead>
<tbody>${rows.map((r) => row(r)).join('\n')}</tbody>${foot ? `\n<tfoot>${row(foot)}</tfoot>` : ''}
</table>`;
}

const percent = (v: number | null) => (v === null ? '–' : `${(v * 100).toFixed(1)}%`);

function summaryTable(summary: FleetSummary): string {
  const line = (p: FleetSummary['platforms'][number]) => [
    p.platform,
    String(p.devices),
    String(p.healthy),
    `${p.healthyPct.toFixed(1)}%`,
    String(p.compliant),
    `${p.compliantPct.toFixed(1)}%`,
    String(p.complianceUnknown),
  ];
  return table(
    'summary',
    ['platform', 'devices', 'healthy', 'healthy %', 'compliant', 'compliant % (of known)', 'compliance unknown'],
    summary.platforms.map(line),
    (i) => i > 0,
    line({ ...summary, platform: 'all' }),
  );
}

function freshnessSection(data: ReportData): string {
  const { freshness: f } = data;
  const age =
    f.ageHours === null ? '' : ` (${f.ageHours < 48 ? `${f.ageHours} hours` : `${Math.floor(f.ageHours / 24)} days`} before this report)`;
  const warning = f.stale
    ? `<p class="alert" id="stale-warning">${
        f.lastCompleteSync
          ? `The data is stale: the last complete sync was ${escapeHtml(f.lastCompleteSync)}${escapeHtml(age)}. What follows describes the fleet as it was then.`
          : 'No sync has completed yet: every number below comes from incomplete reads.'
      }</p>`
    : '';
  const runs =
    f.unfinishedRuns.length === 0
      ? '<p>Every sync in the history completed.</p>'
      : `<p>Syncs that did not complete (their data is used where it was read to the end; a missing device is never marked removed by them):</p>
${table(
  'unfinished-runs',
  ['sync (tenant clock)', 'status', 'streams not read to the end'],
  f.unfinishedRuns.map((r) => [r.syncedAt, r.status, r.streams || '–']),
  () => false,
)}`;
  return `<section id="freshness"><h2>Freshness</h2>
<p>Last complete sync: <b id="last-complete-sync">${escapeHtml(f.lastCompleteSync || 'none')}</b>${escapeHtml(age)}.</p>
${warning}
${runs}
</section>`;
}

function actionSection(data: ReportData): string {
  if (data.actionCount === 0)
    return '<section id="act"><h2>Devices to act on</h2><p>None: no device is critical or failing a check.</p></section>';
  const more = data.actionCount > data.actions.length ? ` The ${data.actions.length} most urgent are listed.` : '';
  return `<section id="act"><h2>Devices to act on (${data.actionCount})</h2>
<p>Enrolled devices that are critical (missing, in lost mode, MDM off, or no check-in for 30 days) or failing a check, critical first.${more}</p>
${table(
  'actions',
  ['device', 'user', 'platform', 'status', 'reason'],
  data.actions.map((a) => [a.device, a.user || '(unassigned)', a.platform, a.status, a.reason]),
  () => false,
)}</section>`;
}

function controlsSection(data: ReportData): string {
  return `<section id="coverage"><h2>Checks and what is not known</h2>
<p>For each check on the latest day: the devices it applies to, how many pass, fail, or have not reported it yet (unknown), and the coverage: the share that reported. An unknown device is neither passing nor failing. The coverage gap: devices with no pass or fail for the check on any of the last 90 days.</p>
${table(
  'controls',
  ['check', 'applies to', 'pass', 'fail', 'unknown', 'coverage', 'no evidence in 90 days'],
  data.controls.map((c) => [
    WORDS_TITLE[c.control] ?? c.control,
    String(c.inScope),
    String(c.passing),
    String(c.failing),
    String(c.unknown),
    percent(c.coverage),
    String(c.withoutEvidence90d),
  ]),
  (i) => i > 0,
)}</section>`;
}

function assetSection(data: ReportData): string {
  const counts = (id: string, title: string, rows: Count[]) =>
    `<div><h3>${escapeHtml(title)}</h3>${table(
      id,
      [title.toLowerCase(), 'devices'],
      rows.map((r) => [r.label, String(r.devices)]),
      (i) => i > 0,
    )}</div>`;
  const changes =
    data.assignmentChanges.length === 0
      ? '<p id="no-assignment-changes">No device changed hands in the last 7 days.</p>'
      : table(
          'assignment-changes',
          ['device', 'now assigned to', 'before', 'seen since'],
          data.assignmentChanges.map((c) => [c.device, c.user, c.previousUser, c.since]),
          () => false,
        );
  const apps =
    data.outdatedApps.length === 0
      ? '<p id="no-outdated-apps">No app is behind the newest version seen in the fleet (or no app inventory was synced).</p>'
      : table(
          'outdated-apps',
          ['app', 'newest version seen', 'devices behind', 'devices with the app'],
          data.outdatedApps.map((a) => [a.app, a.newestVersion, String(a.devicesBehind), String(a.devices)]),
          (i) => i > 1,
        );
  const tokens =
    data.tokens === null
      ? '<p id="no-tokens">No Automated Device Enrollment tokens were synced (the token lacks the permission, or the tenant has none).</p>'
      : table(
          'tokens',
          ['ADE server', 'status', 'days left', 'expires'],
          data.tokens.map((t) => [t.server, t.status, t.daysLeft === null ? '–' : String(t.daysLeft), t.expiresAt]),
          (i) => i === 2,
        );
  return `<section id="assets"><h2>Asset register</h2>
<p>Every device the tenant has had: active, lost, missing, or removed. Age is the time since the device first enrolled. Models and ages count devices not removed.</p>
<div class="tables">
${counts('lifecycle', 'Lifecycle', data.assets.lifecycle)}
${counts('models', 'Model', data.assets.models)}
${counts('age', 'Age', data.assets.age)}
</div>
<h3>Assignment changes in the last 7 days</h3>
<p>Seen in the daily snapshots: a change is dated to the first sync that showed it.</p>
${changes}
<h3>Most outdated apps</h3>
<p>Apps with the most devices on a version older than the newest one any device in the fleet runs.</p>
${apps}
<h3>Enrollment tokens</h3>
<p>Apple's Automated Device Enrollment tokens, soonest to expire first: renew one before it runs out, or new devices stop enrolling.</p>
${tokens}
${data.hasVulnerabilities ? '' : '<p id="no-vulnerabilities">No vulnerability detections were synced (the Vulnerability Management add-on or its permission is missing), so there is no vulnerability chart.</p>'}
</section>`;
}

const WORDS_TITLE: Record<string, string> = {
  filevault: 'FileVault',
  gatekeeper: 'Gatekeeper',
  sip: 'System Integrity Protection',
  firewall: 'Firewall',
  recovery_lock: 'Recovery Lock',
  os_current: 'OS current',
  blueprint: 'Blueprint assigned',
  screen_lock: 'Screen lock',
  edr: 'EDR',
};

/** The rules, in the page itself: the reader has no repository to look them up in. */
const RULES = `<section id="rules"><h2>How to read this report</h2>
<dl>
<dt>Health</dt><dd>Each device each day, first match wins. <b>Critical</b>: reported missing, in lost mode, MDM off, or no check-in for 30 days. <b>Warning</b>: no check-in for 7 days, a Mac without the Kandji agent, an OS below the newest release any device of its platform runs, or a boot disk at least 90% full. Otherwise <b>healthy</b>. A signal that has not been reported raises nothing.</dd>
<dt>Compliance</dt><dd>Each enrolled device is checked for FileVault (on, recovery key escrowed), Gatekeeper, System Integrity Protection and the firewall (Macs), Recovery Lock (Apple silicon Macs), an up-to-date OS, an assigned blueprint, a screen lock (a passcode or screen saver policy installed, on Macs, iPhones and iPads) and EDR running (Macs under an EDR policy). A device is <b>compliant</b> when every check that applies passes, <b>non-compliant</b> when one fails, and <b>unknown</b> when a check that applies has not been reported yet. Compliance rates count only devices whose status is known; the coverage says how many that is.</dd>
<dt>Coverage</dt><dd>Device details are read in slices over several syncs, so on a given day some devices have not reported every check. A rising count of failures can mean more devices were read, not that more fail: compare the rate and the coverage.</dd>
<dt>Time</dt><dd>Every day is the tenant's clock at the day's last sync. A day without a sync is an empty space on the time axis. A device is removed on the first complete sync that no longer lists it; an incomplete sync never removes one.</dd>
</dl></section>`;

/** With many tenants: the selector (all tenants, or one) and a table of each tenant's fleet and syncs. */
function tenantsSection(data: ReportData): string {
  if (data.tenants.length < 2) return '';
  const options = data.tenants
    .map((t) => `<option value="${escapeHtml(t.tenant)}">${escapeHtml(t.tenant)}${t.group ? ` (${escapeHtml(t.group)})` : ''}</option>`)
    .join('');
  const rows = data.tenants.map((t) => [
    t.tenant,
    t.group ?? '',
    String(t.summary.devices),
    `${t.summary.healthyPct.toFixed(1)}%`,
    `${t.summary.compliantPct.toFixed(1)}%`,
    t.summary.snapshotDate,
    t.lastStatus,
    t.lastCompleteAt ?? '',
    t.lastFailureAt ? `${t.lastFailureAt}: ${t.lastFailureReason ?? ''}` : '',
  ]);
  return `<section id="tenant-list"><h2>Tenants</h2>
<p class="selector"><label for="tenant-select">Show</label> <select id="tenant-select"><option value="">All ${data.tenants.length} tenants</option>${options}</select></p>
${table('tenants', ['tenant', 'group', 'devices', 'healthy', 'compliant', 'latest day', 'last sync', 'last complete sync', 'last failure'], rows, (i) => i >= 2 && i <= 4)}
</section>`;
}

/** The numbers, tables and charts of one view (every tenant, or one), its element ids prefixed with `prefix`. */
function viewBody(data: Omit<ReportData, 'tenants'>, prefix: string): string {
  const { summary } = data;
  const figures = data.charts
    .map(
      (c) =>
        `<figure><h2>${escapeHtml(c.title)}</h2><div class="chart"><canvas id="${prefix}${c.id}" role="img" aria-label="${escapeHtml(c.title)}"></canvas></div><figcaption>${escapeHtml(c.caption)}</figcaption></figure>`,
    )
    .join('\n');
  return data.hasDevices
    ? `<div class="numbers" id="${prefix}numbers">
  <div><b id="${prefix}n-devices">${summary.devices}</b>enrolled devices</div>
  <div><b id="${prefix}n-healthy">${summary.healthyPct.toFixed(1)}%</b>healthy (${summary.healthy})</div>
  <div><b id="${prefix}n-compliant">${summary.compliantPct.toFixed(1)}%</b>compliant of known (${summary.compliant})</div>
  <div><b id="${prefix}n-unknown">${summary.complianceUnknown}</b>compliance unknown</div>
  <div><b id="${prefix}n-removed">${summary.removed}</b>removed so far</div>
</div>
${summaryTable(summary)}
${actionSection(data as ReportData)}
${controlsSection(data as ReportData)}
${assetSection(data as ReportData)}
<div class="grid">
${figures}
</div>`
    : `<section id="empty-state"><h2>No device data yet</h2>
<p>No sync has read the list of devices, so there is nothing to report on. The device list needs the API token's <b>Device list</b> permission (Kandji: Settings → Access → API token). Once a sync reads it, this report fills in.</p></section>`;
}

export function renderReport(data: ReportData): string {
  const { summary } = data;
  const asOf = data.hasDevices
    ? `Fleet as of ${escapeHtml(summary.snapshotDate)} (tenant clock ${escapeHtml(summary.syncedAt)}), ${summary.days} day${summary.days === 1 ? '' : 's'} of history.`
    : '';
  const views = data.tenants
    .map(
      (t, i) =>
        `<section class="view" data-view="${escapeHtml(t.tenant)}" hidden><h2>Tenant ${escapeHtml(t.tenant)}${t.group ? ` (${escapeHtml(t.group)})` : ''}</h2>
${freshnessSection({ ...t, tenants: [] })}
${viewBody(t, `t${i}-`)}
</section>`,
    )
    .join('\n');
  const body = `${tenantsSection(data)}
<section class="view" data-view="">
${viewBody(data, '')}
</section>
${views}`;
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Kandji fleet report — ${escapeHtml(data.tenant)} — ${escapeHtml(summary.snapshotDate || 'no data')}</title>
<style>
  body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; margin: 2rem auto; max-width: 1100px; padding: 0 1rem; color: #1d2330; }
  h1 { font-size: 1.5rem; margin-bottom: .25rem; }
  h2 { font-size: 1.15rem; }
  .lede { color: #556; margin-top: 0; }
  .alert { background: #fdecea; border-left: 4px solid #d64545; padding: .6rem .9rem; }
  .numbers { display: flex; gap: 1rem; flex-wrap: wrap; margin: 1rem 0; }
  .numbers div { background: #f3f5f9; border-radius: 8px; padding: .75rem 1rem; min-width: 9rem; }
  .numbers b { display: block; font-size: 1.6rem; }
  table { border-collapse: collapse; margin: 1rem 0 2rem; }
  th, td { padding: .3rem .8rem; border-bottom: 1px solid #dde; text-align: left; }
  .num { text-align: right; font-variant-numeric: tabular-nums; }
  tfoot td { font-weight: 600; border-top: 2px solid #889; }
  .grid { display: grid; grid-template-columns: repeat(auto-fit, minmax(480px, 1fr)); gap: 1.5rem; }
  figure { margin: 0; }
  figure h2 { font-size: 1.05rem; margin: 0 0 .5rem; }
  .chart { position: relative; height: 300px; }
  figcaption { color: #667; font-size: .85rem; margin-top: .35rem; }
  dt { font-weight: 600; margin-top: .6rem; }
  .tables { display: flex; gap: 2rem; flex-wrap: wrap; }
  .selector select { font: inherit; padding: .2rem .4rem; }
  h3 { font-size: 1rem; margin-bottom: 0; }
</style>
</head>
<body>
<h1>Kandji fleet report — <span id="tenant">${escapeHtml(data.tenant)}</span></h1>
<p class="lede">Generated <span id="generated-at">${escapeHtml(data.generatedAt)}</span>. ${asOf}</p>
${freshnessSection(data)}
${body}
${RULES}
<script id="report-data" type="application/json">${scriptJson(data)}</script>
<script>${chartJsSource().replace(/<\/script/gi, '<\\/script')}</script>
<script>
(function () {
  var data = JSON.parse(document.getElementById('report-data').textContent);
  window.kandjiCharts = {};
  function draw(charts, prefix) {
  charts.forEach(function (chart) {
    var percent = !!chart.percent;
    window.kandjiCharts[prefix + chart.id] = new Chart(document.getElementById(prefix + chart.id), {
      type: chart.type,
      data: {
        labels: chart.labels,
        datasets: chart.datasets.map(function (d) {
          // No line is drawn across a day without data: a gap stays a gap.
          return { label: d.label, data: d.data, borderColor: d.color, backgroundColor: d.color, tension: 0.2, spanGaps: false };
        })
      },
      options: {
        animation: false,
        maintainAspectRatio: false,
        interaction: { mode: 'index', intersect: false },
        scales: {
          x: { stacked: !!chart.stacked },
          y: {
            stacked: !!chart.stacked,
            beginAtZero: true,
            max: percent ? 1 : undefined,
            ticks: { callback: function (v) { return percent ? Math.round(v * 100) + '%' : v; } }
          }
        },
        plugins: {
          legend: { position: 'bottom' },
          tooltip: { callbacks: { label: function (c) { var v = c.parsed.y; return c.dataset.label + ': ' + (v === null ? 'no data' : percent ? (v * 100).toFixed(1) + '%' : v); } } }
        }
      }
    });
  });
  }
  draw(data.charts, '');
  // With many tenants, the selector shows one tenant's report (drawn the first time it is shown) or all of them.
  var selector = document.getElementById('tenant-select');
  if (selector) {
    var drawn = {};
    selector.addEventListener('change', function () {
      document.querySelectorAll('section.view').forEach(function (section) { section.hidden = section.dataset.view !== selector.value; });
      var i = data.tenants.findIndex(function (t) { return t.tenant === selector.value; });
      if (i >= 0 && !drawn[i]) { drawn[i] = true; draw(data.tenants[i].charts, 't' + i + '-'); }
      window.kandjiView = selector.value;
    });
  }
  window.kandjiReportReady = true;
})();
</script>
</body>
</html>
`;
}

/** Write the report page for a built database. */
export async function writeReport(options: ReportOptions): Promise<{ outFile: string; data: ReportData }> {
  const data = await reportData(options.dbPath, {
    ...(options.tenant ? { tenant: options.tenant } : {}),
    ...(options.generatedAt ? { generatedAt: options.generatedAt } : {}),
    ...(options.staleAfterHours !== undefined ? { staleAfterHours: options.staleAfterHours } : {}),
  });
  await mkdir(dirname(options.outFile), { recursive: true });
  await writeFile(options.outFile, renderReport(data));
  return { outFile: options.outFile, data };
}
