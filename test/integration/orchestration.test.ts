/**
 * The shell parts of docs/orchestration.md, run for real: examples/cron-sync.sh against the simulated tenant, three
 * times. The first run writes a catalog and a state; the second, on an unchanged tenant, reads nothing new from
 * the incremental streams and leaves their bookmarks where they were; after a simulated day the third reads the
 * changes and moves them forward. The state file is always the last STATE per stream, as an Airbyte state array.
 * Also the acceptance-test inputs in integration_tests/, used as CAT would use them.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { startSimulator, type Simulator } from '../../simulator/server.ts';
import { parseState } from '../../state/input.ts';
import { STREAMS } from '../../streams/index.ts';
import { CLI, REPO } from '../support/cli.ts';
import { allOutputs, configFile, expectNoToken, run } from '../support/connector.ts';

const SCRIPT = join(REPO, 'examples', 'cron-sync.sh');
const incremental = STREAMS.filter((s) => s.cursor?.field);
const hasFlock = spawnSync('sh', ['-c', 'command -v flock']).status === 0;
const hasPython = spawnSync('python3', ['--version']).status === 0;

interface ScriptRun {
  code: number | null;
  stderr: string;
  /** The messages of the output file this run wrote. */
  messages: any[];
  state: any[];
}

function cronSync(dir: string): Promise<ScriptRun> {
  const before = new Set(existsSync(join(dir, 'out')) ? readdirSync(join(dir, 'out')) : []);
  return new Promise((resolve, reject) => {
    // The script runs `node` for its JSON steps: the test's own Node comes first on PATH.
    const env = { ...process.env, PATH: `${dirname(process.execPath)}:${process.env.PATH}`, SOURCE_KANDJI: `${process.execPath} ${CLI}` };
    const child = spawn('bash', [SCRIPT, dir], { env, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => {
      const written = readdirSync(join(dir, 'out')).filter((f) => !before.has(f));
      expect(written, stderr).toHaveLength(1);
      const lines = readFileSync(join(dir, 'out', written[0] as string), 'utf8')
        .split('\n')
        .filter(Boolean);
      resolve({
        code,
        stderr,
        messages: lines.map((l) => JSON.parse(l)),
        state: JSON.parse(readFileSync(join(dir, 'state.json'), 'utf8')),
      });
    });
  });
}

const recordsOf = (out: ScriptRun, stream: string) => out.messages.filter((m) => m.type === 'RECORD' && m.record.stream === stream).length;
const cursorOf = (state: any[], stream: string) => {
  const spec = STREAMS.find((s) => s.name === stream)!;
  return state.find((s) => s.stream.stream_descriptor.name === stream)?.stream.stream_state[spec.cursor?.field as string] as
    | string
    | undefined;
};

describe('examples/cron-sync.sh against the simulated tenant', () => {
  let sim: Simulator;
  let dir: string;
  let first: ScriptRun;
  let second: ScriptRun;

  beforeAll(async () => {
    sim = await startSimulator({ devices: 300, seed: 23, rateLimit: { perSecond: 100_000, perHour: 1_000_000 }, keepLog: false });
    dir = mkdtempSync(join(tmpdir(), 'cron-sync-'));
    writeFileSync(join(dir, 'config.json'), readFileSync(configFile(sim)));
    first = await cronSync(dir);
    second = await cronSync(dir);
  }, 120_000);
  afterAll(async () => {
    // Neither what the script printed nor any file it wrote may contain the token.
    for (const f of readdirSync(join(dir, 'out'))) allOutputs.push(readFileSync(join(dir, 'out', f), 'utf8'));
    allOutputs.push(readFileSync(join(dir, 'state.json'), 'utf8'), first.stderr, second.stderr);
    expectNoToken(sim.token);
    await sim.close();
  });

  it('the first run writes a catalog of every stream, the records, and a state for every stream', () => {
    expect(first.code, first.stderr).toBe(0);
    const catalog = JSON.parse(readFileSync(join(dir, 'catalog.json'), 'utf8'));
    expect(catalog.streams.map((s: any) => s.stream.name)).toEqual(STREAMS.map((s) => s.name));
    expect(recordsOf(first, 'devices')).toBe(300);
    expect(() => parseState(first.state)).not.toThrow();
    expect(first.state.map((s) => s.stream.stream_descriptor.name).sort()).toEqual(STREAMS.map((s) => s.name).sort());
    for (const spec of incremental) expect(cursorOf(first.state, spec.name), spec.name).toMatch(/^\d{4}-\d{2}-\d{2}T/);
    // The state file is exactly the last STATE per stream of the run.
    const last = new Map<string, any>();
    for (const m of first.messages) if (m.type === 'STATE') last.set(m.state.stream.stream_descriptor.name, m.state.stream);
    for (const s of first.state) expect(s.stream).toEqual(last.get(s.stream.stream_descriptor.name));
    expect(first.stderr).toMatch(/cron-sync: .* exit 0, \d+ records in /);
    expect(existsSync(join(dir, 'state.json.tmp'))).toBe(false);
  });

  it('the second run, on an unchanged tenant, reads nothing new from incremental streams', () => {
    expect(second.code, second.stderr).toBe(0);
    for (const spec of incremental) expect(recordsOf(second, spec.name), spec.name).toBe(0);
    expect(recordsOf(second, 'devices')).toBe(300);
    for (const spec of incremental) expect(cursorOf(second.state, spec.name), spec.name).toBe(cursorOf(first.state, spec.name));
  });

  it('after a simulated day the state advances past the first run’s and the changes are read', async () => {
    sim.advance(24);
    const third = await cronSync(dir);
    expect(third.code, third.stderr).toBe(0);
    expect(recordsOf(third, 'device_information')).toBeGreaterThan(0);
    expect(recordsOf(third, 'device_information')).toBeLessThan(300);
    for (const name of ['device_information', 'audit_events'])
      expect(Date.parse(cursorOf(third.state, name)!), name).toBeGreaterThan(Date.parse(cursorOf(first.state, name)!));
  });

  it.skipIf(!hasFlock)('a second run while one holds the lock exits 75 and touches nothing', async () => {
    const holder = spawn('flock', [join(dir, '.lock'), 'sleep', '5'], { stdio: 'ignore' });
    await new Promise((r) => setTimeout(r, 300));
    const stateBefore = readFileSync(join(dir, 'state.json'), 'utf8');
    const code = await new Promise<number | null>((resolve) => {
      const child = spawn('bash', [SCRIPT, dir], {
        env: { ...process.env, PATH: `${dirname(process.execPath)}:${process.env.PATH}`, SOURCE_KANDJI: `${process.execPath} ${CLI}` },
        stdio: 'ignore',
      });
      child.on('close', resolve);
    });
    holder.kill();
    expect(code).toBe(75);
    expect(readFileSync(join(dir, 'state.json'), 'utf8')).toBe(stateBefore);
  });

  it('integration_tests/ as CAT uses them: the future state reads no record and still emits state per stream', async () => {
    const out = await run([
      'read',
      '--config',
      configFile(sim),
      '--catalog',
      join(REPO, 'integration_tests/configured_catalog.json'),
      '--state',
      join(REPO, 'integration_tests/abnormal_state.json'),
    ]);
    expect(out.code, out.stderr).toBe(0);
    for (const spec of incremental) {
      expect(out.records.get(spec.name) ?? [], spec.name).toEqual([]);
      const state = out.finalState.find((s) => s.stream.stream_descriptor.name === spec.name);
      // Same shape as the future value: CAT compares the two character by character.
      expect(state.stream.stream_state[spec.cursor?.field as string], spec.name).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$/);
    }
  });
});

/** Just enough of Dagster's API for examples/dagster_kandji.py to import and run its sync outside Dagster. */
const DAGSTER_STUB = `
class Failure(Exception):
    def __init__(self, description=None, metadata=None):
        super().__init__(description)
        self.description = description
class AssetExecutionContext: pass
class AssetsDefinition: pass
class MaterializeResult:
    def __init__(self, metadata=None): self.metadata = metadata
class MetadataValue:
    path = staticmethod(lambda v: v)
    json = staticmethod(lambda v: v)
class AssetSelection:
    groups = staticmethod(lambda *names: names)
def asset(**kwargs): return lambda fn: fn
def define_asset_job(name, selection=None): return name
def Definitions(**kwargs): return kwargs
def ScheduleDefinition(**kwargs): return kwargs
`;

const RUN_SYNC = `
import json, sys
from pathlib import Path
sys.path[:0] = [sys.argv[1], sys.argv[2]]
import dagster_kandji as k
class Log:
    def __getattr__(self, level): return lambda text: print(level, text, file=sys.stderr)
try:
    result = k.sync_tenant(Path(sys.argv[3]), Log())
    print(json.dumps({"records": result["records"], "state": result["state"]}))
except k.dg.Failure as e:
    print(json.dumps({"failure": e.description}))
`;

describe('the other orchestration examples', () => {
  const pkg = JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8'));
  const spec = JSON.parse(readFileSync(join(REPO, 'spec.json'), 'utf8')).connectionSpecification;

  it('examples/meltano.yml: the npm executable in Singer mode, every spec field as a setting, selections that exist', () => {
    const project = parse(readFileSync(join(REPO, 'examples', 'meltano.yml'), 'utf8'));
    const tap = project.plugins.extractors.find((e: any) => e.name === 'tap-kandji');
    expect(tap.executable).toBe(Object.keys(pkg.bin)[0]);
    expect(tap.pip_url).toBeUndefined();
    expect(tap.capabilities).toEqual(expect.arrayContaining(['catalog', 'discover', 'state']));
    expect(tap.settings.map((s: any) => s.name)).toEqual(Object.keys(spec.properties));
    for (const setting of tap.settings) {
      const property = spec.properties[setting.name];
      if (property.default !== undefined) expect(setting.value, setting.name).toEqual(property.default);
      if (property.enum)
        expect(
          setting.options.map((o: any) => o.value),
          setting.name,
        ).toEqual(property.enum);
      else if (property.type === 'integer') expect(setting.kind, setting.name).toBe('integer');
      else if (property.type === 'number') expect(setting.kind, setting.name).toBe('decimal');
      if (property.airbyte_secret) expect(setting.sensitive, setting.name).toBe(true);
    }
    const fields = new Map(STREAMS.map((s) => [s.name, Object.keys(s.schema.properties)]));
    for (const rule of tap.select as string[]) {
      const [stream, field] = rule.replace(/^!/, '').split('.');
      if (stream !== '*') expect(fields.has(stream as string), rule).toBe(true);
      if (stream !== '*' && field !== '*') expect(fields.get(stream as string), rule).toContain(field);
    }
    for (const stream of Object.keys(tap.metadata)) expect(fields.has(stream), stream).toBe(true);
  });

  it.skipIf(!hasPython)('the Python examples compile', () => {
    for (const file of ['dagster_kandji.py', 'airflow_kandji_dag.py']) {
      const out = spawnSync('python3', ['-m', 'py_compile', join(REPO, 'examples', file)], {
        encoding: 'utf8',
        env: { ...process.env, PYTHONPYCACHEPREFIX: mkdtempSync(join(tmpdir(), 'pyc-')) },
      });
      expect(out.status, out.stderr).toBe(0);
    }
  });

  it.skipIf(!hasPython)('examples/dagster_kandji.py syncs a tenant twice, keeping the state between runs', async () => {
    const sim = await startSimulator({ devices: 150, seed: 29, rateLimit: { perSecond: 100_000, perHour: 1_000_000 }, keepLog: false });
    try {
      const stub = mkdtempSync(join(tmpdir(), 'dagster-stub-'));
      mkdirSync(join(stub, 'dagster'));
      writeFileSync(join(stub, 'dagster', '__init__.py'), DAGSTER_STUB);
      const data = mkdtempSync(join(tmpdir(), 'kandji-data-'));
      mkdirSync(join(data, 'acme'));
      writeFileSync(join(data, 'acme', 'config.json'), readFileSync(configFile(sim)));
      const env = {
        ...process.env,
        PATH: `${dirname(process.execPath)}:${process.env.PATH}`,
        SOURCE_KANDJI: `${process.execPath} ${CLI}`,
        KANDJI_DATA_DIR: data,
        PYTHONDONTWRITEBYTECODE: '1',
      };
      // Not spawnSync: the simulator runs in this process and must keep answering while Python waits on it.
      const sync = () =>
        new Promise<any>((resolve, reject) => {
          const child = spawn('python3', ['-c', RUN_SYNC, stub, join(REPO, 'examples'), join(data, 'acme')], { env });
          let stdout = '';
          let stderr = '';
          child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
          child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
          child.on('error', reject);
          child.on('close', (code) => {
            expect(code, stderr).toBe(0);
            resolve(JSON.parse(stdout));
          });
        });
      const first = await sync();
      expect(first.failure).toBeUndefined();
      expect(first.records).toBeGreaterThan(150);
      const saved = JSON.parse(readFileSync(join(data, 'acme', 'state.json'), 'utf8'));
      expect(saved).toEqual(first.state);
      expect(saved.map((s: any) => s.stream.stream_descriptor.name).sort()).toEqual(STREAMS.map((s) => s.name).sort());
      const second = await sync();
      // Only the full-refresh streams again (devices, blueprints, library items, users, tags); the bookmarks stay.
      expect(second.records).toBeLessThan(first.records);
      expect(second.state.length).toBe(STREAMS.length);
      for (const s of second.state.filter((x: any) => STREAMS.find((y) => y.name === x.stream.stream_descriptor.name)?.cursor?.field))
        expect(s, s.stream.stream_descriptor.name).toEqual(
          first.state.find((f: any) => f.stream.stream_descriptor.name === s.stream.stream_descriptor.name),
        );
    } finally {
      await sim.close();
    }
  });
});
