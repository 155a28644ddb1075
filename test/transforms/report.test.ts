/**
 * The HTML report, opened the way a person opens it: a file in a real browser (Debian's headless Chromium, driven by
 * playwright-core; never a browser download), with the network cut off. The charts must draw, and their numbers
 * must equal queries on the marts.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSimulator, type Simulator } from '../../simulator/server.ts';
import { writeReport } from '../../transforms/report.ts';
import { fleetSummary, runTransform } from '../../transforms/run.ts';
import { query, syncSim, writeRuns } from './helpers.ts';

const CHROMIUM = '/usr/bin/chromium';
const hasChromium = existsSync(CHROMIUM);
/** `npm test` installs nothing; `npm run setup` (scripts/setup.sh) installs Debian's chromium when run as root. */
const INSTALL = 'sudo apt-get install -y chromium';
const skipNote = hasChromium ? '' : ` (skipped: ${CHROMIUM} is absent; install it with: ${INSTALL})`;
if (!hasChromium && process.env.SOURCE_KANDJI_NO_SKIP === '1')
  throw new Error(`${CHROMIUM} is absent, and CI runs every test: run npm run setup as root first`);
if (!hasChromium)
  console.warn(`report.test.ts: ${CHROMIUM} is absent, so the report is not opened in a browser. Install it with: ${INSTALL}`);

describe.skipIf(!hasChromium)(`the HTML report in headless Chromium${skipNote}`, () => {
  let sim: Simulator;
  let dir: string;
  let dbPath: string;
  let outFile: string;
  let emptyFile: string;
  let browser: Browser;
  let page: Page;
  const requested: string[] = [];
  const temporary: string[] = [];
  const GENERATED_AT = '2026-01-20T09:00:00.000Z';

  beforeAll(async () => {
    sim = await startSimulator({ devices: 300, seed: 7, rateLimit: { perSecond: 100_000, perHour: 10_000_000 }, keepLog: false });
    dir = mkdtempSync(join(tmpdir(), 'kandji-report-'));
    // Syncs on 2026-01-05, 01-06 and 01-08: no sync on 01-07, which the time axis must show as a gap.
    for (const hours of [0, 24, 48]) {
      if (hours > 0) sim.advance(hours);
      await syncSim(sim, dir, { format: 'parquet' });
    }
    ({ dbPath } = await runTransform({ dataDir: dir }));
    outFile = join(dir, 'report.html');
    await writeReport({ dbPath, outFile, tenant: 'Acme Corp', generatedAt: new Date(GENERATED_AT) });
    // A tenant whose token cannot read the devices list: only the users stream was synced.
    const emptyDir = mkdtempSync(join(tmpdir(), 'kandji-report-empty-'));
    temporary.push(emptyDir);
    writeRuns(emptyDir, [
      {
        syncedAt: '2026-01-05T12:00:00.000Z',
        status: 'failed',
        streams: { devices: { status: 'failed', rows: [] }, users: { rows: [{ id: 'u1', name: 'Ann' }] } },
      },
    ]);
    const empty = await runTransform({ dataDir: emptyDir });
    emptyFile = join(emptyDir, 'report.html');
    await writeReport({ dbPath: empty.dbPath, outFile: emptyFile, tenant: 'Empty Inc', generatedAt: new Date(GENERATED_AT) });

    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    });
    page = await browser.newPage({ viewport: { width: 1200, height: 900 } });
    // Offline: anything but the page's own file is refused, and remembered.
    await page.route('**/*', (route) => {
      requested.push(route.request().url());
      return route.request().url().startsWith('file:') ? route.continue() : route.abort();
    });
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(String(e)));
    await page.goto(pathToFileURL(outFile).href);
    await page.waitForFunction('window.kandjiReportReady === true', undefined, { timeout: 15_000 }).catch(() => {
      throw new Error(`the report's charts never finished drawing: ${errors.join('; ')}`);
    });
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await sim?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
    for (const path of temporary) rmSync(path, { recursive: true, force: true });
  });

  /** A chart's data as Chart.js holds it in the page. */
  const chartData = (id: string) =>
    page.evaluate(
      `(() => { const c = window.kandjiCharts[${JSON.stringify(id)}]; return { labels: c.data.labels, datasets: c.data.datasets.map((d) => ({ label: d.label, data: d.data })) }; })()`,
    ) as Promise<{
      labels: string[];
      datasets: { label: string; data: (number | null)[]; color: string }[];
    }>;
  const chartColors = (id: string) =>
    page.evaluate(
      `(() => Object.fromEntries(window.kandjiCharts[${JSON.stringify(id)}].data.datasets.map((d) => [d.label, d.borderColor])))()`,
    ) as Promise<Record<string, string>>;
  const DAYS = ['2026-01-05', '2026-01-06', '2026-01-07', '2026-01-08'];

  it('opens offline: the chart library is inlined and nothing but the file itself is requested', () => {
    const html = readFileSync(outFile, 'utf8');
    expect(html).not.toMatch(/<script[^>]+src=/);
    expect(html).not.toMatch(/https?:\/\/(cdn|unpkg|cdnjs)/);
    expect(requested).toEqual([pathToFileURL(outFile).href]);
  });

  it('draws every chart: a canvas per chart, with pixels on it', async () => {
    const canvases = (await page.evaluate(`[...document.querySelectorAll('canvas')].map((c) => {
      const { data } = c.getContext('2d').getImageData(0, 0, c.width, c.height);
      let painted = 0;
      for (let i = 3; i < data.length; i += 4) if (data[i] > 0) painted++;
      return { id: c.id, width: c.width, height: c.height, painted, share: painted / (c.width * c.height) };
    })`)) as { id: string; width: number; height: number; painted: number; share: number }[];
    expect(canvases.map((c) => c.id)).toEqual([
      'health-status',
      'health-rate',
      'check-in',
      'compliance-rate',
      'control-pass-rate',
      'control-coverage',
      'department-compliance',
      'department-latest',
      'vulnerabilities',
    ]);
    for (const canvas of canvases) {
      expect(canvas.width, canvas.id).toBeGreaterThan(200);
      expect(canvas.height, canvas.id).toBeGreaterThan(100);
      // Axes, grid and labels alone paint a few percent; a blank canvas paints nothing.
      expect(canvas.share, canvas.id).toBeGreaterThan(0.02);
    }
  });

  it('fleet health by day: the stacked counts equal fleet_health_daily, on a calendar axis where a day without a sync is a gap', async () => {
    const rows = await query(
      dbPath,
      `select strftime(snapshot_date, '%Y-%m-%d') as day, sum(healthy)::integer as healthy, sum(warning)::integer as warning, sum(critical)::integer as critical
       from marts.fleet_health_daily group by snapshot_date order by snapshot_date`,
    );
    expect(rows.map((r) => r.day)).toEqual(['2026-01-05', '2026-01-06', '2026-01-08']);
    const onDay = (day: string, label: string) => rows.find((r) => r.day === day)?.[label] ?? null;
    const chart = await chartData('health-status');
    expect(chart.labels).toEqual(DAYS);
    expect(chart.datasets.map(({ label, data }) => ({ label, data }))).toEqual(
      ['healthy', 'warning', 'critical'].map((label) => ({ label, data: DAYS.map((d) => onDay(d, label)) })),
    );
    expect(chart.datasets[0]?.data[2]).toBeNull();
  });

  it('one colour per meaning in every chart', async () => {
    const health = await chartColors('health-status');
    expect(health).toEqual({ healthy: '#2e9d5b', warning: '#e0a030', critical: '#d64545' });
    const healthRate = await chartColors('health-rate');
    const complianceRate = await chartColors('compliance-rate');
    expect(Object.keys(healthRate).length).toBeGreaterThan(1);
    for (const platform of Object.keys(healthRate)) expect(complianceRate[platform], platform).toBe(healthRate[platform]);
    expect(new Set(Object.values(healthRate)).size).toBe(Object.keys(healthRate).length);
    expect(await chartColors('control-coverage')).toEqual(await chartColors('control-pass-rate'));
    const latest = await chartColors('department-latest');
    expect(latest).toEqual({ healthy: health.healthy, compliant: '#2f6fde' });
  });

  it('the devices to act on: every critical or non-compliant device, worst first, with its user and reason', async () => {
    const expected = await query(
      dbPath,
      `select count(*)::integer as n from marts.fleet_health as h left join marts.compliance as c using (device_id)
       where not h.is_removed and (h.health_status = 'critical' or c.compliance_status = 'non_compliant')`,
    );
    const table = (await page.evaluate(
      `[...document.querySelectorAll('#actions tbody tr')].map((tr) => [...tr.children].map((td) => td.textContent))`,
    )) as string[][];
    expect(expected[0]?.n).toBeGreaterThan(0);
    expect(table).toHaveLength(Math.min(expected[0]?.n, 200));
    expect(await page.textContent('#act h2')).toBe(`Devices to act on (${expected[0]?.n})`);
    const critical = await query(
      dbPath,
      `select device_name, coalesce(user_name, user_email, '') as user_name, platform from marts.fleet_health where health_status = 'critical'`,
    );
    // Critical devices come first, each named with its user and platform, and its row says why in words.
    const head = table.slice(0, critical.length);
    expect(head.map((r) => r.slice(0, 3)).sort()).toEqual(
      critical.map((c) => [c.device_name, c.user_name || '(unassigned)', c.platform]).sort(),
    );
    for (const row of head) {
      expect(row[3]).toMatch(/^critical/);
      expect(row[4]).toMatch(/missing|lost mode|MDM off|no check-in for 30 days/);
    }
    for (const row of table.slice(critical.length)) expect(row[3]).toBe('non-compliant');
    for (const row of table) expect(row[4], row.join(' | ')).not.toBe('');
  });

  it('freshness, unknowns and the rules are in the page; no repository path is', async () => {
    const [last] = await query(
      dbPath,
      `select strftime(max(synced_at), '%Y-%m-%dT%H:%M:%S') as at from raw.runs where status = 'complete'`,
    );
    expect(await page.textContent('#last-complete-sync')).toContain(last?.at);
    // Generated twelve days after the last sync: stale, and the page says so.
    expect(await page.textContent('#stale-warning')).toMatch(/The data is stale: the last complete sync was 2026-01-08/);
    expect(await page.textContent('#tenant')).toBe('Acme Corp');
    expect(await page.textContent('#generated-at')).toBe(GENERATED_AT);
    const controls = await query(
      dbPath,
      `select sum(unknown)::integer as unknown from marts.control_coverage where snapshot_date = (select max(snapshot_date) from marts.control_coverage)`,
    );
    const cells = (await page.evaluate(
      `[...document.querySelectorAll('#controls tbody tr')].map((tr) => Number(tr.children[4].textContent))`,
    )) as number[];
    expect(cells.reduce((a, b) => a + b, 0)).toBe(controls[0]?.unknown);
    // Each control's coverage gap (no evidence in 90 days) beside its coverage, as control_coverage has it; the two
    // controls evidenced by library items are there too.
    const gaps = await query(
      dbPath,
      `select control, in_scope::integer as in_scope, without_evidence_90d::integer as gap from marts.control_coverage
       where snapshot_date = (select max(snapshot_date) from marts.control_coverage) order by control`,
    );
    const shown = (await page.evaluate(
      `[...document.querySelectorAll('#controls tbody tr')].map((tr) => [tr.children[0].textContent, Number(tr.children[1].textContent), Number(tr.children[6].textContent)])`,
    )) as [string, number, number][];
    expect(shown.map(([, inScope, gap]) => [inScope, gap])).toEqual(gaps.map((g) => [g.in_scope, g.gap]));
    expect(shown.map(([name]) => name)).toEqual(expect.arrayContaining(['Screen lock', 'EDR']));
    const text = (await page.evaluate('document.body.innerText')) as string;
    expect(text).toMatch(/How to read this report/);
    expect(text).toMatch(/unknown when a check that applies has not been reported yet/);
    expect(text).not.toMatch(/docs\/|\.md\b|transforms\/|\.duckdb|marts\./);
  });

  it('the asset register, assignment changes and outdated apps equal the marts', async () => {
    const cells = (id: string) =>
      page.evaluate(
        `[...document.querySelectorAll('#${id} tbody tr')].map((tr) => [...tr.children].map((td) => td.textContent))`,
      ) as Promise<string[][]>;
    const lifecycle = await query(
      dbPath,
      `select lifecycle_state as label, count(*)::integer as devices from marts.device_register group by all order by devices desc, label`,
    );
    expect(lifecycle.length).toBeGreaterThan(1);
    expect(await cells('lifecycle')).toEqual(lifecycle.map((r) => [r.label, String(r.devices)]));
    const enrolled = await query(dbPath, `select count(*)::integer as n from marts.device_register where lifecycle_state <> 'removed'`);
    const ages = await cells('age');
    expect(ages.reduce((n, r) => n + Number(r[1]), 0)).toBe(enrolled[0]?.n);
    const apps = await query(
      dbPath,
      `select any_value(app_name) as app, sum(devices_behind)::integer as behind from marts.software_catalog
       group by bundle_id having sum(devices_behind) > 0 order by behind desc, app limit 10`,
    );
    expect(apps.length).toBeGreaterThan(0);
    expect((await cells('outdated-apps')).map((r) => [r[0], Number(r[2])])).toEqual(apps.map((a) => [a.app, a.behind]));
    // The simulated tenant reassigns no device: the page says so rather than showing an empty table.
    expect(await page.textContent('#no-assignment-changes')).toMatch(/No device changed hands in the last 7 days/);
  });

  it('open vulnerabilities by severity equal vulnerability_daily; ADE tokens soonest to expire first', async () => {
    const rows = await query(
      dbPath,
      `select strftime(snapshot_date, '%Y-%m-%d') as day, severity, open_detections::integer as n from marts.vulnerability_daily`,
    );
    expect(rows.length).toBeGreaterThan(0);
    const chart = await chartData('vulnerabilities');
    expect(chart.labels).toEqual(DAYS);
    for (const dataset of chart.datasets)
      expect(dataset.data, dataset.label).toEqual(
        DAYS.map((d) => rows.find((r) => r.day === d && r.severity === dataset.label)?.n ?? null),
      );
    expect(await chartColors('vulnerabilities')).toMatchObject({ Critical: '#7a1f5c' });
    const tokens = await query(
      dbPath,
      `select coalesce(server_name, token_id) as server, days_left::integer as days_left from marts.integration_health
       where snapshot_date = (select max(snapshot_date) from marts.integration_health) order by days_left nulls last, server`,
    );
    expect(tokens.length).toBeGreaterThan(0);
    const cells = (await page.evaluate(
      `[...document.querySelectorAll('#tokens tbody tr')].map((tr) => [tr.children[0].textContent, tr.children[2].textContent])`,
    )) as string[][];
    expect(cells).toEqual(tokens.map((t) => [t.server, t.days_left === null ? '–' : String(t.days_left)]));
  });

  it('explains an empty state when the devices list was never synced', async () => {
    const empty = await browser.newPage();
    const errors: string[] = [];
    empty.on('pageerror', (e) => errors.push(String(e)));
    await empty.goto(pathToFileURL(emptyFile).href);
    await empty.waitForFunction('window.kandjiReportReady === true', undefined, { timeout: 15_000 });
    expect(errors).toEqual([]);
    expect(await empty.textContent('#empty-state')).toMatch(/No sync has read the list of devices.*Device list/s);
    expect(await empty.textContent('#stale-warning')).toMatch(/No sync has completed yet/);
    expect(await empty.locator('canvas').count()).toBe(0);
    await empty.close();
  });

  it('compliance by platform: the rates equal compliance_daily', async () => {
    const rows = await query(
      dbPath,
      `select platform, strftime(snapshot_date, '%Y-%m-%d') as day,
              count(*) filter (where compliance_status = 'compliant') / nullif(count(*) filter (where compliance_status <> 'unknown'), 0) as rate
       from marts.compliance_daily group by all order by platform, day`,
    );
    const chart = await chartData('compliance-rate');
    expect(chart.labels).toEqual(DAYS);
    expect(chart.datasets.map((d) => d.label)).toEqual(['AppleTV', 'Mac', 'iPad', 'iPhone']);
    for (const dataset of chart.datasets) {
      const expected = DAYS.map((day) => rows.find((r) => r.platform === dataset.label && r.day === day)?.rate ?? null);
      for (const [i, value] of dataset.data.entries()) {
        if (expected[i] === null) expect(value).toBeNull();
        else expect(value).toBeCloseTo(expected[i], 12);
      }
    }
  });

  it('departments: compliance over time and the latest day equal the department mart', async () => {
    const rows = await query(
      dbPath,
      `select department, strftime(snapshot_date, '%Y-%m-%d') as day, compliance_rate, health_rate, devices
       from marts.department where devices > 0 order by department, day`,
    );
    const overTime = await chartData('department-compliance');
    expect(overTime.datasets.map((d) => d.label).sort()).toEqual([...new Set(rows.map((r) => r.department as string))].sort());
    for (const dataset of overTime.datasets) {
      const expected = overTime.labels.map(
        (day) => rows.find((r) => r.department === dataset.label && r.day === day)?.compliance_rate ?? null,
      );
      for (const [i, value] of dataset.data.entries()) {
        const want = expected[i];
        if (want === null) expect(value).toBeNull();
        else expect(value).toBeCloseTo(want as number, 12);
      }
    }
    const latest = await chartData('department-latest');
    const lastDay = rows
      .map((r) => r.day as string)
      .sort()
      .at(-1);
    const onLastDay = rows
      .filter((r) => r.day === lastDay)
      .sort((a, b) => b.devices - a.devices || String(a.department).localeCompare(String(b.department)));
    expect(latest.labels).toEqual(onLastDay.map((r) => r.department));
    expect(latest.datasets[0]?.data).toEqual(onLastDay.map((r) => r.health_rate));
    expect(latest.datasets[1]?.data).toEqual(onLastDay.map((r) => r.compliance_rate));
  });

  it('shows the summary numbers as text, equal to the marts', async () => {
    const summary = await fleetSummary(dbPath);
    const [counted] = await query(
      dbPath,
      `select count(*) filter (where not is_removed)::integer as devices, count(*) filter (where is_healthy)::integer as healthy,
              (select count(*) filter (where is_compliant)::integer from marts.compliance) as compliant,
              (select count(*) filter (where compliance_status = 'unknown')::integer from marts.compliance) as unknown
       from marts.fleet_health`,
    );
    expect({
      devices: summary.devices,
      healthy: summary.healthy,
      compliant: summary.compliant,
      unknown: summary.complianceUnknown,
    }).toEqual(counted);
    const text = (await page.evaluate(`({
      devices: document.getElementById('n-devices').textContent,
      healthy: document.getElementById('n-healthy').textContent,
      compliant: document.getElementById('n-compliant').textContent,
      total: [...document.querySelectorAll('#summary tfoot td')].map((td) => td.textContent),
    })`)) as { devices: string; healthy: string; compliant: string; total: string[] };
    expect(text.devices).toBe(String(counted?.devices));
    expect(text.healthy).toBe(`${summary.healthyPct.toFixed(1)}%`);
    expect(text.compliant).toBe(`${summary.compliantPct.toFixed(1)}%`);
    expect(text.total).toEqual([
      'all',
      String(counted?.devices),
      String(counted?.healthy),
      `${summary.healthyPct.toFixed(1)}%`,
      String(counted?.compliant),
      `${summary.compliantPct.toFixed(1)}%`,
      String(counted?.unknown),
    ]);
  });
});
