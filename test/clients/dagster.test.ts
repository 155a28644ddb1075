/**
 * Dagster 1.13.28 (python/dagster.txt) materialises the asset of examples/dagster_kandji.py for real, with
 * `dagster asset materialize`, against the simulated tenant: one tenant folder, the connector as SOURCE_KANDJI. The
 * first materialisation writes the connector's own read to out/<time>.jsonl and the state; the second, after a
 * simulated day, reads exactly what the connector's own incremental read finds; a read that fails (a revoked token)
 * fails the run and leaves the state as it was.
 */
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSimulator, type Simulator } from '../../simulator/server.ts';
import { REPO } from '../support/cli.ts';
import { catalogFile, configFile, run, stateFile, type ReadOutput } from '../support/connector.ts';
import { clientEnv, connectorExecutable, type Run, runTool, tail } from './support.ts';

const env = clientEnv('dagster');
const EXAMPLE = join(REPO, 'examples', 'dagster_kandji.py');

interface Materialized {
  run: Run;
  /** RECORDs per stream in the output file this materialisation wrote. */
  counts: Record<string, number>;
  state: any[];
}

describe.skipIf(env.missing)(
  `Dagster 1.13.28 materialises examples/dagster_kandji.py${env.missing ? ` (skipped: ${env.missing})` : ''}`,
  () => {
    let sim: Simulator;
    let data: string;
    let toolEnv: Record<string, string>;
    let own: ReadOutput;
    let ownAfterDay: ReadOutput;
    const runs: Materialized[] = [];

    async function materialize(): Promise<Materialized> {
      const before = new Set(readdirSync(join(data, 'acme')).includes('out') ? readdirSync(join(data, 'acme', 'out')) : []);
      const out = await runTool(join(env.bin, 'dagster'), ['asset', 'materialize', '-f', EXAMPLE, '--select', 'kandji_acme'], {
        env: toolEnv,
      });
      const written = readdirSync(join(data, 'acme', 'out')).filter((f) => !before.has(f));
      const counts: Record<string, number> = {};
      for (const file of written)
        for (const line of readFileSync(join(data, 'acme', 'out', file), 'utf8').split('\n')) {
          if (!line.startsWith('{"type":"RECORD"')) continue;
          const stream = JSON.parse(line).record.stream as string;
          counts[stream] = (counts[stream] ?? 0) + 1;
        }
      return { run: out, counts, state: JSON.parse(readFileSync(join(data, 'acme', 'state.json'), 'utf8')) };
    }

    const countsOf = (out: ReadOutput) => Object.fromEntries([...out.records].map(([name, list]) => [name, list.length]));

    beforeAll(async () => {
      sim = await startSimulator({ devices: 60, seed: 47, rateLimit: { perSecond: 100_000, perHour: 1_000_000 }, keepLog: false });
      const config = configFile(sim);
      data = mkdtempSync(join(tmpdir(), 'dagster-'));
      mkdirSync(join(data, 'acme'));
      writeFileSync(join(data, 'acme', 'config.json'), readFileSync(config));
      const home = join(data, '.dagster');
      mkdirSync(home);
      toolEnv = { DAGSTER_HOME: home, KANDJI_DATA_DIR: data, SOURCE_KANDJI: connectorExecutable().path, DAGSTER_DISABLE_TELEMETRY: '1' };
      own = await run(['read', '--config', config, '--catalog', catalogFile()]);
      runs.push(await materialize());
      sim.advance(24);
      runs.push(await materialize());
      ownAfterDay = await run(['read', '--config', config, '--catalog', catalogFile(), '--state', stateFile(own.finalState)]);
      // A revoked token: the read fails with a config_error.
      writeFileSync(
        join(data, 'acme', 'config.json'),
        JSON.stringify({ ...JSON.parse(readFileSync(config, 'utf8')), api_token: '00000000-0000-4000-8000-000000000000' }),
      );
      runs.push(await materialize());
    }, 600_000);
    afterAll(async () => {
      await sim?.close();
    });

    it('the first materialisation writes the connector’s own read and a state for every stream', () => {
      expect(runs[0]?.run.code, tail(runs[0]?.run.stderr ?? '')).toBe(0);
      expect(`${runs[0]?.run.stdout}${runs[0]?.run.stderr}`).toMatch(/ASSET_MATERIALIZATION - Materialized value kandji_acme/);
      expect(runs[0]?.counts).toEqual(countsOf(own));
      expect(runs[0]?.state.map((s) => s.stream.stream_descriptor.name).sort()).toEqual(
        own.finalState.map((s) => s.stream.stream_descriptor.name).sort(),
      );
    });

    it('the second, after a simulated day, reads exactly the connector’s own incremental read', () => {
      expect(runs[1]?.run.code, tail(runs[1]?.run.stderr ?? '')).toBe(0);
      expect(runs[1]?.counts).toEqual(countsOf(ownAfterDay));
      expect(runs[1]?.counts.device_information).toBeLessThan(runs[0]?.counts.device_information ?? 0);
      expect(runs[1]?.state).not.toEqual(runs[0]?.state);
    });

    it('a failed read fails the run with the connector’s message and keeps the state', () => {
      expect(runs[2]?.run.code).not.toBe(0);
      expect(`${runs[2]?.run.stdout}${runs[2]?.run.stderr}`).toMatch(/source-kandji read exited 1/);
      expect(runs[2]?.state).toEqual(runs[1]?.state);
    });
  },
);
