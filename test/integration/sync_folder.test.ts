/**
 * The output folder of `sync` belongs to one run at a time and to one tenant (issue 10, items 1 and 2): a second
 * sync into a folder in use is refused with EX_TEMPFAIL and leaves the first run intact; a lock whose process is
 * gone is taken over; a folder synced from one host refuses a configuration that points at another — the README's
 * flow, the simulator first and then a real tenant in the same folder — and so does `read --state`.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSimulator, type Simulator } from '../../simulator/server.ts';
import { CLI, REPO, runCli } from '../support/cli.ts';
import { allOutputs, catalogFile, configFile, expectNoToken, run, stateFile } from '../support/connector.ts';

const fast = { perSecond: 100_000, perHour: 1_000_000 };

async function syncTo(config: string, out: string, extra: string[] = []) {
  const result = await runCli(['sync', '--config', config, '--out', out, '--format', 'jsonl', ...extra], { text: true });
  allOutputs.push(result.stdout, result.stderr);
  return result;
}

const manifests = (out: string) =>
  readdirSync(join(out, '_runs'))
    .sort()
    .map((f) => JSON.parse(readFileSync(join(out, '_runs', f), 'utf8')));

describe('sync: one run at a time per folder', () => {
  let sim: Simulator;
  beforeAll(async () => {
    sim = await startSimulator({ devices: 60, seed: 5, rateLimit: fast, keepLog: false, latencyMs: 40 });
  });
  afterAll(async () => {
    expectNoToken(sim.token);
    await sim.close();
  });

  it('refuses a second sync into a folder in use with exit 75 and one line naming the running one; the first completes', async () => {
    const out = mkdtempSync(join(tmpdir(), 'kandji-lock-'));
    const config = configFile(sim);
    const first = spawn(process.execPath, [CLI, 'sync', '--config', config, '--out', out, '--format', 'jsonl'], {
      cwd: REPO,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let firstErr = '';
    first.stderr.setEncoding('utf8').on('data', (d: string) => (firstErr += d));
    const firstDone = new Promise<number | null>((resolve) => first.on('close', resolve));
    // Wait until the first run is reading: its in-flight folder exists.
    while (!existsSync(join(out, '_inflight'))) await new Promise((r) => setTimeout(r, 20));
    // Hold the first run there (every answer now takes 3 s, under the 5 s request timeout) until the second is done:
    // however slowly the second starts, the first is still reading.
    sim.setLatency(3000);
    const second = await syncTo(config, out);
    sim.setLatency(0);
    expect(second.code).toBe(75);
    const lines = second.stderr.trim().split('\n');
    expect(lines, second.stderr).toHaveLength(1);
    expect(lines[0]).toContain(`${out} is in use by another sync (pid ${first.pid}, started `);
    expect(await firstDone, firstErr).toBe(0);
    allOutputs.push(firstErr);
    expect(firstErr).not.toMatch(/did not finish|ENOENT/);
    expect(manifests(out).map((m) => m.status)).toEqual(['complete']);
    expect(existsSync(join(out, '.sync.lock'))).toBe(false);
  }, 60_000);

  it('takes over a lock whose process is gone, and treats only that run’s leftovers as crashed', async () => {
    const out = mkdtempSync(join(tmpdir(), 'kandji-stale-'));
    // pid 2^22 + 1 is above Linux's pid_max ceiling: no process has it.
    const dead = 4_194_305;
    writeFileSync(join(out, '.sync.lock'), JSON.stringify({ pid: dead, host: hostname(), started_at: '2026-01-01T00:00:00.000Z' }));
    const result = await syncTo(configFile(sim), out, ['--catalog', catalogFile('full_refresh', ['tags'])]);
    expect(result.code, result.stderr).toBe(0);
    expect(manifests(out).map((m) => m.status)).toEqual(['complete']);
    expect(existsSync(join(out, '.sync.lock'))).toBe(false);
  });
});

describe('sync and read --state: a folder and a state belong to one API host', () => {
  let simulated: Simulator;
  let other: Simulator;
  beforeAll(async () => {
    [simulated, other] = await Promise.all([
      startSimulator({ devices: 30, seed: 3, rateLimit: fast, keepLog: false }),
      startSimulator({ devices: 30, seed: 4, rateLimit: fast, keepLog: false }),
    ]);
  });
  afterAll(async () => {
    expectNoToken(simulated.token);
    expectNoToken(other.token);
    await Promise.all([simulated.close(), other.close()]);
  });

  const hostOf = (sim: Simulator) => new URL(sim.url).host;

  it('records the API host in every stream’s state and in the run manifest', async () => {
    const out = mkdtempSync(join(tmpdir(), 'kandji-owner-'));
    const result = await syncTo(configFile(simulated), out, ['--catalog', catalogFile('incremental', ['tags', 'audit_events'])]);
    expect(result.code, result.stderr).toBe(0);
    const state = JSON.parse(readFileSync(join(out, 'state.json'), 'utf8'));
    expect(state.map((s: any) => s.stream.stream_state.api_host)).toEqual([hostOf(simulated), hostOf(simulated)]);
    expect(manifests(out)[0].api_host).toBe(hostOf(simulated));
  });

  it('refuses to sync another host into the folder (config_error), naming the folder’s host and the way out', async () => {
    const out = mkdtempSync(join(tmpdir(), 'kandji-readme-flow-'));
    // The README's flow: try it on the simulator, then point config.json at the real tenant, same --out.
    expect((await syncTo(configFile(simulated), out)).code).toBe(0);
    const before = readFileSync(join(out, 'state.json'), 'utf8');
    const result = await syncTo(configFile(other), out, ['--log-format', 'json']);
    expect(result.code).toBe(1);
    const [line] = result.stderr
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(line.failure_type).toBe('config_error');
    expect(line.message).toContain(
      `${out} holds the data of ${hostOf(simulated)} (see its state.json): it was read from ${hostOf(simulated)}, but the configuration points at ${hostOf(other)}. A folder holds one tenant: sync ${hostOf(other)} into a new --out folder`,
    );
    expect(readFileSync(join(out, 'state.json'), 'utf8')).toBe(before);
    expect(manifests(out)).toHaveLength(1);
    expect(other.stats().requests).toBe(0);
  });

  it('read --state refuses another host’s state, and still takes a state written before hosts were recorded', async () => {
    const catalog = catalogFile('incremental', ['audit_events']);
    const first = await run(['read', '--config', configFile(simulated), '--catalog', catalog]);
    expect(first.code, first.stderr).toBe(0);
    expect(first.finalState[0].stream.stream_state.api_host).toBe(hostOf(simulated));
    const refused = await run(['read', '--config', configFile(other), '--catalog', catalog, '--state', stateFile(first.finalState)]);
    expect(refused.code).toBe(1);
    expect(refused.errors).toEqual([
      expect.objectContaining({
        failure_type: 'config_error',
        message: expect.stringContaining(`The state was read from ${hostOf(simulated)}, but the configuration points at ${hostOf(other)}.`),
      }),
    ]);
    expect(refused.records.size).toBe(0);
    const old = first.finalState.map((s) => {
      const { api_host: _, ...cursor } = s.stream.stream_state;
      return { ...s, stream: { ...s.stream, stream_state: cursor } };
    });
    const taken = await run(['read', '--config', configFile(other), '--catalog', catalog, '--state', stateFile(old)]);
    expect(taken.code, taken.stderr).toBe(0);
    expect(taken.finalState[0].stream.stream_state.api_host).toBe(hostOf(other));
  });
});
