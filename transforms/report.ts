/**
 * The HTML report: one static page with charts of fleet health, compliance and departments over time, read from the
 * daily marts of a built database. It opens offline: Chart.js's self-contained build is inlined from node_modules
 * (no CDN), and the numbers travel in the page as JSON. Every chart is reachable as `window.kandjiCharts[id]` and the
 * page sets `window.kandjiReportReady` once they are drawn, for the test that opens it in Chromium.
 */
import { readFileSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { fleetSummary, type FleetSummary } from './run.ts';

export interface ReportOptions {
  /** A database built by runTransform. */
  dbPath: string;
  /** The page to write, e.g. DATA/report.html. */
  outFile: string;
}

/** A chart as the page draws it: labels on the x axis, one series per dataset. */
export interface ReportChart {
  id: string;
  title: string;
  /** What the chart shows and where its numbers come from. */
  caption: string;
  type: 'line' | 'bar';
  stacked?: boolean;
  /** Values are shares from 0 to 1, shown as percentages. */
  percent?: boolean;
  labels: string[];
  datasets: { label: string; data: (number | null)[] }[];
}

export interface ReportData {
  summary: FleetSummary;
  charts: ReportChart[];
}

type Row = Record<string, string | number | boolean | null>;

/** Pivot rows of (x, series, value) into chart labels and datasets, series in first-seen order. */
function pivot(rows: Row[], x: string, series: string, value: string): Pick<ReportChart, 'labels' | 'datasets'> {
  const labels = [...new Set(rows.map((r) => String(r[x])))].sort();
  const names = [...new Set(rows.map((r) => String(r[series])))];
  const datasets = names.map((name) => ({
    label: name,
    data: labels.map((label) => {
      const row = rows.find((r) => String(r[x]) === label && String(r[series]) === name);
      return row && row[value] !== null ? Number(row[value]) : null;
    }),
  }));
  return { labels, datasets };
}

/** Rows of (x, a, b, …) as chart labels and one dataset per named column. */
function columns(rows: Row[], x: string, series: Record<string, string>): Pick<ReportChart, 'labels' | 'datasets'> {
  return {
    labels: rows.map((r) => String(r[x])),
    datasets: Object.entries(series).map(([label, column]) => ({
      label,
      data: rows.map((r) => (r[column] === null ? null : Number(r[column]))),
    })),
  };
}

/** Every chart of the report, queried from the marts. Exported so tests compare the page with the database. */
export async function reportData(dbPath: string): Promise<ReportData> {
  const summary = await fleetSummary(dbPath);
  const db = await DuckDBInstance.create(dbPath, { access_mode: 'READ_ONLY' });
  const connection = await db.connect();
  const query = async (sql: string) => (await connection.runAndReadAll(sql)).getRowObjectsJson() as Row[];
  try {
    const day = `strftime(snapshot_date, '%Y-%m-%d')`;
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
    const complianceRate = await query(`
      select ${day} as day, platform, avg(case when is_compliant then 1 else 0 end) as rate
      from marts.compliance_daily group by all order by day, platform`);
    const failing = await query(`
      with checks as (select snapshot_date, unnest(failing_checks) as check_name from marts.compliance_daily)
      select ${day} as day, check_name, count(*)::integer as devices
      from checks group by all order by day, check_name`);
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
        caption: 'Enrolled devices by health status (fleet_health_daily: healthy, warning, critical).',
        type: 'bar',
        stacked: true,
        ...columns(fleet, 'day', { healthy: 'healthy', warning: 'warning', critical: 'critical' }),
      },
      {
        id: 'health-rate',
        title: 'Healthy devices by platform',
        caption: 'Share of enrolled devices that are healthy (fleet_health_daily: healthy / devices).',
        type: 'line',
        percent: true,
        ...pivot(healthRate, 'day', 'platform', 'rate'),
      },
      {
        id: 'check-in',
        title: 'Check-in',
        caption: "Share of enrolled devices that checked in within 1, 7 and 30 days of each day's sync (fleet_health_daily).",
        type: 'line',
        percent: true,
        ...columns(fleet, 'day', { 'within 1 day': 'checked_in_1d', 'within 7 days': 'checked_in_7d', 'within 30 days': 'checked_in_30d' }),
      },
      {
        id: 'compliance-rate',
        title: 'Compliant devices by platform',
        caption: 'Share of enrolled devices with no failing check (compliance_daily).',
        type: 'line',
        percent: true,
        ...pivot(complianceRate, 'day', 'platform', 'rate'),
      },
      {
        id: 'failing-checks',
        title: 'Failing checks',
        caption: 'Enrolled devices failing each check (compliance_daily.failing_checks).',
        type: 'bar',
        ...pivot(failing, 'day', 'check_name', 'devices'),
      },
      {
        id: 'department-compliance',
        title: 'Compliance by department',
        caption: "Share of each department's devices that are compliant (department.compliance_rate).",
        type: 'line',
        percent: true,
        ...pivot(departmentRate, 'day', 'department', 'compliance_rate'),
      },
      {
        id: 'department-latest',
        title: `Departments on ${summary.snapshotDate}`,
        caption: 'Healthy and compliant shares of each department’s devices on the latest day (department).',
        type: 'bar',
        percent: true,
        labels: departmentHealth.map((r) => String(r.department)),
        datasets: [
          { label: 'healthy', data: departmentHealth.map((r) => (r.health_rate === null ? null : Number(r.health_rate))) },
          { label: 'compliant', data: departmentHealth.map((r) => (r.compliance_rate === null ? null : Number(r.compliance_rate))) },
        ],
      },
    ];
    return { summary, charts };
  } finally {
    connection.closeSync();
    db.closeSync();
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

function summaryTable(summary: FleetSummary): string {
  const row = (cells: string[], tag = 'td') =>
    `<tr>${cells.map((c, i) => `<${tag}${i > 0 ? ' class="num"' : ''}>${escapeHtml(c)}</${tag}>`).join('')}</tr>`;
  const line = (p: { platform: string; devices: number; healthy: number; healthyPct: number; compliant: number; compliantPct: number }) =>
    row([
      p.platform,
      String(p.devices),
      String(p.healthy),
      `${p.healthyPct.toFixed(1)}%`,
      String(p.compliant),
      `${p.compliantPct.toFixed(1)}%`,
    ]);
  return `<table id="summary">
<thead>${row(['platform', 'devices', 'healthy', 'healthy %', 'compliant', 'compliant %'], 'th')}</thead>
<tbody>${summary.platforms.map(line).join('\n')}</tbody>
<tfoot>${line({ ...summary, platform: 'all' })}</tfoot>
</table>`;
}

export function renderReport(data: ReportData): string {
  const { summary } = data;
  const figures = data.charts
    .map(
      (c) =>
        `<figure><h2>${escapeHtml(c.title)}</h2><div class="chart"><canvas id="${c.id}" role="img" aria-label="${escapeHtml(c.title)}"></canvas></div><figcaption>${escapeHtml(c.caption)}</figcaption></figure>`,
    )
    .join('\n');
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Kandji fleet report — ${escapeHtml(summary.snapshotDate)}</title>
<style>
  body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; margin: 2rem auto; max-width: 1100px; padding: 0 1rem; color: #1d2330; }
  h1 { font-size: 1.5rem; margin-bottom: .25rem; }
  .lede { color: #556; margin-top: 0; }
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
</style>
</head>
<body>
<h1>Kandji fleet report</h1>
<p class="lede">As of ${escapeHtml(summary.snapshotDate)} (tenant clock ${escapeHtml(summary.syncedAt)}), ${summary.days} day${summary.days === 1 ? '' : 's'} of history. Built from the marts of <code>kandji.duckdb</code>; the rules are in docs/marts.md.</p>
<div class="numbers" id="numbers">
  <div><b id="n-devices">${summary.devices}</b>enrolled devices</div>
  <div><b id="n-healthy">${summary.healthyPct.toFixed(1)}%</b>healthy (${summary.healthy})</div>
  <div><b id="n-compliant">${summary.compliantPct.toFixed(1)}%</b>compliant (${summary.compliant})</div>
  <div><b id="n-removed">${summary.removed}</b>removed so far</div>
</div>
${summaryTable(summary)}
<div class="grid">
${figures}
</div>
<script id="report-data" type="application/json">${scriptJson(data)}</script>
<script>${chartJsSource().replace(/<\/script/gi, '<\\/script')}</script>
<script>
(function () {
  var data = JSON.parse(document.getElementById('report-data').textContent);
  var palette = ['#2f6fde', '#e8833a', '#3aa55d', '#d64545', '#8a5cd6', '#1fa3a3', '#c9a227', '#d25fa6', '#6b7a8f', '#7bbf3a', '#a0522d', '#4b5bd6', '#888888'];
  var fixed = { healthy: '#3aa55d', warning: '#e8a33a', critical: '#d64545', compliant: '#2f6fde' };
  window.kandjiCharts = {};
  data.charts.forEach(function (chart) {
    var percent = !!chart.percent;
    window.kandjiCharts[chart.id] = new Chart(document.getElementById(chart.id), {
      type: chart.type,
      data: {
        labels: chart.labels,
        datasets: chart.datasets.map(function (d, i) {
          var color = fixed[d.label] || palette[i % palette.length];
          return { label: d.label, data: d.data, borderColor: color, backgroundColor: color, tension: 0.2, spanGaps: true };
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
          tooltip: { callbacks: { label: function (c) { var v = c.parsed.y; return c.dataset.label + ': ' + (v === null ? '–' : percent ? (v * 100).toFixed(1) + '%' : v); } } }
        }
      }
    });
  });
  window.kandjiReportReady = true;
})();
</script>
</body>
</html>
`;
}

/** Write the report page for a built database. */
export async function writeReport(options: ReportOptions): Promise<{ outFile: string; data: ReportData }> {
  const data = await reportData(options.dbPath);
  await mkdir(dirname(options.outFile), { recursive: true });
  await writeFile(options.outFile, renderReport(data));
  return { outFile: options.outFile, data };
}
