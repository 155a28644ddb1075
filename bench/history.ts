/**
 * `npm run bench:history`: what a year of daily syncs costs `transform`, and the disk it takes.
 *
 * A simulated tenant (10,000 devices by default) runs in this process with its rate limits lifted. Day 1 is a first
 * full sync; then, day after day, the tenant's clock moves 24 h (`advance(24)`: about 5% of devices change, some
 * enrol or leave) and an incremental sync runs from the previous day's state. Every sync is the connector's own
 * `sync()` (source/sync.ts), in process, writing the default format (Parquet) into one data directory: the files
 * `transform` reads are exactly what `source-kandji sync` writes. Days 1 and 2 also write JSONL, to measure what a
 * first and a daily run cost in JSONL; those JSONL files are deleted once measured (their runs' Parquet files
 * stay), so the data directory then holds what a Parquet user's would.
 *
 * At each checkpoint day D (default 30, 90, 365):
 *
 *   1. the night before: `transform` after day D-1's sync (not measured; it brings the database up to D-1);
 *   2. day D's sync, then the measured nightly `transform`: the CLI as it ships (`node dist/source/cli.js
 *      transform --data DIR --no-report`), a child process; its wall time, its peak RSS (getrusage, read at its
 *      exit) and when its raw layer was loaded (the time its `raw:` line arrived);
 *   3. the same data read whole (`transform --full-rebuild --db DIR/full.duckdb`, the cost every night before the
 *      raw layer was kept), unless --no-full;
 *   4. the database's size and the data directory's (Parquet files and manifests; the database apart).
 *
 *   npm run bench:history                                  # 10,000 devices, checkpoints 30, 90 and 365
 *   npm run bench:history -- --devices 1000 --days 5,10    # a quick look
 *
 * Options: --devices N, --days D1,D2,… (the last is how many days are synced), --no-full, --seed N,
 * --out DIR (default out/bench-history; emptied first). The report (markdown) goes to stdout and DIR/report.md.
 * --sync-only syncs the days and transforms nothing: the history for --data below. --without a,b leaves those streams
 * out of every sync (the others are read as the default catalog reads them): a history that syncs faster.
 *
 * --memory-limit SIZE is passed to every transform (`transform --memory-limit`); without it, each transform takes the
 * CLI's own limit (2GB, or half the machine's memory for a build over every run).
 *
 * --resume goes on with the history OUT/data holds (an earlier --sync-only bench with the same --devices, --seed and
 * --without, stopped part way): the tenant is rebuilt at its last day and the syncs continue from its state. With
 * --data, it goes on with the nights OUT/nightly holds (an earlier --data bench with the same --days and --every,
 * stopped part way): the runs it released stay, with the database the last night built (a night stopped midway
 * leaves the last complete build, as a killed `transform` does, and runs again first), and the checkpoints already
 * measured stay in the report (OUT/points.json).
 *
 * --data DIR measures the transform over a history synced before (an earlier run's OUT/data; the syncs are what
 * takes hours at 10,000 devices), so it can be measured again after a change without syncing a year again. Nothing
 * in DIR is written. Its runs are released one day at a time, in order, into OUT/nightly (their manifests copied, the
 * stream folders linked), and `transform --log-level debug` runs there as a nightly cron job would: every --every N
 * days (default 1), and always on the night before a checkpoint and on the checkpoint itself, which is measured as in
 * step 2 above. Every night it ran is a line of OUT/nightly.csv (runs loaded, wall and CPU time, peak RSS, database
 * size) and its log is OUT/night-<day>.log (each model's and check's time). --full also builds each checkpoint's
 * database from scratch. --follow waits for runs not synced yet, so it can follow a --sync-only bench writing DIR:
 *
 *   npm run bench:history -- --devices 10000 --days 365 --sync-only --out out/hist10k &
 *   npm run bench:history -- --data out/hist10k/data --days 30,90,365 --every 30 --follow --out out/nightly10k
 */
import { spawn, spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { defaultCatalog } from '../source/catalog.ts';
import { resolveConfig } from '../source/config.ts';
import { sync } from '../source/sync.ts';
import { startSimulator } from '../simulator/server.ts';

const { values } = parseArgs({
  options: {
    devices: { type: 'string', default: '10000' },
    days: { type: 'string', default: '30,90,365' },
    'no-full': { type: 'boolean', default: false },
    'sync-only': { type: 'boolean', default: false },
    without: { type: 'string' },
    seed: { type: 'string', default: '42' },
    out: { type: 'string', default: 'out/bench-history' },
    data: { type: 'string' },
    every: { type: 'string', default: '1' },
    follow: { type: 'boolean', default: false },
    full: { type: 'boolean', default: false },
    resume: { type: 'boolean', default: false },
    'memory-limit': { type: 'string' },
  },
});
const REPO = resolve(import.meta.dirname, '..');
const CLI = join(REPO, 'dist', 'source', 'cli.js');
const OUT = resolve(REPO, values.out as string);
const DATA = join(OUT, 'data');
const FROM_DATA = values.data === undefined ? undefined : resolve(values.data);
const devices = Number(values.devices);
const checkpoints = (values.days as string)
  .split(',')
  .map(Number)
  .sort((a, b) => a - b);
const lastDay = checkpoints.at(-1) as number;
const every = Number(values.every);
/** Streams left out of the syncs (--without a,b): a reduced stream set, for a history that syncs faster. */
const without = new Set((values.without ?? '').split(',').filter(Boolean));
/** Written at exit into the transform's process: its own peak RSS and CPU time (as bench/run.ts measures). */
const USAGE = `data:text/javascript,${encodeURIComponent(`import { writeFileSync } from 'node:fs';
process.on('exit', () => {
  const u = process.resourceUsage();
  writeFileSync(process.env.BENCH_USAGE_FILE, JSON.stringify({ maxRssKb: u.maxRSS, cpuMs: (u.userCPUTime + u.systemCPUTime) / 1000 }));
});`)}`;

const say = (line: string) => process.stderr.write(`${line}\n`);
const started = Date.now();
const elapsed = () => `${((Date.now() - started) / 60_000).toFixed(1)} min`;

say('building dist/ (npm run build)');
const build = spawnSync('npm', ['run', '--silent', 'build'], { cwd: REPO, stdio: ['ignore', 'inherit', 'inherit'] });
if (build.status !== 0) throw new Error(`npm run build exited ${build.status}`);

/** --resume: the days OUT/data already holds, synced by an earlier run of this bench with the same options. */
const runsBefore = () => (existsSync(join(DATA, '_runs')) ? readdirSync(join(DATA, '_runs')).filter((f) => f.endsWith('.json')).length : 0);
const resumeAfter = values.resume ? runsBefore() : 0;
if (!values.resume) rmSync(OUT, { recursive: true, force: true });
mkdirSync(DATA, { recursive: true });

/** Bytes under a path (files only), leaving out names that match `skip`. */
function bytes(path: string, skip?: RegExp): number {
  const s = statSync(path);
  if (!s.isDirectory()) return s.size;
  let total = 0;
  for (const entry of readdirSync(path)) if (!skip?.test(entry)) total += bytes(join(path, entry), skip);
  return total;
}

/**
 * The bytes a data folder's runs take: each run's manifest and the files it wrote that are still there; with `ext`,
 * only its files of that format (what a fresh bench measures of days 1 and 2).
 */
function runsBytes(dir: string, names: readonly string[], ext?: string): number {
  let total = 0;
  for (const name of names) {
    const manifest = JSON.parse(readFileSync(join(dir, '_runs', name), 'utf8')) as { streams: Record<string, { files: string[] }> };
    if (!ext) total += statSync(join(dir, '_runs', name)).size;
    for (const file of Object.values(manifest.streams).flatMap((s) => s.files))
      if ((!ext || file.endsWith(ext)) && existsSync(join(dir, file))) total += statSync(join(dir, file)).size;
  }
  return total;
}

interface TransformRun {
  wallS: number;
  rawS: number;
  cpuS: number;
  maxRssMb: number;
  stderr: string;
}

async function transform(args: string[], data = DATA): Promise<TransformRun> {
  const usageFile = join(OUT, 'transform.usage.json');
  rmSync(usageFile, { force: true });
  const t0 = performance.now();
  let rawAt = Number.NaN;
  const limit = values['memory-limit'] === undefined ? [] : ['--memory-limit', values['memory-limit']];
  const child = spawn(process.execPath, ['--import', USAGE, CLI, 'transform', '--data', data, '--no-report', ...limit, ...args], {
    cwd: REPO,
    stdio: ['ignore', 'ignore', 'pipe'],
    env: { ...process.env, BENCH_USAGE_FILE: usageFile },
  });
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
    stderr += chunk;
    if (Number.isNaN(rawAt) && / raw: \d+ runs: /.test(stderr)) rawAt = performance.now();
  });
  const code = await new Promise<number | null>((done) => child.on('close', done));
  const wallMs = performance.now() - t0;
  if (code !== 0) throw new Error(`transform ${args.join(' ')} exited ${code}:\n${stderr}`);
  const usage = JSON.parse(readFileSync(usageFile, 'utf8')) as { maxRssKb: number; cpuMs: number };
  return { wallS: wallMs / 1000, rawS: (rawAt - t0) / 1000, cpuS: usage.cpuMs / 1000, maxRssMb: usage.maxRssKb / 1024, stderr };
}

interface Point {
  day: number;
  runs: number;
  incremental: TransformRun;
  full?: TransformRun;
  dbBytes: number;
  filesBytes: number;
}
const points: Point[] = [];
/** The checkpoints measured so far by a --data bench, for --resume. */
const POINTS = join(OUT, 'points.json');
const jsonl = { first: 0, daily: 0 };
const parquet = { first: 0, daily: 0 };
let syncSeconds = 0;
let syncedDays = 0;

// ---------------------------------------------------------------------------------------------------------------------
// The report

/** The report so far: written after every checkpoint, so a bench cut short still leaves its figures. */
function writeReport(final: boolean): string {
  const mb = (n: number) => (n / 1024 ** 2).toFixed(n < 100 * 1024 ** 2 ? 1 : 0);
  const gb = (n: number) => (n / 1024 ** 3).toFixed(2);
  const s1 = (n: number) => n.toFixed(1);
  const table = (header: string[], rows: string[][]) =>
    [
      `| ${header.join(' | ')} |`,
      `| ${header.map((_, i) => (i === 0 ? '---' : '---:')).join(' | ')} |`,
      ...rows.map((r) => `| ${r.join(' | ')} |`),
    ].join('\n');
  const cpus = os.cpus();
  const year = (first: number, daily: number) => first + 364 * daily;
  const base = points[0];
  /** The checkpoints' transforms (none in a --sync-only report). */
  const transformTable = () =>
    [
      `### transform after N daily syncs${FROM_DATA ? ` (${FROM_DATA})` : ` (${devices.toLocaleString('en-US')} devices)`}`,
      '',
      table(
        [
          'days',
          'nightly transform s',
          'of which raw load s',
          'peak RSS MB',
          'CPU s',
          'full rebuild s',
          'of which raw load s',
          'full peak RSS MB',
          'full CPU s',
          'database MB',
          'data files MB',
          'nightly / at first point (wall, CPU)',
        ],
        points.map((p) => [
          String(p.day),
          s1(p.incremental.wallS),
          s1(p.incremental.rawS),
          mb(p.incremental.maxRssMb * 1024 ** 2),
          s1(p.incremental.cpuS),
          p.full ? s1(p.full.wallS) : '',
          p.full ? s1(p.full.rawS) : '',
          p.full ? mb(p.full.maxRssMb * 1024 ** 2) : '',
          p.full ? s1(p.full.cpuS) : '',
          mb(p.dbBytes),
          mb(p.filesBytes),
          base
            ? `${(p.incremental.wallS / base.incremental.wallS).toFixed(2)}×, ${(p.incremental.cpuS / base.incremental.cpuS).toFixed(2)}×`
            : '',
        ]),
      ),
    ].join('\n');
  const minutes = `${(syncSeconds / 60).toFixed(1)} min`;
  const syncs =
    resumeAfter === 0
      ? `${syncedDays} daily syncs took ${minutes}`
      : syncedDays > resumeAfter
        ? `Resumed after day ${resumeAfter}: days ${resumeAfter + 1}–${syncedDays} took ${minutes}`
        : `Resumed after day ${resumeAfter}: no day was left to sync`;
  // Without --memory-limit each transform took the CLI's own (2GB nightly; more for a build over every run).
  const limitFlag = values['memory-limit'] ? ` --memory-limit ${values['memory-limit']}` : '';
  const lines = [
    `Machine: ${cpus.length} CPUs (${cpus[0]?.model.trim() ?? '?'}), ${(os.totalmem() / 1024 ** 3).toFixed(1)} GiB memory, Node ${process.version}; load average at the end ${os
      .loadavg()
      .map((l) => l.toFixed(2))
      .join(' ')}.`,
    FROM_DATA
      ? `Command: npm run bench:history -- --data ${values.data} --days ${checkpoints.join(',')} --every ${every}${values.follow ? ' --follow' : ''}${values.full ? ' --full' : ''}${values.resume ? ' --resume' : ''}${limitFlag}: the history synced earlier, released a day at a time and transformed every ${every} day(s) and on the night before each checkpoint; "full rebuild" is a build from scratch over the same D runs. Every night's figures: ${join(OUT, 'nightly.csv')}. The whole bench ${elapsed()}.`
      : `Command: npm run bench:history -- --devices ${devices} --days ${checkpoints.join(',')}${values['no-full'] ? ' --no-full' : ''}${values['sync-only'] ? ' --sync-only' : ''}${values.resume ? ' --resume' : ''}${without.size > 0 ? ` --without ${[...without].join(',')}` : ''}${limitFlag}. Seed ${values.seed}. ${syncs}; the whole bench ${elapsed()}.`,
    ...(values['sync-only'] ? [] : ['', transformTable()]),
    '',
    '### Disk per run and per year (files only; the database apart)',
    '',
    table(
      ['format', 'first full sync MB', 'a daily sync MB', 'a year (first + 364 daily) GB'],
      [
        ['Parquet (default)', mb(parquet.first), mb(parquet.daily), gb(year(parquet.first, parquet.daily))],
        // JSONL is measured only where this bench synced the days itself (not with --data).
        ...(jsonl.first > 0 ? [['JSONL', mb(jsonl.first), mb(jsonl.daily), gb(year(jsonl.first, jsonl.daily))]] : []),
      ],
    ),
    // Measured, not projected: what the synced history takes now.
    ...(values['sync-only'] && existsSync(join(DATA, '_runs'))
      ? [
          '',
          `The data folder holds ${readdirSync(join(DATA, '_runs')).filter((f) => f.endsWith('.json')).length} runs in ${gb(bytes(DATA, /^kandji\.duckdb/))} GB (GiB: bytes / 1024³).`,
        ]
      : []),
  ];
  const last = points.at(-1);
  if (last && base) {
    lines.push(
      '',
      '### Targets',
      '',
      table(
        ['target', 'measured', 'met'],
        [
          [
            `transform after ${last.day} days ≤ 5 minutes`,
            `${s1(last.incremental.wallS)} s`,
            last.incremental.wallS <= 300 ? 'yes' : '**NOT MET**',
          ],
          [
            `transform after ${last.day} days ≤ 4 GB peak RSS`,
            `${mb(last.incremental.maxRssMb * 1024 ** 2)} MB`,
            last.incremental.maxRssMb <= 4096 ? 'yes' : '**NOT MET**',
          ],
          [
            `transform after ${last.day} days ≤ 3× its time after ${base.day}`,
            `${(last.incremental.wallS / base.incremental.wallS).toFixed(2)}×`,
            last.incremental.wallS <= 3 * base.incremental.wallS ? 'yes' : '**NOT MET**',
          ],
        ],
      ),
    );
  }
  if (!final) lines.push('', `(partial: the bench is still running; ${elapsed()} so far)`);
  const report = `${lines.join('\n')}\n`;
  writeFileSync(join(OUT, 'report.md'), report);
  return report;
}

/**
 * Measure the checkpoints on a history synced earlier (--data): see the header. The runs are released into a folder
 * of its own one day at a time, in order (their manifests copied, the stream folders linked), and `transform` runs
 * there as a nightly cron job would: every --every days, and always on the night before a checkpoint and on the
 * checkpoint itself, which is measured. With --follow, a run not synced yet is waited for (a sync-only bench writing
 * DIR at the same time).
 */
async function measureSynced(source: string): Promise<void> {
  const manifestsNow = () =>
    existsSync(join(source, '_runs'))
      ? readdirSync(join(source, '_runs'))
          .filter((f) => f.endsWith('.json'))
          .sort()
      : [];
  const view = join(OUT, 'nightly');
  const released =
    values.resume && existsSync(join(view, '_runs')) ? readdirSync(join(view, '_runs')).filter((f) => f.endsWith('.json')) : [];
  if (released.length === 0) rmSync(view, { recursive: true, force: true });
  mkdirSync(join(view, '_runs'), { recursive: true });
  const linked = new Set(readdirSync(view).filter((name) => !name.startsWith('_') && name !== 'kandji.duckdb'));
  const csv = join(OUT, 'nightly.csv');
  const nights: string[] =
    released.length > 0 && existsSync(csv)
      ? readFileSync(csv, 'utf8').trimEnd().split('\n')
      : ['day,runs loaded,wall s,cpu s,peak rss MB,database MB'];
  if (released.length > 0) {
    const sources = manifestsNow();
    if (released.some((name, i) => sources[i] !== name))
      throw new Error(`${view} holds runs that are not the first ${released.length} of ${source}: start again without --resume`);
    parquet.first = runsBytes(source, sources.slice(0, 1), '.parquet');
    if (sources.length > 1) parquet.daily = runsBytes(source, sources.slice(1, 2), '.parquet');
    if (existsSync(POINTS)) points.push(...(JSON.parse(readFileSync(POINTS, 'utf8')) as Point[]));
    say(`resuming after night ${released.length} (${view} holds ${released.length} runs)`);
    // The last night may have been stopped midway: it runs again first, so the next night reads one run, as before.
    const again = await transform([], view);
    const loaded = /raw: \d+ runs: (\d+) loaded/.exec(again.stderr)?.[1] ?? '0';
    say(`night ${released.length} again: ${again.wallS.toFixed(1)} s, ${loaded} run${loaded === '1' ? '' : 's'} loaded`);
  }
  for (let day = released.length + 1; day <= lastDay; day++) {
    let manifests = manifestsNow();
    while (manifests.length < day) {
      if (!values.follow)
        throw new Error(`${source} holds ${manifests.length} runs, fewer than day ${lastDay} needs (--follow waits for them)`);
      await new Promise((done) => setTimeout(done, 5_000));
      manifests = manifestsNow();
    }
    for (const entry of readdirSync(source, { withFileTypes: true }))
      if (entry.isDirectory() && !entry.name.startsWith('_') && !linked.has(entry.name)) {
        symlinkSync(join(source, entry.name), join(view, entry.name));
        linked.add(entry.name);
      }
    const name = manifests[day - 1] as string;
    copyFileSync(join(source, '_runs', name), join(view, '_runs', name));
    if (day === 1) parquet.first = runsBytes(source, [name], '.parquet');
    if (day === 2) parquet.daily = runsBytes(source, [name], '.parquet');
    const checkpoint = checkpoints.includes(day);
    if (!(checkpoint || checkpoints.includes(day + 1) || day % every === 0)) continue;
    const run = await transform(['--log-level', 'debug'], view);
    // Each night's log, with every model's and check's time: where the time goes after a year.
    writeFileSync(join(OUT, `night-${day}.log`), run.stderr);
    const loaded = Number(/raw: \d+ runs: (\d+) loaded/.exec(run.stderr)?.[1] ?? 0);
    const dbBytes = bytes(join(view, 'kandji.duckdb'));
    nights.push(
      [day, loaded, run.wallS.toFixed(1), run.cpuS.toFixed(1), run.maxRssMb.toFixed(0), (dbBytes / 1024 ** 2).toFixed(0)].join(','),
    );
    writeFileSync(join(OUT, 'nightly.csv'), `${nights.join('\n')}\n`);
    say(
      `day ${day}: transform (${loaded} new run${loaded === 1 ? '' : 's'}) ${run.wallS.toFixed(1)} s, ${run.cpuS.toFixed(1)} s CPU, ${run.maxRssMb.toFixed(0)} MB, database ${(dbBytes / 1024 ** 2).toFixed(0)} MB (${elapsed()})`,
    );
    if (!checkpoint) continue;
    let full: TransformRun | undefined;
    if (values.full) {
      full = await transform(['--full-rebuild', '--db', join(OUT, 'full.duckdb')], view);
      say(`  from scratch over ${day} runs: ${full.wallS.toFixed(1)} s, ${full.cpuS.toFixed(1)} s CPU, ${full.maxRssMb.toFixed(0)} MB`);
      rmSync(join(OUT, 'full.duckdb'), { force: true });
    }
    points.push({
      day,
      runs: day,
      incremental: run,
      ...(full ? { full } : {}),
      dbBytes,
      filesBytes: runsBytes(source, manifests.slice(0, day)),
    });
    writeFileSync(POINTS, JSON.stringify(points));
    writeReport(false);
  }
}

if (FROM_DATA) {
  await measureSynced(FROM_DATA);
  process.stdout.write(writeReport(true));
  process.exit(0);
}

/** Resuming, the tenant listens where the history was read from: the folder's state names that host, as it would a real one. */
const resumePort = (): number => {
  const host = /"api_host":\s*"[^"]*:(\d+)"/.exec(readFileSync(join(DATA, 'state.json'), 'utf8'))?.[1];
  if (!host) throw new Error(`${DATA}/state.json names no api_host to resume from`);
  return Number(host);
};
const sim = await startSimulator({
  devices,
  seed: Number(values.seed),
  keepLog: false,
  rateLimit: { perSecond: 1e9, perHour: 1e9 },
  ...(resumeAfter > 0 ? { port: resumePort() } : {}),
});
const config = resolveConfig({
  api_url: sim.url,
  api_token: sim.token,
  device_details_max_per_sync: 100_000,
  request_budget_share: 1,
});

try {
  // The tenant is a function of its seed and its clock (simulator/random.ts: keyed, stateless randomness), so the day an
  // earlier bench stopped at is rebuilt by moving the clock as it did; the sync goes on from that day's state.json.
  for (let day = 2; day <= resumeAfter; day++) sim.advance(24);
  if (resumeAfter > 0) {
    say(`resuming after day ${resumeAfter} (${DATA} holds ${resumeAfter} runs)`);
    // Days 1 and 2 were synced before: their Parquet sizes from their files (their JSONL files, measured then, are gone).
    const names = readdirSync(join(DATA, '_runs'))
      .filter((f) => f.endsWith('.json'))
      .sort();
    parquet.first = runsBytes(DATA, names.slice(0, 1), '.parquet');
    if (names.length > 1) parquet.daily = runsBytes(DATA, names.slice(1, 2), '.parquet');
  }
  for (let day = resumeAfter + 1; day <= lastDay; day++) {
    if (day > 1) sim.advance(24);
    const format = day <= 2 ? 'both' : 'parquet';
    const t0 = performance.now();
    const { manifest } = await sync({
      config,
      outDir: DATA,
      format,
      ...(without.size > 0 ? { catalog: defaultCatalog((s) => !without.has(s)) } : {}),
    });
    syncSeconds += (performance.now() - t0) / 1000;
    syncedDays = day;
    if (manifest.status !== 'complete') throw new Error(`day ${day}: the sync ended ${manifest.status}`);
    if (day <= 2) {
      // What this run costs in each format; then its JSONL files go (its Parquet files and manifest stay).
      const files = Object.values(manifest.streams).flatMap((s) => s.files);
      const size = (ext: string) => files.filter((f) => f.endsWith(ext)).reduce((n, f) => n + statSync(join(DATA, f)).size, 0);
      const which = day === 1 ? 'first' : 'daily';
      jsonl[which] = size('.jsonl');
      parquet[which] = size('.parquet');
      for (const f of files) if (f.endsWith('.jsonl')) rmSync(join(DATA, f));
      // The sizes per run are in the report from now on, even if the bench is stopped before its last day.
      if (day === 2) writeReport(false);
    }
    if (day % 10 === 0) say(`day ${day}/${lastDay} synced (${elapsed()})`);
    if (values['sync-only']) continue;
    if (checkpoints.includes(day + 1) && day + 1 > 1) {
      say(`day ${day}: the night before a checkpoint: transform (not measured)`);
      await transform([]);
    }
    if (!checkpoints.includes(day)) continue;
    say(`day ${day}: measured transform (${elapsed()})`);
    const incremental = await transform([]);
    say(
      `  incremental: ${incremental.wallS.toFixed(1)} s, raw loaded at ${incremental.rawS.toFixed(1)} s, ${incremental.maxRssMb.toFixed(0)} MB`,
    );
    let full: TransformRun | undefined;
    if (!values['no-full']) {
      full = await transform(['--full-rebuild', '--db', join(OUT, 'full.duckdb')]);
      say(`  full rebuild: ${full.wallS.toFixed(1)} s, raw loaded at ${full.rawS.toFixed(1)} s, ${full.maxRssMb.toFixed(0)} MB`);
      rmSync(join(OUT, 'full.duckdb'), { force: true });
    }
    points.push({
      day,
      runs: Number(/raw: (\d+) runs/.exec(incremental.stderr)?.[1] ?? 0),
      incremental,
      ...(full ? { full } : {}),
      dbBytes: bytes(join(DATA, 'kandji.duckdb')),
      filesBytes: bytes(DATA, /^kandji\.duckdb/),
    });
    writeReport(false);
  }
} finally {
  await sim.close();
}
process.stdout.write(writeReport(true));
