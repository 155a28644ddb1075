/**
 * PyAirbyte (airbyte 0.71.3, python/pyairbyte.txt) runs the connector the way a data engineer does in a notebook:
 * `get_source("source-kandji", local_executable=…)`, then spec, check, discover and read into its DuckDB cache,
 * against the simulated tenant. Judged against the connector's own read of the same tenant: the same records per
 * stream; a second read from the state PyAirbyte saved reads nothing new on an unchanged tenant, and exactly what the
 * connector's own incremental read finds after the tenant's clock moves a day. Any line PyAirbyte logs at WARNING or
 * above, or warning it raises about the connector, fails the test (test/clients/pyairbyte_run.py).
 * The acceptance-test inputs in integration_tests/ go through PyAirbyte too.
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSimulator, type Simulator } from '../../simulator/server.ts';
import { STREAMS } from '../../streams/index.ts';
import { REPO } from '../support/cli.ts';
import { catalogFile, configFile, run, stateFile, type ReadOutput } from '../support/connector.ts';
import { clientEnv, connectorExecutable, runTool, tail } from './support.ts';

const env = clientEnv('pyairbyte');
const DRIVER = join(REPO, 'test', 'clients', 'pyairbyte_run.py');
const fullRefresh = STREAMS.filter((s) => !s.cursor).map((s) => s.name);
const incremental = STREAMS.filter((s) => s.cursor).map((s) => s.name);

interface Result {
  error?: string;
  checked?: boolean;
  invalid_check_error?: string | null;
  spec_properties?: string[];
  discovered?: string[];
  processed?: number;
  read_counts?: Record<string, number>;
  rows?: Record<string, number>;
  state?: Record<string, Record<string, unknown> | null>;
  problems: string[];
}

async function pyairbyte(
  step: string,
  config: string,
  cacheDir: string,
  extra: string[] = [],
  more: Record<string, string> = {},
): Promise<Result> {
  const result = join(cacheDir, `${step}-${Date.now()}.json`);
  const out = await runTool(join(env.bin, 'python'), [DRIVER, step, connectorExecutable().path, config, cacheDir, result, ...extra], {
    env: { AIRBYTE_OFFLINE_MODE: '1', DO_NOT_TRACK: '1', AIRBYTE_NO_UV: '1', ...more },
  });
  expect(out.code, tail(out.stderr)).toBe(0);
  return JSON.parse(readFileSync(result, 'utf8')) as Result;
}

const counts = (out: ReadOutput) => Object.fromEntries([...out.records].map(([name, list]) => [name, list.length]));

describe.skipIf(env.missing)(
  `PyAirbyte 0.71.3 runs the connector against the simulator${env.missing ? ` (skipped: ${env.missing})` : ''}`,
  () => {
    let sim: Simulator;
    let config: string;
    let own: ReadOutput;
    let first: Result;
    let unchanged: Result;
    let afterDay: Result;
    let ownUnchanged: ReadOutput;
    let ownAfterDay: ReadOutput;

    beforeAll(async () => {
      sim = await startSimulator({ devices: 50, seed: 41, rateLimit: { perSecond: 100_000, perHour: 1_000_000 }, keepLog: false });
      config = configFile(sim);
      own = await run(['read', '--config', config, '--catalog', catalogFile()]);
      const cache = mkdtempSync(join(tmpdir(), 'pyairbyte-'));
      first = await pyairbyte('all', config, cache, [], { INVALID_CONFIG: join(REPO, 'integration_tests', 'invalid_config.json') });
      unchanged = await pyairbyte('read', config, cache);
      // The connector's own reads, chained on their own state exactly as PyAirbyte chains its reads.
      ownUnchanged = await run(['read', '--config', config, '--catalog', catalogFile(), '--state', stateFile(own.finalState)]);
      sim.advance(24);
      afterDay = await pyairbyte('read', config, cache);
      ownAfterDay = await run(['read', '--config', config, '--catalog', catalogFile(), '--state', stateFile(ownUnchanged.finalState)]);
    }, 600_000);
    afterAll(async () => {
      await sim?.close();
    });

    it('spec, check and discover pass, and the read is the connector’s own read, stream by stream', () => {
      expect(own.code, own.stderr).toBe(0);
      expect(first.error).toBeUndefined();
      expect(first.checked).toBe(true);
      expect(first.spec_properties).toContain('api_token');
      expect(first.discovered).toEqual(STREAMS.map((s) => s.name).sort());
      expect(first.read_counts).toEqual(counts(own));
      // The cache has a table per stream (empty for a stream without records) and holds every record once.
      expect(Object.keys(first.rows ?? {}).sort()).toEqual(STREAMS.map((s) => s.name).sort());
      expect(Object.fromEntries(Object.entries(first.rows ?? {}).filter(([, n]) => n > 0))).toEqual(counts(own));
    });

    it('a second read from the saved state, on an unchanged tenant, reads what the connector’s own second read does', () => {
      expect(unchanged.error).toBeUndefined();
      // What the connector's own second read prints: streams without a cursor in full; the Prism streams nothing.
      expect(ownUnchanged.code, ownUnchanged.stderr).toBe(0);
      expect(unchanged.read_counts).toEqual(counts(ownUnchanged));
      for (const name of fullRefresh) expect(unchanged.read_counts?.[name], name).toBe(first.read_counts?.[name]);
      for (const name of incremental.filter((n) => STREAMS.find((s) => s.name === n)?.plan.kind === 'prism'))
        expect(unchanged.read_counts?.[name] ?? 0, name).toBe(0);
      expect(unchanged.rows).toEqual(first.rows);
    });

    it('after a simulated day it reads exactly the changes the connector’s own incremental read finds', () => {
      expect(ownAfterDay.code, ownAfterDay.stderr).toBe(0);
      expect(afterDay.error).toBeUndefined();
      const changed = counts(ownAfterDay);
      expect(afterDay.read_counts).toEqual(changed);
      // The day changed something in the incremental streams, and their bookmarks moved.
      expect(incremental.filter((name) => (changed[name] ?? 0) > 0).length).toBeGreaterThan(3);
      expect(afterDay.state?.device_information).not.toEqual(first.state?.device_information);
    });

    it('PyAirbyte neither rejected nor warned about anything the connector printed', () => {
      expect([...first.problems, ...unchanged.problems, ...afterDay.problems]).toEqual([]);
    });

    describe('the acceptance-test inputs in integration_tests/', () => {
      const it_ = (file: string) => join(REPO, 'integration_tests', file);

      it('invalid_config.json fails check, with the connector’s own reason', () => {
        expect(first.invalid_check_error).toMatch(/AirbyteConnectorCheckFailedError/);
        expect(first.invalid_check_error).toMatch(/Failure Reason: '.{20,}'/);
      });

      it('configured_catalog.json with abnormal_state.json: every stream read, the incremental ones with nothing after the bookmark', async () => {
        const catalog = JSON.parse(readFileSync(it_('configured_catalog.json'), 'utf8'));
        const abnormal = JSON.parse(readFileSync(it_('abnormal_state.json'), 'utf8')) as any[];
        const future = new Set(abnormal.map((s) => s.stream.stream_descriptor.name));
        const out = await pyairbyte('read', config, mkdtempSync(join(tmpdir(), 'pyairbyte-')), [
          it_('configured_catalog.json'),
          it_('abnormal_state.json'),
        ]);
        expect(out.error).toBeUndefined();
        expect(out.problems).toEqual([]);
        for (const entry of catalog.streams) {
          const name = entry.stream.name as string;
          if (future.has(name)) expect(out.read_counts?.[name] ?? 0, name).toBe(0);
          else expect(out.read_counts?.[name], name).toBeGreaterThan(0);
        }
        expect(future.size).toBeGreaterThan(0);
      }, 300_000);
    });
  },
);
