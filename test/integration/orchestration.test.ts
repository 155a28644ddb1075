/**
 * The shell parts of docs/orchestration.md, run for real: examples/cron-sync.sh against the simulated tenant, three
 * times. The first run writes a catalog and a state; the second, on an unchanged tenant, reads nothing new from
 * the incremental streams and leaves their bookmarks where they were; after a simulated day the third reads the
 * changes and moves them forward. The state file is always the last STATE per stream, as an Airbyte state array.
 * Also the acceptance-test inputs in integration_tests/, used as CAT would use them.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
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

/** Run the script on `dir`; with `stopAtBytes`, send it SIGTERM (once) when its output file has grown that large. */
function cronSync(dir: string, stopAtBytes?: number): Promise<ScriptRun> {
  const before = new Set(existsSync(join(dir, 'out')) ? readdirSync(join(dir, 'out')) : []);
  return new Promise((resolve, reject) => {
    // The script runs `node` for its JSON steps: the test's own Node comes first on PATH.
    const env = { ...process.env, PATH: `${dirname(process.execPath)}:${process.env.PATH}`, SOURCE_KANDJI: `${process.execPath} ${CLI}` };
    const child = spawn('bash', [SCRIPT, dir], { env, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    const timer =
      stopAtBytes === undefined
        ? undefined
        : setInterval(() => {
            const growing = existsSync(join(dir, 'out')) ? readdirSync(join(dir, 'out')).filter((f) => f.endsWith('.partial')) : [];
            const size = growing.reduce((n, f) => n + (existsSync(join(dir, 'out', f)) ? readFileSync(join(dir, 'out', f)).length : 0), 0);
            if (size < stopAtBytes) return;
            clearInterval(timer);
            child.kill('SIGTERM');
          }, 10);
    child.on('error', reject);
    child.on('close', (code) => {
      clearInterval(timer);
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
  const declaration = STREAMS.find((s) => s.name === stream)!;
  return state.find((s) => s.stream.stream_descriptor.name === stream)?.stream.stream_state[declaration.cursor?.field as string] as
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
    for (const declaration of incremental) expect(cursorOf(first.state, declaration.name), declaration.name).toMatch(/^\d{4}-\d{2}-\d{2}T/);
    // The state file is exactly the last STATE per stream of the run.
    const last = new Map<string, any>();
    for (const m of first.messages) if (m.type === 'STATE') last.set(m.state.stream.stream_descriptor.name, m.state.stream);
    for (const s of first.state) expect(s.stream).toEqual(last.get(s.stream.stream_descriptor.name));
    expect(first.stderr).toMatch(/cron-sync: .* exit 0, \d+ records in /);
    expect(existsSync(join(dir, 'state.json.tmp'))).toBe(false);
  });

  it('the second run, on an unchanged tenant, reads nothing new from incremental streams', () => {
    expect(second.code, second.stderr).toBe(0);
    for (const declaration of incremental) expect(recordsOf(second, declaration.name), declaration.name).toBe(0);
    expect(recordsOf(second, 'devices')).toBe(300);
    for (const declaration of incremental)
      expect(cursorOf(second.state, declaration.name), declaration.name).toBe(cursorOf(first.state, declaration.name));
  });

  it('a run in the same second as the last one writes a file of its own, never over the last one', async () => {
    // The script names its output by the second: stand in for runs that ended in each of the next seconds.
    const stamp = (ms: number) =>
      new Date(ms)
        .toISOString()
        .replace(/[-:]/g, '')
        .replace(/\.\d{3}Z$/, 'Z');
    const taken = Array.from({ length: 30 }, (_, k) => `${stamp(Date.now() + (k - 1) * 1000)}.jsonl`);
    for (const name of taken) writeFileSync(join(dir, 'out', name), 'not read yet\n');
    const run = await cronSync(dir);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).toMatch(/records in \S+_2\.jsonl, state in /);
    for (const name of taken) expect(readFileSync(join(dir, 'out', name), 'utf8')).toBe('not read yet\n');
    for (const name of taken) rmSync(join(dir, 'out', name));
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

  it('SIGTERM to the script stops the read cleanly: exit 143, the state of what it printed is merged, the next run completes', async () => {
    sim.advance(24);
    const before = JSON.parse(readFileSync(join(dir, 'state.json'), 'utf8'));
    sim.setLatency(300); // still reading when the signal lands
    const stopped = await cronSync(dir, 20_000);
    sim.setLatency(0);
    expect(stopped.code, stopped.stderr).toBe(143);
    expect(stopped.messages.at(-1)).toMatchObject({ type: 'TRACE', trace: { type: 'ERROR', error: { failure_type: 'transient_error' } } });
    // Streams the stopped read checkpointed have moved; the others kept their previous state.
    const printed = new Set(stopped.messages.filter((m) => m.type === 'STATE').map((m) => m.state.stream.stream_descriptor.name));
    expect(printed.size).toBeGreaterThan(0);
    expect(stopped.state.map((s: any) => s.stream.stream_descriptor.name).sort()).toEqual(
      before.map((s: any) => s.stream.stream_descriptor.name).sort(),
    );
    const next = await cronSync(dir);
    expect(next.code, next.stderr).toBe(0);
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
    for (const declaration of incremental) {
      expect(out.records.get(declaration.name) ?? [], declaration.name).toEqual([]);
      const state = out.finalState.find((s) => s.stream.stream_descriptor.name === declaration.name);
      // Same shape as the future value: CAT compares the two character by character.
      expect(state.stream.stream_state[declaration.cursor?.field as string], declaration.name).toMatch(
        /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$/,
      );
    }
  });
});

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
    for (const file of ['dagster_kandji.py', 'dagster_kandji_tenants.py', 'airflow_kandji_dag.py']) {
      const out = spawnSync('python3', ['-m', 'py_compile', join(REPO, 'examples', file)], {
        encoding: 'utf8',
        env: { ...process.env, PYTHONPYCACHEPREFIX: mkdtempSync(join(tmpdir(), 'pyc-')) },
      });
      expect(out.status, out.stderr).toBe(0);
    }
  });
});
