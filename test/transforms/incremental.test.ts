/**
 * The transform keeps its raw layer between runs and reads only new or changed runs' files (issue #15). Whatever
 * happens to the data directory between transforms, the database must hold the same rows as one built from
 * scratch over the same files:
 *
 *   - a transform after every simulated day (incremental), and after a second sync on one day, == one full build at
 *     the end, in every schema;
 *   - a rerun reads no file and adds no row; a failed sync's run is loaded as a full build loads it;
 *   - a run whose files were re-written is read again, a run whose manifest was removed loses its rows;
 *   - a transform killed midway leaves the last good models in place, and the next removes what it left beside them;
 *   - a database another process holds open is reported busy (exit 75), and nothing is changed.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, unlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSimulator, type Simulator } from '../../simulator/server.ts';
import { defaultCatalog } from '../../source/catalog.ts';
import { runTransform } from '../../transforms/run.ts';
import { CLI, REPO, runCli } from '../support/cli.ts';
import { differences, dump, query, syncSim } from './helpers.ts';

const ALL = ['raw', 'staging', 'intermediate', 'snapshots', 'marts'];

describe('incremental transform', () => {
  let sim: Simulator;
  let dir: string;
  const lines: string[] = [];
  const say = (line: string) => lines.push(line);
  /** The raw line of each incremental transform. */
  const rawLines: string[] = [];

  const transform = async (options: { full?: boolean; dbPath?: string } = {}) => {
    lines.length = 0;
    const result = await runTransform({ dataDir: dir, say, ...options });
    rawLines.push(lines.find((l) => l.startsWith('raw: ') && l.includes(' runs: ')) ?? '');
    return result;
  };

  beforeAll(async () => {
    sim = await startSimulator({
      devices: 150,
      seed: 31,
      dailyChangeRate: 0.25,
      rateLimit: { perSecond: 100_000, perHour: 10_000_000 },
      keepLog: false,
    });
    dir = mkdtempSync(join(tmpdir(), 'kandji-incremental-'));
  }, 60_000);

  afterAll(async () => {
    await sim?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('after a transform each day, holds the same rows as a full build over the same files', async () => {
    const statuses: string[] = [];
    for (let day = 1; day <= 6; day++) {
      if (day > 1) sim.advance(24);
      // Day 3's sync fails (a token without the Users permission): its rows are loaded, as a full build loads them.
      const token =
        day === 3
          ? sim.addToken(['Device list', 'Device details', 'Prism', 'Blueprints', 'Library items', 'Audit log', 'Tags'])
          : undefined;
      // Every stream asked for, so the token's missing permission fails the sync (without a catalog, sync reads only
      // the streams the token can read).
      statuses.push((await syncSim(sim, dir, { format: 'both', ...(token ? { token, catalog: defaultCatalog() } : {}) })).status);
      await transform();
      if (day === 4) {
        // A second sync the same day, an hour later (a cron user's retry): that day is built again from both runs.
        sim.advance(1);
        statuses.push((await syncSim(sim, dir, { format: 'both' })).status);
        await transform();
      }
    }
    expect(statuses).toEqual(['complete', 'complete', 'failed', 'complete', 'complete', 'complete', 'complete']);
    // Each transform read only the day's new run.
    expect(rawLines[0]).toMatch(/^raw: 1 runs: 1 loaded from \d+ files, 0 kept/);
    expect(rawLines[6]).toMatch(/^raw: 7 runs: 1 loaded from \d+ files, 6 kept/);

    // A rerun: nothing read, nothing added.
    const before = await query(join(dir, 'kandji.duckdb'), `select count(*)::integer as n from raw.device_apps`);
    await transform();
    expect(rawLines.at(-1)).toMatch(/^raw: 7 runs: 0 loaded from 0 files, 7 kept/);
    expect(await query(join(dir, 'kandji.duckdb'), `select count(*)::integer as n from raw.device_apps`)).toEqual(before);

    const full = await transform({ full: true, dbPath: join(dir, 'full.duckdb') });
    expect(rawLines.at(-1)).toMatch(/^raw: 7 runs: 7 loaded/);
    expect(await differences(join(dir, 'kandji.duckdb'), full.dbPath, ALL)).toEqual({});
  }, 300_000);

  it('reads a run again when its files change, and drops a run whose manifest is gone', async () => {
    const runs = readdirSync(join(dir, '_runs')).sort();
    const second = (runs[1] as string).replace(/\.json$/, '');
    const last = (runs.at(-1) as string).replace(/\.json$/, '');
    // The second run's Parquet files are deleted: that run is now read from its JSONL files.
    for (const stream of readdirSync(dir)) {
      const parquet = join(dir, stream, `${second}.parquet`);
      if (existsSync(parquet)) unlinkSync(parquet);
    }
    // The last run's devices file is re-written with one device fewer (a newer mtime and size).
    const devices = join(dir, 'devices', `${last}.jsonl`);
    unlinkSync(devices.replace(/\.jsonl$/, '.parquet'));
    const text = readFileSync(devices, 'utf8').trim().split('\n');
    writeFileSync(devices, `${text.slice(1).join('\n')}\n`);
    utimesSync(devices, new Date(), new Date(Date.now() + 5_000));
    // The first run's manifest is removed: its rows go.
    const first = (runs[0] as string).replace(/\.json$/, '');
    rmSync(join(dir, '_runs', `${first}.json`));

    await transform();
    expect(rawLines.at(-1)).toMatch(/^raw: 6 runs: 2 loaded from \d+ files, 4 kept from the last transform, 1 removed/);
    const full = await transform({ full: true, dbPath: join(dir, 'full-2.duckdb') });
    expect(await differences(join(dir, 'kandji.duckdb'), full.dbPath, ALL)).toEqual({});
    const [{ n }] = (await query(
      join(dir, 'kandji.duckdb'),
      `select count(*)::integer as n from raw.devices where _run_id = '${first}'`,
    )) as [{ n: number }];
    expect(n).toBe(0);
  }, 300_000);

  it('a transform killed midway leaves the last good models in place, and the next one removes its leftovers', async () => {
    const db = join(dir, 'kandji.duckdb');
    const MODELS = ['staging', 'intermediate', 'snapshots', 'marts'];
    // The model tables, without what a build leaves beside them (its __next and __new tables).
    const models = async () => Object.fromEntries(Object.entries(await dump(db, MODELS)).filter(([id]) => !/__(next|new)$/.test(id)));
    const good = await models();
    sim.advance(24);
    await syncSim(sim, dir, { format: 'both' });
    // Kill the CLI's transform once every tenant's models are built beside the live ones, before the swap.
    const child = spawn(process.execPath, [CLI, 'transform', '--data', dir, '--no-report'], {
      cwd: REPO,
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
      stderr += chunk;
      if (/models: \d+ built/.test(stderr)) child.kill('SIGKILL');
    });
    await new Promise((done) => child.on('close', done));
    expect(stderr).toMatch(/raw: 7 runs: 1 loaded/);
    const leftovers = `select count(*)::integer as n from duckdb_tables() where regexp_matches(table_name, '__(next|new)$')`;
    expect((await query(db, leftovers))[0]?.n).toBeGreaterThan(0);
    // The models are the last good build's, to the row (what the build left beside them apart): the new run is in the
    // raw layer only.
    expect(await models()).toEqual(good);

    const result = await transform();
    expect((await query(db, leftovers))[0]?.n).toBe(0);
    // The killed transform's raw load stands (nothing is read again), and the models are built from the new run.
    expect(rawLines.at(-1)).toMatch(/^raw: 7 runs: 0 loaded from 0 files, 7 kept/);
    expect(lines.some((l) => /^incremental: \d+ of \d+ incremental tables kept, rebuilt from /.test(l))).toBe(true);
    const full = await transform({ full: true, dbPath: join(dir, 'full-3.duckdb') });
    expect(await differences(result.dbPath, full.dbPath, ALL)).toEqual({});
  }, 300_000);

  it('a database open in another process is reported busy, and nothing is changed', async () => {
    const db = join(dir, 'kandji.duckdb');
    const before = statSync(db).mtimeMs;
    // Another process (a BI tool) holds the database open.
    const holder = spawn(
      process.execPath,
      [
        '--input-type=module',
        '-e',
        `import { DuckDBInstance } from '@duckdb/node-api'; await DuckDBInstance.create(${JSON.stringify(db)}); console.log('open'); setTimeout(() => {}, 60000);`,
      ],
      { cwd: REPO, stdio: ['ignore', 'pipe', 'inherit'] },
    );
    try {
      await new Promise<void>((done) => holder.stdout.on('data', () => done()));
      const { code, stderr } = await runCli(['transform', '--data', dir, '--no-report'], { text: true });
      expect(code).toBe(75);
      expect(stderr).toContain(`${db} is open in another process (PID ${holder.pid})`);
      expect(stderr).toMatch(/Close that connection .* and run transform again; nothing was changed/);
      expect(statSync(db).mtimeMs).toBe(before);
    } finally {
      holder.kill('SIGKILL');
    }
  }, 120_000);
});
