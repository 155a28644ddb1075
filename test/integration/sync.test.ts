/**
 * `sync` writes what analysts query: per-stream files per run, typed Parquet, a manifest per run, and a state
 * file that only moves when the run leaves a resumable state.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSimulator, type Simulator } from '../../simulator/server.ts';
import { runCli, tempFile } from '../support/cli.ts';
import { PERMISSIONS, type Permission } from '../../core/permissions.ts';
import { STREAMS } from '../../streams/index.ts';
import { allOutputs, configFile, expectNoToken } from '../support/connector.ts';

async function syncTo(config: string, out: string, format = 'both') {
  const result = await runCli(['sync', '--config', config, '--out', out, '--format', format], { text: true });
  allOutputs.push(result.stdout, result.stderr);
  return result;
}

const manifests = (out: string) =>
  readdirSync(join(out, '_runs'))
    .sort()
    .map((f) => JSON.parse(readFileSync(join(out, '_runs', f), 'utf8')));

async function query(sql: string): Promise<Record<string, unknown>[]> {
  const db = await DuckDBInstance.create(':memory:');
  const connection = await db.connect();
  try {
    return (await connection.runAndReadAll(sql)).getRowObjectsJson() as Record<string, unknown>[];
  } finally {
    connection.closeSync();
    db.closeSync();
  }
}

describe('sync', () => {
  let sim: Simulator;
  let out: string;

  beforeAll(async () => {
    sim = await startSimulator({ devices: 200, seed: 41, rateLimit: { perSecond: 100_000, perHour: 1_000_000 }, keepLog: false });
    out = await mkdtemp(join(tmpdir(), 'kandji-sync-'));
  });
  afterAll(async () => {
    // No output file may contain the token either.
    for (const dir of readdirSync(out, { recursive: true }) as string[]) {
      const path = join(out, dir);
      if (!path.endsWith('.json') && !path.endsWith('.jsonl')) continue;
      allOutputs.push(readFileSync(path, 'utf8'));
    }
    expectNoToken(sim.token);
    await sim.close();
  });

  it('writes each stream to JSONL and typed Parquet, keyed by the tenant clock, with a manifest and state', async () => {
    const result = await syncTo(configFile(sim), out);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toMatch(/^complete: run 20260105T120000Z_\d{8}T\d{6}Z, \d+ records/);
    const [manifest] = manifests(out);
    expect(manifest.status).toBe('complete');
    expect(manifest.synced_at).toBe('2026-01-05T12:00:00.000Z');
    expect(manifest.streams.devices).toMatchObject({ status: 'complete', records: 200, sync_mode: 'full_refresh' });
    expect(manifest.streams.devices.files).toEqual([`devices/${manifest.run_id}.parquet`, `devices/${manifest.run_id}.jsonl`]);
    const jsonl = readFileSync(join(out, 'devices', `${manifest.run_id}.jsonl`), 'utf8')
      .trim()
      .split('\n');
    expect(jsonl).toHaveLength(200);
    const types = Object.fromEntries(
      (await query(`DESCRIBE SELECT * FROM '${join(out, 'devices', `${manifest.run_id}.parquet`)}'`)).map((r) => [
        r.column_name,
        r.column_type,
      ]),
    );
    expect(types).toMatchObject({
      device_id: 'VARCHAR',
      last_check_in: 'TIMESTAMP WITH TIME ZONE',
      mdm_enabled: 'BOOLEAN',
      tags: 'VARCHAR[]',
      user: 'JSON',
    });
    const [row] = await query(`SELECT count(*) AS n, count(DISTINCT device_id) AS ids FROM '${join(out, 'devices', '*.parquet')}'`);
    expect(row).toEqual({ n: '200', ids: '200' });
    const state = JSON.parse(readFileSync(join(out, 'state.json'), 'utf8'));
    expect(state.map((s: any) => s.stream.stream_descriptor.name).sort()).toEqual(Object.keys(manifest.streams).sort());
  });

  it('a second sync a simulated day later adds a run with only the changes of incremental streams', async () => {
    sim.advance(24);
    const result = await syncTo(configFile(sim), out);
    expect(result.code, result.stderr).toBe(0);
    const runs = manifests(out);
    expect(runs).toHaveLength(2);
    expect(runs[1].synced_at).toBe('2026-01-06T12:00:00.000Z');
    expect(runs[1].streams.devices.records).toBe(sim.tenant.liveDevices);
    expect(runs[1].streams.device_apps.records).toBeLessThan(runs[0].streams.device_apps.records / 5);
    expect(readdirSync(join(out, 'devices')).filter((f) => f.endsWith('.jsonl'))).toHaveLength(2);
  });

  // A token without the Users permission: users cannot be read, every other stream can.
  const withoutUsers = () => sim.addToken(['Device list', 'Device details', 'Prism', 'Blueprints', 'Library items', 'Audit log', 'Tags']);
  const stateOf = (name: string) =>
    JSON.parse(readFileSync(join(out, 'state.json'), 'utf8')).find((s: any) => s.stream.stream_descriptor.name === name)?.stream;

  it('without a catalog, a token without Prism syncs what it can read, names the rest once with their permission, and saves state', async () => {
    // The issue's case: without Prism every default sync used to fail, never save a state, and re-read everything.
    const prismStreams = STREAMS.filter((st) => st.permission === 'Prism' && !st.fallback).map((st) => st.name);
    expect(prismStreams.length).toBeGreaterThan(0);
    const before = Object.fromEntries(prismStreams.map((name) => [name, stateOf(name)]));
    const noPrism = sim.addToken((Object.keys(PERMISSIONS) as Permission[]).filter((p) => p !== 'Prism'));
    sim.advance(24);
    const result = await syncTo(configFile(sim, { api_token: noPrism }), out, 'jsonl');
    expect(result.code, result.stderr).toBe(0);
    expect(result.stderr.match(/Skipping \d+ stream\(s\) this API token cannot read/g)).toHaveLength(1);
    expect(result.stderr).toContain(`${prismStreams.join(', ')} (needs "Prism")`);
    const run = manifests(out).at(-1);
    expect(run.status).toBe('complete');
    for (const name of prismStreams) expect(Object.keys(run.streams), name).not.toContain(name);
    // device_apps is read per device instead, and saved; the Prism streams keep their state for a token that has Prism.
    expect(run.streams.device_apps.records).toBeGreaterThan(0);
    for (const name of prismStreams) expect(stateOf(name), name).toEqual(before[name]);
    expect(stateOf('audit_events').stream_state.occurred_at.slice(0, 10)).toBe(run.synced_at.slice(0, 10));
  });

  it('a failed stream keeps its previous state, the others save theirs, and the run is failed with partial files', async () => {
    const [users, audit] = [stateOf('users'), stateOf('audit_events')];
    sim.advance(24);
    const catalog = tempFile('catalog.json', {
      streams: ['users', 'audit_events', 'devices'].map((name) => ({
        stream: { name },
        sync_mode: name === 'audit_events' ? 'incremental' : 'full_refresh',
        destination_sync_mode: 'append',
      })),
    });
    const result = await runCli(
      ['sync', '--config', configFile(sim, { api_token: withoutUsers() }), '--out', out, '--format', 'jsonl', '--catalog', catalog],
      {
        text: true,
      },
    );
    allOutputs.push(result.stdout, result.stderr);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(
      /The sync failed \(users\): those streams keep their previous state; the state of the 2 other stream\(s\) is saved/,
    );
    const failed = manifests(out).at(-1);
    expect(failed.status).toBe('failed');
    expect(failed.streams.users.status).toBe('failed');
    expect(failed.streams.devices.files).toEqual([`devices/${failed.run_id}.partial.jsonl`]);
    expect(stateOf('users')).toEqual(users);
    expect(stateOf('audit_events').stream_state.occurred_at > audit.stream_state.occurred_at).toBe(true);
  });

  it('keeps a crashed sync’s records as a failed run’s partial files', async () => {
    const crashed = join(out, '_inflight', `${Date.UTC(2026, 0, 7)}-99999`);
    mkdirSync(crashed, { recursive: true });
    writeFileSync(join(crashed, 'tags.jsonl'), '{"id":"t-1","name":"orphan"}\n');
    const result = await syncTo(configFile(sim), out, 'jsonl');
    expect(result.code, result.stderr).toBe(0);
    expect(result.stderr).toMatch(/A previous sync did not finish/);
    expect(existsSync(join(out, '_inflight'))).toBe(false);
    const recovered = manifests(out).find((m) => m.run_id.endsWith('_crashed'));
    expect(recovered).toMatchObject({ status: 'failed', streams: { tags: { files: [`tags/${recovered.run_id}.partial.jsonl`] } } });
    expect(readFileSync(join(out, 'tags', `${recovered.run_id}.partial.jsonl`), 'utf8')).toContain('orphan');
  });

  it('never leaves a torn state file: it is replaced by rename', async () => {
    const leftovers = readdirSync(out).filter((f) => f.startsWith('state.json.tmp'));
    expect(leftovers).toEqual([]);
    expect(() => JSON.parse(readFileSync(join(out, 'state.json'), 'utf8'))).not.toThrow();
  });
});
