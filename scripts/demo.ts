/**
 * The main job (`npm run demo`): the whole pipeline on an embedded simulated Kandji tenant, through the real CLI.
 *
 *   1. start a simulated tenant on loopback (it keeps the real API's 50 requests/s limit, so the first sync is paced);
 *   2. `source-kandji sync` once per simulated day, the tenant's clock moved 24 h between syncs (devices check in,
 *      update, change posture, enrol and leave), so incremental reads and history are real;
 *   3. `source-kandji transform`: the DuckDB marts, the fleet summary, the HTML report.
 *
 * A day's sync that the tenant's hourly request budget cut short (status `incomplete`) is resumed as a cron user's
 * next run would resume it: the tenant's clock moves an hour (a fresh hourly window) and `sync` runs again from the
 * saved state, up to 11 times a day (the syncs run at noon UTC, so a day's resumes stay on its date). A day that
 * still is not complete, or a failed sync, stops the demo: it says which day and why, and exits 1 without building
 * marts over a history that stops short.
 *
 * Options: --devices N (default 2000), --days N (default 7), --out DIR (default out/demo, emptied first),
 * --hourly-limit N (the tenant's requests per hour, default 10,000 as the real API).
 */
import { spawn } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import type { RunManifest } from '../core/run_manifest.ts';
import { startSimulator } from '../simulator/server.ts';

const { values } = parseArgs({
  options: {
    devices: { type: 'string', default: '2000' },
    days: { type: 'string', default: '7' },
    out: { type: 'string', default: 'out/demo' },
    'hourly-limit': { type: 'string', default: '10000' },
  },
});
/** Resumes of a budget-stopped day, one tenant hour apart: noon to 23:00 UTC, so they stay on the day's date. */
const MAX_RESUMES = 11;
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
const sim = await startSimulator({ devices, seed: 42, keepLog: false, rateLimit: { perHour: Number(values['hourly-limit']) } });
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

/** The run a `sync` printed (`<status>: run <id>, …`) and its manifest. */
function runOf(stdout: string): RunManifest | undefined {
  const id = /^(?:complete|incomplete|failed): run (\S+),/m.exec(stdout)?.[1];
  if (!id) return undefined;
  try {
    return JSON.parse(readFileSync(join(data, '_runs', `${id}.json`), 'utf8')) as RunManifest;
  } catch {
    return undefined;
  }
}

/** Why a run is not complete, for people: its status and the streams that did not finish. */
function why(run: RunManifest | undefined, code: number | null, stdout: string): string {
  if (!run) return `sync exited ${code} without a run (${stdout.trim() || 'no output; its errors are above'})`;
  const unfinished = Object.entries(run.streams)
    .filter(([, s]) => s.status !== 'complete')
    .map(([name, s]) => `${name} ${s.status}`);
  const reason =
    run.status === 'incomplete' ? "the tenant's hourly request budget was spent" : `the sync failed (exit ${code}; its errors are above)`;
  return `run ${run.run_id} is ${run.status}: ${reason}; ${unfinished.join(', ') || 'no stream'} did not finish`;
}

/** Which day stopped and why; undefined when every day completed. */
let stopped: string | undefined;
let hoursUsed = 0;
try {
  syncing: for (let day = 1; day <= days; day++) {
    let note = `· tenant clock ${new Date(sim.tenant.now).toISOString().slice(0, 10)} · first full sync`;
    if (day > 1) {
      // Days stay 24 h apart: the hours spent resuming the previous day come off this move.
      const change = sim.advance(Math.max(1, 24 - hoursUsed));
      note = `· tenant clock ${new Date(sim.tenant.now).toISOString().slice(0, 10)} · ${change.changed.length} devices changed, ${change.enrolled.length} enrolled, ${change.deleted.length} removed, ${change.usersMoved.length} users moved department`;
    }
    hoursUsed = 0;
    progress(day, note);
    const lines: string[] = [];
    for (let attempt = 0; ; attempt++) {
      const result = await cliRun(['sync', '--config', config, '--out', data]);
      const run = runOf(result.stdout);
      lines.push(result.stdout.trim());
      if (result.code === 0 && run?.status === 'complete') break;
      if (result.code === 0 && run?.status === 'incomplete' && attempt < MAX_RESUMES) {
        // What a cron user's next run sees: an hour later, a fresh hourly budget, the state this run saved.
        sim.advance(1);
        hoursUsed++;
        process.stderr.write(
          `day ${day}: ${why(run, result.code, result.stdout)}; resuming an hour later (tenant clock ${new Date(sim.tenant.now).toISOString()})\n`,
        );
        continue;
      }
      stopped =
        run?.status === 'incomplete'
          ? `day ${day} stopped: ${why(run, result.code, result.stdout)}, still after ${MAX_RESUMES} resumed syncs an hour apart`
          : `day ${day} stopped: ${why(run, result.code, result.stdout)}`;
      syncs.push({ day, line: lines.join(' → resumed: ') });
      break syncing;
    }
    syncs.push({ day, line: lines.join(' → resumed: ') });
  }
} finally {
  await sim.close();
}

if (stopped) {
  process.stdout.write(`\nSyncs (requests per day)\n`);
  for (const { day, line } of syncs) process.stdout.write(`  day ${day}: ${line}\n`);
  process.stderr.write(
    `\nThe demo stopped: ${stopped}.\nThe history in ${data} ends there, so no marts were built. Nothing after day ${syncs.length} was synced.\n`,
  );
  process.exit(1);
}

process.stderr.write(`\nBuilding the DuckDB marts and the report…\n`);
const transform = await cliRun(['transform', '--data', data]);
if (transform.code !== 0) throw new Error(`transform failed (exit ${transform.code})`);

process.stdout.write(`\nSyncs (requests per day: the first reads everything, the others only what changed)\n`);
for (const { day, line } of syncs) process.stdout.write(`  day ${day}: ${line}\n`);
process.stdout.write(`\n${transform.stdout}`);
process.stdout.write(
  `\nDone in ${((Date.now() - started) / 1000).toFixed(0)} s. Files: ${data}/<stream>/ (Parquet per run), ${data}/_runs/ (manifests)\n`,
);
