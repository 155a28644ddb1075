/**
 * Issue #16's acceptance, through the real CLI: three simulated tenants of different sizes, seeds and tokens synced
 * for three days by examples/sync_tenants.sh (each tenant in its own process, then `transform` over the root), one
 * tenant's token revoked on day 2. Every mart's key leads with tenant_id and is unique; a tenant's marts equal those
 * of a transform of that tenant alone; the revoked day shows in sync_status with its reason, and the other tenants'
 * history has no gap.
 */
import { spawn } from 'node:child_process';
import { cpSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { existsSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { DuckDBInstance } from '@duckdb/node-api';
import { chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSimulator, type Simulator } from '../../simulator/server.ts';
import { combined } from '../../transforms/tenants.ts';
import { loadModels, type Model } from '../../transforms/models.ts';
import { CLI, REPO, runCli } from '../support/cli.ts';
import { allOutputs, configFile, expectNoToken } from '../support/connector.ts';
import { fleetSummary, runTransform } from '../../transforms/run.ts';
import { differences, query } from './helpers.ts';

const CHROMIUM = '/usr/bin/chromium';

const SCRIPT = join(REPO, 'examples', 'sync_tenants.sh');
const FAST = { rateLimit: { perSecond: 100_000, perHour: 1_000_000 }, keepLog: false };
const TENANTS = [
  { name: 'acme', devices: 40, seed: 101 },
  { name: 'globex', devices: 25, seed: 202 },
  { name: 'initech', devices: 12, seed: 303 },
] as const;

/** The models a transform built into `db` (an optional generated daily model is built only when one reads it). */
async function builtModels(db: string): Promise<Model[]> {
  const rows = await query(db, `select table_schema || '.' || table_name as id from information_schema.tables`);
  const built = new Set(rows.map((r) => String(r.id)));
  return loadModels().filter((m) => built.has(m.id));
}

function syncTenants(configs: string, root: string): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    const env = { ...process.env, PATH: `${dirname(process.execPath)}:${process.env.PATH}`, SOURCE_KANDJI: `${process.execPath} ${CLI}` };
    const child = spawn('bash', [SCRIPT, configs, root], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (output += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (output += d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, output }));
  });
}

describe('three tenants over three days, one token revoked for a day', () => {
  const sims: Simulator[] = [];
  const root = mkdtempSync(join(tmpdir(), 'kandji-root-'));
  const configs = mkdtempSync(join(tmpdir(), 'kandji-configs-'));
  const days: { code: number | null; output: string }[] = [];
  const clock: string[] = [];
  const db = join(root, 'kandji.duckdb');

  beforeAll(async () => {
    for (const t of TENANTS) {
      const sim = await startSimulator({ devices: t.devices, seed: t.seed, subdomain: t.name, ...FAST });
      sims.push(sim);
      writeFileSync(join(configs, `${t.name}.json`), readFileSync(configFile(sim, { subdomain: t.name })));
    }
    writeFileSync(join(root, 'tenants.csv'), 'tenant_id,tenant_group\nacme,EMEA\nglobex,Americas, North\n');
    for (let day = 1; day <= 3; day++) {
      if (day > 1) for (const sim of sims) sim.advance(24);
      if (day === 2) sims[1]?.revokeToken(sims[1].token, { forHours: 24 });
      clock.push(new Date(sims[0]?.tenant.now ?? 0).toISOString());
      if (day === 1) {
        // The first day by hand, each tenant's sync in its own process (what the script does), without its transform.
        const runs = await Promise.all(
          TENANTS.map((t) => runCli(['sync', '--config', join(configs, `${t.name}.json`), '--root', root], { text: true })),
        );
        days.push({ code: Math.max(...runs.map((r) => r.code ?? 1)), output: runs.map((r) => r.stdout + r.stderr).join('') });
      } else days.push(await syncTenants(configs, root));
    }
  }, 240_000);

  afterAll(async () => {
    for (const file of readdirSync(root, { recursive: true }) as string[])
      if (file.endsWith('.json') || file.endsWith('.jsonl')) allOutputs.push(readFileSync(join(root, file), 'utf8'));
    allOutputs.push(...days.map((d) => d.output));
    for (const sim of sims) expectNoToken(sim.token);
    await Promise.all(sims.map((s) => s.close()));
  });

  it('syncs each tenant into ROOT/<tenant>; the revoked day fails only that tenant, and the script says which', () => {
    expect(days.map((d) => d.code)).toEqual([0, 1, 0]);
    expect(days[1]?.output).toContain('1 of 3 tenants failed: globex');
    expect(days[1]?.output).toMatch(/\[globex\] .*HTTP 401/);
    expect(
      readdirSync(root)
        .filter((f) => !f.includes('.'))
        .sort(),
    ).toEqual(['acme', 'globex', 'initech']);
  });

  it('keys every model with tenant_id first, unique and never null', async () => {
    const models = (await builtModels(db)).map((m) => (m.scope === 'tenant' ? combined(m) : m));
    expect(models.filter((m) => m.schema === 'marts').length).toBeGreaterThan(8);
    const instance = await DuckDBInstance.create(db, { access_mode: 'READ_ONLY' });
    const connection = await instance.connect();
    try {
      for (const model of models) {
        expect(model.keys[0], model.id).toBe('tenant_id');
        const keys = model.keys.map((k) => `"${k}"`).join(', ');
        const [row] = (
          await connection.runAndReadAll(
            `select count(*)::integer as n, count(distinct (${keys}))::integer as distinct_keys, count(distinct tenant_id)::integer as tenants,
                    count(*) filter (where tenant_id is null)::integer as null_tenants from ${model.id}`,
          )
        ).getRowObjectsJson();
        expect(row, model.id).toMatchObject({ distinct_keys: row?.n, null_tenants: 0 });
        if (model.schema === 'marts') expect(row?.tenants, model.id).toBe(3);
      }
    } finally {
      connection.closeSync();
      instance.closeSync();
    }
  });

  it('builds each tenant as a transform of that tenant alone would: every per-tenant table, row for row', async () => {
    const alone = join(mkdtempSync(join(tmpdir(), 'kandji-alone-')), 'globex.duckdb');
    const run = await runCli(['transform', '--data', join(root, 'globex'), '--db', alone, '--no-report'], { text: true });
    expect(run.code, run.stderr).toBe(0);
    const instance = await DuckDBInstance.create(':memory:');
    const connection = await instance.connect();
    try {
      await connection.run(`attach '${db}' as every (read_only); attach '${alone}' as one (read_only)`);
      const perTenant = (await builtModels(db)).filter((m) => m.scope === 'tenant');
      expect(perTenant.length).toBeGreaterThan(15);
      const count = async (sql: string) => Number((await connection.runAndReadAll(sql)).getRowObjectsJson()[0]?.n);
      for (const model of perTenant) {
        const mine = `select * from every.${model.id} where tenant_id = 'globex'`;
        const theirs = `select * from one.${model.id}`;
        expect(await count(`select count(*)::integer as n from one.${model.id}`), model.id).toBe(
          await count(`select count(*)::integer as n from (${mine})`),
        );
        expect(await count(`select count(*)::integer as n from (${mine} except all ${theirs})`), model.id).toBe(0);
        expect(await count(`select count(*)::integer as n from (${theirs} except all ${mine})`), model.id).toBe(0);
      }
      expect(await count(`select count(*)::integer as n from one.marts.fleet_health where not is_removed`)).toBeGreaterThan(20);
    } finally {
      connection.closeSync();
      instance.closeSync();
    }
  });

  it('shows the revoked day in sync_status with its 401 reason, and the last complete sync after it', async () => {
    const status = await query(
      db,
      'select * replace (runs::integer as runs, failed_runs::integer as failed_runs) from marts.sync_status order by tenant_id',
    );
    expect(status.map((s) => [s.tenant_id, s.tenant_group, s.last_status, s.runs, s.failed_runs])).toEqual([
      ['acme', 'EMEA', 'complete', 3, 0],
      ['globex', 'Americas, North', 'complete', 3, 1],
      ['initech', null, 'complete', 3, 0],
    ]);
    const globex = status[1] as Record<string, any>;
    expect(globex.last_failure_type).toBe('config_error');
    expect(globex.last_failure_reason).toContain('HTTP 401');
    expect(new Date(globex.last_failure_at).toISOString()).toBe(clock[1]);
    expect(new Date(globex.last_complete_at).toISOString()).toBe(clock[2]);
    expect(status[0]?.last_failure_reason).toBeNull();

    const daily = await query(
      db,
      `select tenant_id, strftime(synced_date, '%Y-%m-%d') as day, day_status from marts.sync_status_daily order by all`,
    );
    const dates = clock.map((c) => c.slice(0, 10));
    expect(daily.map((d) => [d.tenant_id, d.day, d.day_status])).toEqual([
      ...dates.map((d) => ['acme', d, 'complete']),
      ['globex', dates[0], 'complete'],
      ['globex', dates[1], 'failed'],
      ['globex', dates[2], 'complete'],
      ...dates.map((d) => ['initech', d, 'complete']),
    ]);
  });

  it('keeps the other tenants history whole: a snapshot every day, while globex lacks only its revoked day', async () => {
    const rows = await query(
      db,
      `select tenant_id, list(strftime(snapshot_date, '%Y-%m-%d') order by snapshot_date) as days, arg_max(devices, snapshot_date)::integer as devices
       from marts.tenant_fleet_health_daily group by tenant_id order by tenant_id`,
    );
    const dates = clock.map((c) => c.slice(0, 10));
    expect(rows.map((r) => [r.tenant_id, r.days])).toEqual([
      ['acme', dates],
      ['globex', [dates[0], dates[2]]],
      ['initech', dates],
    ]);
    const tenants = await query(
      db,
      'select tenant_id, tenant_group, runs::integer as runs, devices::integer as devices from marts.tenants order by tenant_id',
    );
    const platforms = await query(
      db,
      'select tenant_id, sum(devices)::integer as devices from marts.tenant_platforms group by tenant_id order by tenant_id',
    );
    expect(platforms.map((p) => p.devices)).toEqual(tenants.map((t) => t.devices));
    expect(tenants.map((t) => [t.tenant_id, t.tenant_group, t.runs])).toEqual([
      ['acme', 'EMEA', 3],
      ['globex', 'Americas, North', 3],
      ['initech', null, 3],
    ]);
    const controls = await query(
      db,
      `select tenant_id, control, passed::integer as passed, failed::integer as failed from marts.tenant_controls order by all`,
    );
    // Every control of the control mapping, the two evidenced by library items (screen lock, EDR) included.
    expect(new Set(controls.map((c) => c.control))).toEqual(
      new Set(['filevault', 'gatekeeper', 'sip', 'firewall', 'recovery_lock', 'os_current', 'blueprint', 'screen_lock', 'edr']),
    );
    for (const control of ['screen_lock', 'edr'])
      expect(
        controls.filter((c) => c.control === control).map((c) => c.passed > 0),
        control,
      ).toEqual([true, true, true]);
    const blueprint = controls.filter((c) => c.control === 'blueprint').map((c) => c.passed + c.failed);
    expect(blueprint).toEqual(tenants.map((t) => t.devices));
  });

  it('rolls licences and ADE tokens up across tenants: licensed devices as each tenant counts them, every token with its expiry', async () => {
    const licences = await query(
      db,
      `select l.tenant_id, l.computers::integer as computers, t.devices::integer as devices
       from marts.tenant_licences as l inner join marts.tenants as t using (tenant_id) order by 1`,
    );
    expect(licences.map((l) => l.tenant_id)).toEqual(['acme', 'globex', 'initech']);
    for (const l of licences) expect(l.computers, l.tenant_id).toBe(l.devices);
    const tokens = await query(db, 'select tenant_id, status, days_left::integer as days_left, expiry_status from marts.tenant_ade_tokens');
    expect(new Set(tokens.map((t) => t.tenant_id))).toEqual(new Set(['acme', 'globex', 'initech']));
    for (const t of tokens)
      expect(t.expiry_status).toBe(t.status !== 'SUCCESS' ? 'broken' : t.days_left < 0 ? 'expired' : t.days_left <= 30 ? 'expiring' : 'ok');
  });

  it.skipIf(!existsSync(CHROMIUM))(
    'the report: all tenants, a table of their syncs, and a selector that redraws one tenant alone',
    async () => {
      const browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--headless', '--no-sandbox', '--disable-gpu'] });
      try {
        const page = await browser.newPage();
        await page.route('**/*', (route) => (route.request().url().startsWith('file:') ? route.continue() : route.abort()));
        await page.goto(pathToFileURL(join(root, 'report.html')).href);
        await page.waitForFunction('window.kandjiReportReady === true', undefined, { timeout: 15_000 });
        const text = async (selector: string) => ((await page.locator(selector).textContent()) ?? '').trim();
        const options = await page.locator('#tenant-select option').allInnerTexts();
        expect(options).toEqual(['All 3 tenants', 'acme (EMEA)', 'globex (Americas, North)', 'initech']);
        const rows = await page.locator('#tenants tbody tr').allInnerTexts();
        expect(rows[1]).toContain('HTTP 401');
        expect(rows[0]).not.toContain('HTTP 401');
        const all = await fleetSummary(db);
        const globex = await fleetSummary(db, 'globex');
        expect(globex.devices).toBeLessThan(all.devices);
        expect(await text('#n-devices')).toBe(String(all.devices));
        expect(await page.locator('section[data-view="globex"]').isHidden()).toBe(true);
        const healthStatus = (id: string) =>
          page.evaluate(`window.kandjiCharts[${JSON.stringify(id)}].data.datasets.map((d) => d.data.reduce((a, b) => a + (b ?? 0), 0))`);
        await page.selectOption('#tenant-select', 'globex');
        expect(await page.locator('section[data-view="globex"]').isVisible()).toBe(true);
        expect(await page.locator('section[data-view=""]').isHidden()).toBe(true);
        expect(await text('#t1-n-devices')).toBe(String(globex.devices));
        expect(await text('#t1-n-compliant')).toBe(`${globex.compliantPct.toFixed(1)}%`);
        const [row] = await query(
          db,
          `select sum(healthy)::integer as healthy, sum(warning)::integer as warning, sum(critical)::integer as critical
           from marts.fleet_health_daily where tenant_id = 'globex'`,
        );
        expect(await healthStatus('t1-health-status')).toEqual([row?.healthy, row?.warning, row?.critical]);
        await page.selectOption('#tenant-select', '');
        expect(await page.locator('section[data-view=""]').isVisible()).toBe(true);
        expect(await text('#n-devices')).toBe(String(all.devices));
      } finally {
        await browser.close();
      }
    },
  );

  it('a tenant whose folder is gone leaves every table at the next transform, which then equals a build from scratch', async () => {
    // A copy of the root and its database, without initech's folder (a customer who left the MSP).
    const copy = mkdtempSync(join(tmpdir(), 'kandji-root-left-'));
    for (const entry of readdirSync(root)) if (entry !== 'initech') cpSync(join(root, entry), join(copy, entry), { recursive: true });
    const left = await runTransform({ dataDir: copy, tenantGroups: join(copy, 'tenants.csv') });
    const tables = await query(
      left.dbPath,
      `select table_schema || '.' || table_name as id from information_schema.columns
       where column_name = 'tenant_id' and table_schema in ('staging', 'intermediate', 'snapshots', 'marts') order by 1`,
    );
    expect(tables.length).toBeGreaterThan(40);
    const initech = await query(
      left.dbPath,
      tables.map((t) => `select '${t.id}' as id, count(*)::integer as n from ${t.id} where tenant_id = 'initech'`).join(' union all '),
    );
    expect(initech.filter((r) => r.n > 0)).toEqual([]);
    expect(await query(left.dbPath, `select count(*)::integer as n from marts.fleet_health_daily where tenant_id = 'acme'`)).toEqual(
      await query(db, `select count(*)::integer as n from marts.fleet_health_daily where tenant_id = 'acme'`),
    );
    const full = await runTransform({ dataDir: copy, full: true, dbPath: join(copy, 'full.duckdb') });
    expect(await differences(left.dbPath, full.dbPath, ['raw', 'staging', 'intermediate', 'snapshots', 'marts'])).toEqual({});
  }, 120_000);
});
