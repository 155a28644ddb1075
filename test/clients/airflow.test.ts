/**
 * Apache Airflow 3.3.2 (python/airflow.txt) runs the example DAG examples/airflow_kandji_dag.py with `airflow dags
 * test`, against the simulated tenant: a fresh AIRFLOW_HOME on SQLite, the `kandji` pool the DAG asks for, one tenant
 * folder, and the task running examples/cron-sync.sh with the connector as SOURCE_KANDJI. The first run's output is the
 * connector's own read; the second, after a simulated day, exactly the connector's own incremental read.
 */
import { cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSimulator, type Simulator } from '../../simulator/server.ts';
import { REPO } from '../support/cli.ts';
import { catalogFile, configFile, run, stateFile, type ReadOutput } from '../support/connector.ts';
import { clientEnv, connectorExecutable, type Run, runTool, tail } from './support.ts';

const env = clientEnv('airflow');

interface DagRun {
  run: Run;
  counts: Record<string, number>;
  state: any[];
}

describe.skipIf(env.missing)(`Airflow 3.3.2 runs examples/airflow_kandji_dag.py${env.missing ? ` (skipped: ${env.missing})` : ''}`, () => {
  let sim: Simulator;
  let data: string;
  let toolEnv: Record<string, string>;
  let own: ReadOutput;
  let ownAfterDay: ReadOutput;
  const runs: DagRun[] = [];

  const airflow = (...args: string[]) => runTool(join(env.bin, 'airflow'), args, { env: toolEnv });

  async function dagsTest(day: string): Promise<DagRun> {
    const tenant = join(data, 'acme');
    const before = new Set(readdirSync(tenant).includes('out') ? readdirSync(join(tenant, 'out')) : []);
    const out = await airflow('dags', 'test', 'kandji_sync', day);
    const counts: Record<string, number> = {};
    for (const file of readdirSync(join(tenant, 'out')).filter((f) => !before.has(f)))
      for (const line of readFileSync(join(tenant, 'out', file), 'utf8').split('\n')) {
        if (!line.startsWith('{"type":"RECORD"')) continue;
        const stream = JSON.parse(line).record.stream as string;
        counts[stream] = (counts[stream] ?? 0) + 1;
      }
    return { run: out, counts, state: JSON.parse(readFileSync(join(tenant, 'state.json'), 'utf8')) };
  }

  const countsOf = (out: ReadOutput) => Object.fromEntries([...out.records].map(([name, list]) => [name, list.length]));

  beforeAll(async () => {
    sim = await startSimulator({ devices: 60, seed: 53, rateLimit: { perSecond: 100_000, perHour: 1_000_000 }, keepLog: false });
    const config = configFile(sim);
    const root = mkdtempSync(join(tmpdir(), 'airflow-'));
    data = join(root, 'kandji');
    mkdirSync(join(data, 'acme'), { recursive: true });
    writeFileSync(join(data, 'acme', 'config.json'), readFileSync(config));
    mkdirSync(join(root, 'home', 'dags'), { recursive: true });
    cpSync(join(REPO, 'examples', 'airflow_kandji_dag.py'), join(root, 'home', 'dags', 'airflow_kandji_dag.py'));
    toolEnv = {
      AIRFLOW_HOME: join(root, 'home'),
      AIRFLOW__CORE__DAGS_FOLDER: join(root, 'home', 'dags'),
      AIRFLOW__CORE__LOAD_EXAMPLES: 'False',
      SCARF_ANALYTICS: 'false',
      KANDJI_DATA_DIR: data,
      KANDJI_CRON_SYNC: join(REPO, 'examples', 'cron-sync.sh'),
      SOURCE_KANDJI: connectorExecutable().path,
      // cron-sync.sh runs `node` for its JSON steps: the test's own Node first.
      PATH: `${dirname(process.execPath)}:${process.env.PATH}`,
    };
    for (const args of [
      ['db', 'migrate'],
      ['pools', 'set', 'kandji', '4', 'Kandji syncs'],
    ]) {
      const out = await airflow(...args);
      expect(out.code, tail(out.stderr)).toBe(0);
    }
    own = await run(['read', '--config', config, '--catalog', catalogFile()]);
    runs.push(await dagsTest('2026-01-05'));
    sim.advance(24);
    runs.push(await dagsTest('2026-01-06'));
    ownAfterDay = await run(['read', '--config', config, '--catalog', catalogFile(), '--state', stateFile(own.finalState)]);
  }, 600_000);
  afterAll(async () => {
    await sim?.close();
  });

  const log = (r: DagRun | undefined) => `${r?.run.stdout}${r?.run.stderr}`;

  it('the first DAG run succeeds and its task writes the connector’s own read and the state', () => {
    expect(runs[0]?.run.code, tail(log(runs[0]))).toBe(0);
    expect(log(runs[0])).toMatch(/DagRun Finished: dag_id=kandji_sync.*state=success/);
    expect(runs[0]?.counts).toEqual(countsOf(own));
    expect(runs[0]?.state.map((s) => s.stream.stream_descriptor.name).sort()).toEqual(
      own.finalState.map((s) => s.stream.stream_descriptor.name).sort(),
    );
  });

  it('the second, after a simulated day, reads exactly the connector’s own incremental read', () => {
    expect(runs[1]?.run.code, tail(log(runs[1]))).toBe(0);
    expect(runs[1]?.counts).toEqual(countsOf(ownAfterDay));
    expect(runs[1]?.counts.device_information).toBeLessThan(runs[0]?.counts.device_information ?? 0);
  });
});
