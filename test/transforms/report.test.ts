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
import { query, syncSim } from './helpers.ts';

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
  let browser: Browser;
  let page: Page;
  const requested: string[] = [];

  beforeAll(async () => {
    sim = await startSimulator({ devices: 300, seed: 7, rateLimit: { perSecond: 100_000, perHour: 10_000_000 }, keepLog: false });
    dir = mkdtempSync(join(tmpdir(), 'kandji-report-'));
    for (let day = 0; day < 3; day++) {
      if (day > 0) sim.advance(24);
      await syncSim(sim, dir, { format: 'parquet' });
    }
    ({ dbPath } = await runTransform({ dataDir: dir }));
    outFile = join(dir, 'report.html');
    await writeReport({ dbPath, outFile });

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
  });

  /** A chart's data as Chart.js holds it in the page. */
  const chartData = (id: string) =>
    page.evaluate(
      `(() => { const c = window.kandjiCharts[${JSON.stringify(id)}]; return { labels: c.data.labels, datasets: c.data.datasets.map((d) => ({ label: d.label, data: d.data })) }; })()`,
    ) as Promise<{
      labels: string[];
      datasets: { label: string; data: (number | null)[] }[];
    }>;

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
      'failing-checks',
      'department-compliance',
      'department-latest',
    ]);
    for (const canvas of canvases) {
      expect(canvas.width, canvas.id).toBeGreaterThan(200);
      expect(canvas.height, canvas.id).toBeGreaterThan(100);
      // Axes, grid and labels alone paint a few percent; a blank canvas paints nothing.
      expect(canvas.share, canvas.id).toBeGreaterThan(0.02);
    }
  });

  it('fleet health by day: the stacked counts equal fleet_health_daily', async () => {
    const rows = await query(
      dbPath,
      `select strftime(snapshot_date, '%Y-%m-%d') as day, sum(healthy)::integer as healthy, sum(warning)::integer as warning, sum(critical)::integer as critical
       from marts.fleet_health_daily group by snapshot_date order by snapshot_date`,
    );
    expect(rows).toHaveLength(3);
    expect(await chartData('health-status')).toEqual({
      labels: rows.map((r) => r.day),
      datasets: ['healthy', 'warning', 'critical'].map((label) => ({ label, data: rows.map((r) => r[label]) })),
    });
  });

  it('compliance by platform: the rates equal compliance_daily', async () => {
    const rows = await query(
      dbPath,
      `select platform, strftime(snapshot_date, '%Y-%m-%d') as day, count(*) filter (where is_compliant) / count(*) as rate
       from marts.compliance_daily group by all order by platform, day`,
    );
    const chart = await chartData('compliance-rate');
    expect(chart.labels).toEqual(['2026-01-05', '2026-01-06', '2026-01-07']);
    expect(chart.datasets.map((d) => d.label)).toEqual(['AppleTV', 'Mac', 'iPad', 'iPhone']);
    for (const dataset of chart.datasets) {
      const expected = rows.filter((r) => r.platform === dataset.label).map((r) => r.rate);
      expect(dataset.data.length).toBe(expected.length);
      for (const [i, value] of dataset.data.entries()) expect(value).toBeCloseTo(expected[i] as number, 12);
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
              (select count(*) filter (where is_compliant)::integer from marts.compliance) as compliant
       from marts.fleet_health`,
    );
    expect({ devices: summary.devices, healthy: summary.healthy, compliant: summary.compliant }).toEqual(counted);
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
    ]);
  });
});
