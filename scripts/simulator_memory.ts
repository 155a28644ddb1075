/**
 * Measures the simulated tenant's memory and start-up time against its size.
 *
 * For each fleet size it starts `source-kandji simulate --devices N` as a child process, waits for the line with its
 * address, and reads the child's resident set size (RSS) from the OS: right after start-up, after paging all of
 * /devices with limit=300, and after a Prism pass (every device_information page, the first pages of apps, and one
 * incremental `updated_at` query over apps). It also reports the peak RSS and the time each step took.
 *
 * A last row repeats the smallest-but-one fleet's walks until it has served as many pages as the largest fleet did:
 * RSS grows with the traffic a process has served (V8 sizes its heap to the allocation rate), not with the fleet, and
 * that row shows it.
 *
 *   node scripts/simulator_memory.ts                       # sizes 1000, 10000, 100000
 *   node scripts/simulator_memory.ts --sizes 1000,100000 --apps-pages 20
 *
 * Linux only (RSS comes from /proc/<pid>/status).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

const { values } = parseArgs({
  options: {
    sizes: { type: 'string', default: '1000,10000,100000' },
    'apps-pages': { type: 'string', default: '20' },
    seed: { type: 'string', default: '1' },
  },
});
const sizes = values.sizes.split(',').map(Number);
const appsPages = Number(values['apps-pages']);

interface Row {
  devices: number;
  /** How many times the /devices and device_information walks were repeated. */
  rounds: number;
  startupMs: number;
  rssStart: number;
  rssDevices: number;
  devicesMs: number;
  devicePages: number;
  rssPrism: number;
  prismMs: number;
  prismPages: number;
  peak: number;
}

/** VmRSS and VmHWM (peak RSS) of a process, in MiB. */
function memory(pid: number): { rss: number; peak: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kib = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN);
  return { rss: kib('VmRSS') / 1024, peak: kib('VmHWM') / 1024 };
}

/** Start the CLI's simulator and resolve with its address once it prints it. */
function start(devices: number): Promise<{ child: ChildProcess; url: string; token: string; startupMs: number }> {
  const started = performance.now();
  const child = spawn(
    process.execPath,
    [
      'source/cli.ts',
      'simulate',
      '--devices',
      String(devices),
      '--seed',
      values.seed,
      '--port',
      '0',
      '--hourly-limit',
      '10000000',
      '--per-second-limit',
      '1000000',
    ],
    {
      cwd: repoRoot,
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  return new Promise((resolve, reject) => {
    let out = '';
    let err = '';
    child.stderr?.on('data', (c: Buffer) => (err += c.toString()));
    child.stdout?.on('data', (c: Buffer) => {
      out += c.toString();
      const line = out.split('\n').find((l) => l.startsWith('{'));
      if (!line) return;
      const { api_url, api_token } = JSON.parse(line) as { api_url: string; api_token: string };
      resolve({ child, url: api_url, token: api_token, startupMs: performance.now() - started });
    });
    child.on('exit', (code) => reject(new Error(`simulate exited with ${code}: ${err}`)));
  });
}

async function getJson(url: string, token: string): Promise<unknown> {
  const res = await fetch(url, { headers: { Authorization: `Bearer ${token}` } });
  if (res.status !== 200) throw new Error(`${url} → ${res.status}`);
  return res.json();
}

async function measure(devices: number, rounds = 1): Promise<Row> {
  const { child, url, token, startupMs } = await start(devices);
  const pid = child.pid as number;
  try {
    const rssStart = memory(pid).rss;

    let t = performance.now();
    let devicePages = 0;
    for (let round = 0; round < rounds; round++) {
      let seen = 0;
      for (let offset = 0; ; offset += 300) {
        const page = (await getJson(`${url}/api/v1/devices?limit=300&offset=${offset}`, token)) as unknown[];
        devicePages++;
        seen += page.length;
        if (page.length < 300) break;
      }
      if (seen !== devices) throw new Error(`paged ${seen} devices of ${devices}`);
    }
    const devicesMs = performance.now() - t;
    const rssDevices = memory(pid).rss;

    t = performance.now();
    let prismPages = 0;
    let cursor: string | null = null;
    for (let round = 0; round < rounds; round++) {
      do {
        const page = (await getJson(
          `${url}/api/v1/prism/device_information?limit=300${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`,
          token,
        )) as { cursor: string | null };
        prismPages++;
        cursor = page.cursor;
      } while (cursor !== null);
    }
    for (let i = 0; i < appsPages; i++) {
      const page = (await getJson(`${url}/api/v1/prism/apps?limit=300${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`, token)) as {
        cursor: string | null;
      };
      prismPages++;
      cursor = page.cursor;
      if (cursor === null) break;
    }
    const filter = encodeURIComponent(JSON.stringify({ updated_at: { gte: '2026-01-04T00:00:00Z' } }));
    await getJson(`${url}/api/v1/prism/apps?limit=300&filter=${filter}`, token);
    prismPages++;
    const prismMs = performance.now() - t;
    const { rss: rssPrism, peak } = memory(pid);
    return { devices, rounds, startupMs, rssStart, rssDevices, devicesMs, devicePages, rssPrism, prismMs, prismPages, peak };
  } finally {
    child.kill('SIGTERM');
    await new Promise((resolve) => child.once('exit', resolve));
  }
}

const rows: Row[] = [];
for (const n of sizes) rows.push(await measure(n));
const largest = Math.max(...sizes);
const control = [...sizes].sort((a, b) => a - b).at(-2);
if (control !== undefined && control < largest) rows.push(await measure(control, Math.round(largest / control)));

const mib = (v: number) => `${v.toFixed(0)} MiB`;
const s = (ms: number) => (ms < 1000 ? `${ms.toFixed(0)} ms` : `${(ms / 1000).toFixed(1)} s`);
const lines = [
  `Node ${process.version}, ${process.platform}/${process.arch}; seed ${values.seed}; Prism pass = every device_information page + ${appsPages} apps pages + 1 filtered apps query`,
  '',
  '| devices | start-up | RSS at start | RSS after /devices | /devices pages (time) | RSS after Prism | Prism pages (time) | peak RSS |',
  '|--:|--:|--:|--:|--:|--:|--:|--:|',
  ...rows.map(
    (r) =>
      `| ${r.devices.toLocaleString('en-US')}${r.rounds > 1 ? `, walks ×${r.rounds}` : ''} | ${s(r.startupMs)} | ${mib(r.rssStart)} | ${mib(r.rssDevices)} | ${r.devicePages} (${s(r.devicesMs)}) | ${mib(r.rssPrism)} | ${r.prismPages} (${s(r.prismMs)}) | ${mib(r.peak)} |`,
  ),
];
process.stdout.write(`${lines.join('\n')}\n`);
