/**
 * `npm run demo -- --tenants N`: the pipeline for an MSP with N tenants (issue #16), through the real CLI.
 *
 *   1. N simulated tenants on loopback, of different sizes (the first has --devices, each next one half as many, at
 *      least 20), each with its own seed, token and subdomain (acme, globex, initech, …: the tenant_id by default);
 *   2. every simulated day, each tenant's `source-kandji sync --root DIR` in its own process, side by side, after the
 *      tenants' clocks moved 24 h; the second tenant's token is revoked for one day in the middle (its sync fails
 *      with a 401 that day and resumes the next, while the others go on);
 *   3. `source-kandji transform --data DIR` over every tenant: marts keyed by tenant_id, sync_status with the
 *      revoked day and its reason, the cross-tenant rollups, and the report.
 *
 * Writes OUT/configs/<tenant>.json (one connector configuration per tenant, as an MSP keeps them) and OUT/data/ (a
 * folder per tenant, tenants.csv mapping tenants to groups, kandji.duckdb, report.html).
 */
import { spawn } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { startSimulator, type Simulator } from '../simulator/server.ts';

const NAMES = ['acme', 'globex', 'initech', 'umbrella', 'hooli', 'stark', 'wayne', 'wonka', 'tyrell', 'cyberdyne'];
const GROUPS = ['EMEA', 'Americas', 'Americas', 'APAC'];
const CLI = resolve(import.meta.dirname, '../source/cli.ts');

export interface TenantsDemoOptions {
  tenants: number;
  /** Devices of the largest tenant. */
  devices: number;
  days: number;
  /** Emptied by the caller. */
  out: string;
  /** Each tenant's requests per hour (the real API's 10,000 by default). */
  hourlyLimit?: number;
}

/** A CLI run with its stderr lines prefixed by the tenant (so parallel runs stay readable); stdout returned. */
function cliRun(args: string[], label: string): Promise<{ code: number | null; stdout: string }> {
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, [CLI, ...args], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, SOURCE_KANDJI_LOG_LEVEL: 'warn' },
    });
    let stdout = '';
    let partial = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
      const lines = (partial + chunk).split('\n');
      partial = lines.pop() ?? '';
      for (const line of lines) process.stderr.write(label ? `[${label}] ${line}\n` : `${line}\n`);
    });
    child.on('error', fail);
    child.on('close', (code) => {
      if (partial) process.stderr.write(label ? `[${label}] ${partial}\n` : `${partial}\n`);
      done({ code, stdout });
    });
  });
}

/** Returns the exit code: 0 when every day went as planned (the revoked day failing, every other sync complete). */
export async function tenantsDemo(options: TenantsDemoOptions): Promise<number> {
  const { days, out } = options;
  const count = Math.min(Math.max(options.tenants, 1), NAMES.length);
  const tenants = NAMES.slice(0, count).map((name, i) => ({
    name,
    devices: Math.max(20, Math.round(options.devices / 2 ** i)),
    seed: 42 + i,
    group: GROUPS[i % GROUPS.length] as string,
  }));
  // The second tenant (the first when there is one) loses its token for a day in the middle of the history.
  const revoked = tenants[Math.min(1, count - 1)] as (typeof tenants)[number];
  const revokedDay = days >= 2 ? Math.max(2, Math.ceil(days / 2)) : undefined;
  const data = join(out, 'data');
  const configs = join(out, 'configs');
  mkdirSync(data, { recursive: true });
  mkdirSync(configs, { recursive: true });
  writeFileSync(join(data, 'tenants.csv'), `tenant_id,tenant_group\n${tenants.map((t) => `${t.name},${t.group}`).join('\n')}\n`);

  const sims: Simulator[] = [];
  try {
    for (const t of tenants) {
      const sim = await startSimulator({
        devices: t.devices,
        seed: t.seed,
        subdomain: t.name,
        keepLog: false,
        rateLimit: { perHour: options.hourlyLimit ?? 10_000 },
      });
      sims.push(sim);
      // subdomain names the tenant: on loopback the URL cannot, and the tenant_id defaults to the subdomain.
      const config = {
        api_url: sim.url,
        subdomain: t.name,
        api_token: sim.token,
        device_details_max_per_sync: 10_000,
        request_budget_share: 1,
      };
      writeFileSync(join(configs, `${t.name}.json`), `${JSON.stringify(config, null, 2)}\n`, { mode: 0o600 });
    }
    process.stderr.write(
      `${count} simulated Kandji tenants (${tenants.map((t) => `${t.name}: ${t.devices} devices`).join(', ')}); syncing ${days} simulated days into ${data}/<tenant>/` +
        (revokedDay ? `; ${revoked.name}'s token is revoked on day ${revokedDay}\n` : '\n'),
    );

    const lines: string[] = [];
    let unexpected = 0;
    for (let day = 1; day <= days; day++) {
      if (day > 1) for (const sim of sims) sim.advance(24);
      if (day === revokedDay)
        sims[tenants.indexOf(revoked)]?.revokeToken(sims[tenants.indexOf(revoked)]?.token as string, { forHours: 24 });
      const clock = new Date(sims[0]?.tenant.now ?? 0).toISOString().slice(0, 10);
      process.stderr.write(`\nday ${day}/${days} · tenant clock ${clock} · ${count} syncs side by side\n`);
      const runs = await Promise.all(
        tenants.map((t) => cliRun(['sync', '--config', join(configs, `${t.name}.json`), '--root', data], t.name)),
      );
      for (const [i, run] of runs.entries()) {
        const t = tenants[i] as (typeof tenants)[number];
        const expectFailure = day === revokedDay && t === revoked;
        if ((run.code === 0) === expectFailure) unexpected++;
        lines.push(
          `  day ${day} ${t.name.padEnd(10)} ${run.stdout.trim() || `exit ${run.code}`}${expectFailure ? '   (token revoked today)' : ''}`,
        );
      }
    }

    process.stderr.write(`\nBuilding the DuckDB marts over every tenant, and the report…\n`);
    const transform = await cliRun(['transform', '--data', data], '');
    process.stdout.write(`\nSyncs (one process per tenant per day)\n${lines.join('\n')}\n\n${transform.stdout}`);
    if (transform.code !== 0) {
      process.stderr.write(`transform failed (exit ${transform.code})\n`);
      return 1;
    }
    process.stdout.write(
      `\nPer tenant: ${data}/<tenant>/ (files, _runs/ manifests, state.json); configurations in ${configs}/. ` +
        `Try: duckdb ${data}/kandji.duckdb "select * from marts.sync_status"\n`,
    );
    if (unexpected > 0) {
      process.stderr.write(`${unexpected} sync(s) did not end as planned (see above)\n`);
      return 1;
    }
    return 0;
  } finally {
    await Promise.all(sims.map((s) => s.close()));
  }
}
