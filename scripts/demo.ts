/**
 * The main job (`npm run demo`): the whole pipeline on an embedded simulated Kandji tenant, through the real CLI.
 *
 *   1. start a simulated tenant on loopback (it keeps the real API's 50 requests/s limit, so the first sync is paced);
 *   2. `source-kandji sync` once per simulated day, the tenant's clock moved 24 h between syncs (devices check in,
 *      update, change posture, enrol and leave), so incremental reads and history are real;
 *   3. `source-kandji transform`: the DuckDB marts, the fleet summary, the HTML report.
 *
 * Options: --devices N (default 2000), --days N (default 7), --out DIR (default out/demo, emptied first),
 * --tenants N (default 1): N simulated tenants of different sizes synced side by side (scripts/demo_tenants.ts).
 */
import { spawn } from 'node:child_process';
import { rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { startSimulator } from '../simulator/server.ts';

const { values } = parseArgs({
  options: {
    devices: { type: 'string', default: '2000' },
    days: { type: 'string', default: '7' },
    out: { type: 'string', default: 'out/demo' },
    tenants: { type: 'string', default: '1' },
  },
});
const devices = Number(values.devices);
const days = Number(values.days);
const out = resolve(values.out as string);
const cli = resolve(import.meta.dirname, '../source/cli.ts');
const tty = process.stderr.isTTY === true;

/** Run a CLI command; its stderr (progress, per-stream summary) goes straight to ours, stdout is returned. */
function cliRun(args: string[]): Promise<{ code: number | null; stdout: string }> {
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, [cli, ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
    let stdout = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.on('error', fail);
    child.on('close', (code) => done({ code, stdout }));
  });
}

/** One line of progress over the days: a bar on a terminal, a plain line otherwise. */
function progress(day: number, note: string): void {
  const width = 20;
  const filled = Math.round((width * (day - 1)) / days);
  const line = `[${'#'.repeat(filled)}${'-'.repeat(width - filled)}] day ${day}/${days} ${note}`;
  process.stderr.write(tty ? `\n\x1b[1m${line}\x1b[0m\n` : `${line}\n`);
}

rmSync(out, { recursive: true, force: true });
mkdirSync(out, { recursive: true });
if (Number(values.tenants) > 1) {
  const { tenantsDemo } = await import('./demo_tenants.ts');
  process.exit(await tenantsDemo({ tenants: Number(values.tenants), devices, days, out }));
}
const sim = await startSimulator({ devices, seed: 42, keepLog: false });
const data = join(out, 'data');
const config = join(out, 'config.json');
writeFileSync(
  config,
  `${JSON.stringify({ api_url: sim.url, api_token: sim.token, device_details_max_per_sync: 10_000, request_budget_share: 1 }, null, 2)}\n`,
);
process.stderr.write(
  `Simulated Kandji tenant: ${sim.tenant.liveDevices} devices at ${sim.url}; syncing ${days} simulated days into ${data}\n`,
);

const started = Date.now();
const syncs: { day: number; line: string }[] = [];
try {
  for (let day = 1; day <= days; day++) {
    let note = `· tenant clock ${new Date(sim.tenant.now).toISOString().slice(0, 10)} · first full sync`;
    if (day > 1) {
      const change = sim.advance(24);
      note = `· tenant clock ${new Date(sim.tenant.now).toISOString().slice(0, 10)} · ${change.changed.length} devices changed, ${change.enrolled.length} enrolled, ${change.deleted.length} removed, ${change.usersMoved.length} users moved department`;
    }
    progress(day, note);
    const result = await cliRun(['sync', '--config', config, '--out', data, '--format', 'both']);
    if (result.code !== 0) throw new Error(`sync failed on day ${day} (exit ${result.code}): ${result.stdout}`);
    syncs.push({ day, line: result.stdout.trim() });
  }
} finally {
  await sim.close();
}

process.stderr.write(`\nBuilding the DuckDB marts and the report…\n`);
const transform = await cliRun(['transform', '--data', data]);
if (transform.code !== 0) throw new Error(`transform failed (exit ${transform.code})`);

process.stdout.write(`\nSyncs (requests per day: the first reads everything, the others only what changed)\n`);
for (const { day, line } of syncs) process.stdout.write(`  day ${day}: ${line}\n`);
process.stdout.write(`\n${transform.stdout}`);
process.stdout.write(
  `\nDone in ${((Date.now() - started) / 1000).toFixed(0)} s. Files: ${data}/<stream>/ (JSONL and Parquet per run), ${data}/_runs/ (manifests)\n`,
);
