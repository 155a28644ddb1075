/**
 * The main job (`npm run demo`): a simulated Kandji tenant on loopback, the connector's real CLI run against it
 * as an orchestrator would run it, over several simulated days. Each day: advance the tenant's clock, run `read`
 * with the previous day's state, keep the messages. Prints what each sync read and what it cost in requests.
 *
 * Options: --devices N (default 2000), --days N (default 3), --out DIR (default out/demo).
 */
import { spawn } from 'node:child_process';
import { createWriteStream, mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { discoverCatalog } from '../source/catalog.ts';
import { startSimulator } from '../simulator/server.ts';

const { values } = parseArgs({ options: { devices: { type: 'string', default: '2000' }, days: { type: 'string', default: '3' }, out: { type: 'string', default: 'out/demo' } } });
const devices = Number(values.devices);
const days = Number(values.days);
const out = resolve(values.out as string);
const cli = resolve(import.meta.dirname, '../source/cli.ts');

interface SyncOutcome {
  records: Map<string, number>;
  states: any[];
  requests: number;
  code: number | null;
}

/** Run `read` as a child process; messages to DIR/messages.jsonl, the per-stream summary through to our stderr. */
function runRead(dir: string, state?: string): Promise<SyncOutcome> {
  return new Promise((done, fail) => {
    const args = [cli, 'read', '--config', join(out, 'config.json'), '--catalog', join(out, 'catalog.json'), ...(state ? ['--state', state] : [])];
    const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    const file = createWriteStream(join(dir, 'messages.jsonl'));
    const records = new Map<string, number>();
    const latest = new Map<string, any>();
    let buffered = '';
    let stderr = '';
    let partial = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      file.write(chunk);
      buffered += chunk;
      const lines = buffered.split('\n');
      buffered = lines.pop() ?? '';
      for (const line of lines) {
        const msg = JSON.parse(line);
        if (msg.type === 'RECORD') records.set(msg.record.stream, (records.get(msg.record.stream) ?? 0) + 1);
        else if (msg.type === 'STATE') latest.set(msg.state.stream.stream_descriptor.name, msg.state);
        else if (msg.type === 'TRACE' && msg.trace.type === 'ERROR') process.stderr.write(`  error: ${msg.trace.error.message}\n`);
      }
    });
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
      stderr += chunk;
      const lines = (partial + chunk).split('\n');
      partial = lines.pop() ?? '';
      for (const line of lines) process.stderr.write(`  ${line}\n`);
    });
    child.on('error', fail);
    child.on('close', (code) => {
      file.end();
      const requests = Number(/(\d+) requests\s*$/m.exec(stderr)?.[1] ?? Number.NaN);
      done({ records, states: [...latest.values()], requests, code });
    });
  });
}

const sim = await startSimulator({ devices, seed: 42, keepLog: false });
process.stderr.write(`Simulated tenant: ${sim.tenant.liveDevices} devices at ${sim.url} (tenant clock ${new Date(sim.tenant.now).toISOString()})\n`);
mkdirSync(out, { recursive: true });
writeFileSync(
  join(out, 'config.json'),
  JSON.stringify({ api_url: sim.url, api_token: sim.token, device_details_max_per_sync: 100_000, start_date: new Date(sim.tenant.now - 7 * 86_400_000).toISOString() }, null, 2),
);
const catalog = {
  streams: discoverCatalog().streams.map((stream) => ({
    stream,
    sync_mode: stream.supported_sync_modes.includes('incremental') ? 'incremental' : 'full_refresh',
    destination_sync_mode: 'append',
  })),
};
writeFileSync(join(out, 'catalog.json'), JSON.stringify(catalog, null, 2));

const results: { day: number; outcome: SyncOutcome }[] = [];
let statePath: string | undefined;
try {
  for (let day = 1; day <= days; day++) {
    if (day > 1) {
      const change = sim.advance(24);
      process.stderr.write(
        `\nDay ${day}: the tenant's clock moved 24 h: ${change.changed.length} devices changed, ${change.enrolled.length} enrolled, ${change.deleted.length} deleted, ${change.usersMoved.length} users moved department.\n`,
      );
    }
    const dir = join(out, `day-${day}`);
    mkdirSync(dir, { recursive: true });
    process.stderr.write(`Day ${day}: ${statePath ? 'incremental sync from the previous state' : 'first full sync'}\n`);
    const outcome = await runRead(dir, statePath);
    if (outcome.code !== 0) throw new Error(`read exited ${outcome.code} on day ${day}; see ${dir}/messages.jsonl`);
    statePath = join(dir, 'state.json');
    writeFileSync(statePath, JSON.stringify(outcome.states, null, 2));
    results.push({ day, outcome });
  }
} finally {
  await sim.close();
}

const first = results[0]?.outcome.requests ?? Number.NaN;
process.stdout.write(`\n${'day'.padEnd(5)}${'records'.padStart(10)}${'requests'.padStart(10)}${'vs day 1'.padStart(10)}\n`);
for (const { day, outcome } of results) {
  const total = [...outcome.records.values()].reduce((a, b) => a + b, 0);
  process.stdout.write(`${String(day).padEnd(5)}${String(total).padStart(10)}${String(outcome.requests).padStart(10)}${`${((100 * outcome.requests) / first).toFixed(1)}%`.padStart(10)}\n`);
}
process.stdout.write(`\nMessages and states are in ${out}/day-*/\n`);
