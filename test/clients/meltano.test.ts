/**
 * Meltano 4.4.1 (python/meltano.txt) runs examples/meltano.yml as it is, `meltano run tap-kandji target-jsonl`, in a
 * fresh project against the simulated tenant: the connector in Singer mode as found on PATH, the loader target-jsonl
 * 0.1.4 that `npm run setup` installed through Meltano (its definition from the lock file beside the example, as
 * `meltano lock` writes it, because Meltano Hub is out of reach here). Judged against the connector's own read:
 * the same records per stream; Meltano keeps the bookmarks, so a second run reads nothing new from the incremental
 * streams, and after a simulated day exactly what the connector's own incremental read finds. audit_events is
 * FULL_TABLE in the example's metadata and device_apps.signature deselected: both are checked too.
 */
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSimulator, type Simulator } from '../../simulator/server.ts';
import { STREAMS } from '../../streams/index.ts';
import { REPO } from '../support/cli.ts';
import { catalogFile, configFile, run, stateFile, type ReadOutput } from '../support/connector.ts';
import { clientEnv, connectorExecutable, runTool, SETUP_COMMAND, tail } from './support.ts';

const env = clientEnv('meltano');
const LOADER = join(REPO, '.venv', 'meltano-project', '.meltano', 'loaders', 'target-jsonl');
const loaderMissing = existsSync(join(LOADER, 'venv', 'bin', 'target-jsonl'))
  ? undefined
  : `Meltano's target-jsonl is not installed; run ${SETUP_COMMAND}`;
if (loaderMissing && !env.missing && process.env.SOURCE_KANDJI_NO_SKIP === '1') throw new Error(loaderMissing);
const missing = env.missing ?? loaderMissing;
/** Streams the example reads incrementally: those with a cursor, but audit_events, which its metadata makes FULL_TABLE. */
const incremental = STREAMS.filter((s) => s.cursor && s.name !== 'audit_events').map((s) => s.name);
const fullTable = STREAMS.map((s) => s.name).filter((name) => !incremental.includes(name));

interface MeltanoRun {
  /** Records per stream the loader wrote in this run. */
  counts: Record<string, number>;
  records: Map<string, any[]>;
  bookmarks: Record<string, any>;
}

describe.skipIf(missing)(`Meltano 4.4.1 runs examples/meltano.yml${missing ? ` (skipped: ${missing})` : ''}`, () => {
  let sim: Simulator;
  let project: string;
  let toolEnv: Record<string, string>;
  let own: ReadOutput;
  const runs: MeltanoRun[] = [];
  let ownUnchanged: ReadOutput;
  let ownAfterDay: ReadOutput;

  async function meltano(...args: string[]) {
    const out = await runTool(join(env.bin, 'meltano'), args, { cwd: project, env: toolEnv });
    expect(out.code, tail(out.stderr)).toBe(0);
    return out;
  }

  async function meltanoRun(n: number): Promise<MeltanoRun> {
    const destination = join(project, `output-${n}`);
    mkdirSync(destination);
    await runTool(join(env.bin, 'meltano'), ['run', '--no-install', 'tap-kandji', 'target-jsonl'], {
      cwd: project,
      env: { ...toolEnv, TARGET_JSONL_DESTINATION_PATH: destination },
    }).then((out) => expect(out.code, tail(out.stderr)).toBe(0));
    const records = new Map<string, any[]>();
    for (const file of readdirSync(destination)) {
      const lines = readFileSync(join(destination, file), 'utf8').split('\n').filter(Boolean);
      records.set(
        file.replace(/\.jsonl$/, ''),
        lines.map((l) => JSON.parse(l)),
      );
    }
    const state = JSON.parse((await meltano('state', 'get', 'dev:tap-kandji-to-target-jsonl')).stdout.trim().split('\n').at(-1) as string);
    return {
      counts: Object.fromEntries([...records].map(([name, list]) => [name, list.length])),
      records,
      bookmarks: state.singer_state.bookmarks,
    };
  }

  beforeAll(async () => {
    sim = await startSimulator({ devices: 60, seed: 43, rateLimit: { perSecond: 100_000, perHour: 1_000_000 }, keepLog: false });
    project = mkdtempSync(join(tmpdir(), 'meltano-'));
    cpSync(join(REPO, 'examples', 'meltano.yml'), join(project, 'meltano.yml'));
    cpSync(join(REPO, 'examples', 'plugins'), join(project, 'plugins'), { recursive: true });
    mkdirSync(join(project, '.meltano', 'loaders'), { recursive: true });
    symlinkSync(LOADER, join(project, '.meltano', 'loaders', 'target-jsonl'));
    const bin = connectorExecutable().dir;
    toolEnv = {
      PATH: `${bin}:${process.env.PATH}`,
      TAP_KANDJI_API_URL: sim.url,
      TAP_KANDJI_API_TOKEN: sim.token,
      MELTANO_SEND_ANONYMOUS_USAGE_STATS: 'false',
    };
    // The example's settings are the spec's defaults (the lookback, the weekly full re-reads…): the own reads take them too.
    const spec = JSON.parse(readFileSync(join(REPO, 'spec.json'), 'utf8')).connectionSpecification.properties as Record<
      string,
      { default?: unknown }
    >;
    const defaults = Object.fromEntries(Object.entries(spec).flatMap(([name, p]) => (p.default === undefined ? [] : [[name, p.default]])));
    const config = configFile(sim, defaults);
    // The connector's own reads, chained on their own state exactly as Meltano chains its runs.
    own = await run(['read', '--config', config, '--catalog', catalogFile()]);
    runs.push(await meltanoRun(1));
    ownUnchanged = await run(['read', '--config', config, '--catalog', catalogFile(), '--state', stateFile(own.finalState)]);
    runs.push(await meltanoRun(2));
    sim.advance(24);
    runs.push(await meltanoRun(3));
    ownAfterDay = await run(['read', '--config', config, '--catalog', catalogFile(), '--state', stateFile(ownUnchanged.finalState)]);
  }, 600_000);
  afterAll(async () => {
    await sim?.close();
  });

  it('the first run loads every stream with the records of the connector’s own read', () => {
    expect(own.code, own.stderr).toBe(0);
    const expected = Object.fromEntries([...own.records].map(([name, list]) => [name, list.length]));
    expect(runs[0]?.counts).toEqual(expected);
  });

  it('the example’s selection holds: device_apps without signature, keys kept', () => {
    const apps = runs[0]?.records.get('device_apps') ?? [];
    expect(apps.length).toBeGreaterThan(100);
    expect(apps.some((r) => 'signature' in r)).toBe(false);
    expect(apps.every((r) => typeof r.device_id === 'string' && 'bundle_id' in r && 'updated_at' in r)).toBe(true);
  });

  it('Meltano keeps a bookmark per incremental stream, and the second run on an unchanged tenant reads what the connector’s own second read does', () => {
    expect(ownUnchanged.code, ownUnchanged.stderr).toBe(0);
    for (const name of incremental) expect(runs[0]?.bookmarks[name], name).toBeDefined();
    for (const name of incremental) expect(runs[1]?.counts[name] ?? 0, name).toBe(ownUnchanged.records.get(name)?.length ?? 0);
    // Incremental: the Prism streams read nothing new (some other cursors re-read their boundary).
    for (const name of incremental.filter((n) => STREAMS.find((s) => s.name === n)?.plan.kind === 'prism'))
      expect(runs[1]?.counts[name] ?? 0, name).toBe(0);
    for (const name of fullTable) expect(runs[1]?.counts[name], name).toBe(runs[0]?.counts[name]);
  });

  it('after a simulated day the third run reads exactly what the connector’s own incremental read finds', () => {
    expect(ownAfterDay.code, ownAfterDay.stderr).toBe(0);
    const changed = incremental.filter((name) => (ownAfterDay.records.get(name)?.length ?? 0) > 0);
    expect(changed.length).toBeGreaterThan(3);
    for (const name of incremental) expect(runs[2]?.counts[name] ?? 0, name).toBe(ownAfterDay.records.get(name)?.length ?? 0);
    expect(runs[2]?.bookmarks.device_information).not.toEqual(runs[0]?.bookmarks.device_information);
  });
});
