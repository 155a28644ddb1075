/**
 * Helpers for the transform tests: sync output written by hand (JSONL files and run manifests in the layout of
 * source/sync.ts), queries on a built database, and in-process syncs against the simulator.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { resolveConfig } from '../../source/config.ts';
import { sync, type OutputFormat, type RunManifest } from '../../source/sync.ts';
import type { ConfiguredCatalog } from '../../source/catalog.ts';
import type { Simulator } from '../../simulator/server.ts';
import { STREAMS } from '../../streams/index.ts';

export interface FixtureStream {
  /** Default: complete. */
  status?: 'complete' | 'failed' | 'rate-limited';
  /** Default: incremental for streams with a cursor, else full_refresh; only recorded in the manifest. */
  mode?: 'full_refresh' | 'incremental';
  rows: Record<string, unknown>[];
  /** The manifest's word that an incremental read was a complete full read (`full_read: true`). */
  fullRead?: boolean;
}

export interface FixtureRun {
  /** The tenant's clock at the run's start, ISO-8601. */
  syncedAt: string;
  status: RunManifest['status'];
  streams: Record<string, FixtureStream>;
  /** Default: from syncedAt, as sync names runs. */
  runId?: string;
}

const FULL_REFRESH = new Set(STREAMS.filter((s) => !s.cursor).map((s) => s.name));
const compact = (iso: string) =>
  new Date(iso)
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d{3}Z$/, 'Z');

/** Write runs as `sync` would have: DIR/<stream>/<run>[.partial].jsonl and DIR/_runs/<run>.json. */
export function writeRuns(dir: string, runs: FixtureRun[]): RunManifest[] {
  return runs.map((run, i) => {
    const runId = run.runId ?? `${compact(run.syncedAt)}_2026010${i}T000000Z`;
    const partial = run.status !== 'complete';
    const streams: RunManifest['streams'] = {};
    for (const [name, stream] of Object.entries(run.streams)) {
      const files: string[] = [];
      if (stream.rows.length > 0) {
        mkdirSync(join(dir, name), { recursive: true });
        const file = `${name}/${runId}${partial ? '.partial' : ''}.jsonl`;
        writeFileSync(join(dir, file), `${stream.rows.map((r) => JSON.stringify(r)).join('\n')}\n`);
        files.push(file);
      }
      streams[name] = {
        sync_mode: stream.mode ?? (FULL_REFRESH.has(name) ? 'full_refresh' : 'incremental'),
        status: stream.status ?? 'complete',
        records: stream.rows.length,
        files,
        ...(stream.fullRead === undefined ? {} : { full_read: stream.fullRead }),
      };
    }
    const finished = new Date(Date.parse(run.syncedAt) + 60_000).toISOString();
    const manifest: RunManifest = {
      run_id: runId,
      synced_at: new Date(run.syncedAt).toISOString(),
      started_at: run.syncedAt,
      finished_at: finished,
      status: run.status,
      format: 'jsonl',
      requests: 1,
      streams,
    };
    mkdirSync(join(dir, '_runs'), { recursive: true });
    writeFileSync(join(dir, '_runs', `${runId}.json`), JSON.stringify(manifest, null, 2));
    return manifest;
  });
}

/** Rows of a query on a database file, as JSON values (BIGINT as text: cast counts to integer in the query). */
export async function query(dbPath: string, sql: string): Promise<Record<string, any>[]> {
  const db = await DuckDBInstance.create(dbPath, { access_mode: 'READ_ONLY' });
  const connection = await db.connect();
  try {
    return (await connection.runAndReadAll(sql)).getRowObjectsJson() as Record<string, any>[];
  } finally {
    connection.closeSync();
    db.closeSync();
  }
}

/**
 * Every row of every table and view of the given schemas, sorted: for comparing two builds. Columns matching
 * `exclude` are left out (two runs of the same sync differ only in the run that wrote a row).
 */
export async function dump(dbPath: string, schemas: string[], exclude?: RegExp): Promise<Record<string, string[]>> {
  const db = await DuckDBInstance.create(dbPath, { access_mode: 'READ_ONLY' });
  const connection = await db.connect();
  try {
    const columns = (
      await connection.runAndReadAll(
        `select table_schema || '.' || table_name as id, column_name from information_schema.columns where table_schema in (${schemas.map((s) => `'${s}'`).join(', ')}) order by id, ordinal_position`,
      )
    ).getRowObjectsJson();
    const byTable = new Map<string, string[]>();
    for (const { id, column_name } of columns) {
      if (exclude?.test(String(column_name))) continue;
      byTable.set(String(id), [...(byTable.get(String(id)) ?? []), `"${column_name}"`]);
    }
    const out: Record<string, string[]> = {};
    for (const [id, names] of byTable) {
      const rows = (await connection.runAndReadAll(`select ${names.join(', ')} from ${id}`))
        .getRowObjectsJson()
        .map((r) => JSON.stringify(r));
      out[id] = rows.sort();
    }
    return out;
  } finally {
    connection.closeSync();
    db.closeSync();
  }
}

/**
 * The tables and views (of the given schemas) whose rows differ between two databases, with how many rows each
 * side has that the other lacks (EXCEPT ALL, so duplicates count). Columns matching `exclude` are left out; tables
 * present in only one database are reported too. An empty result means the same rows everywhere.
 */
export async function differences(dbA: string, dbB: string, schemas: string[], exclude?: RegExp): Promise<Record<string, string>> {
  const db = await DuckDBInstance.create(':memory:');
  const connection = await db.connect();
  const rows = async (sql: string) => (await connection.runAndReadAll(sql)).getRowObjectsJson();
  try {
    await connection.run(`attach '${dbA.replace(/'/g, "''")}' as a (read_only)`);
    await connection.run(`attach '${dbB.replace(/'/g, "''")}' as b (read_only)`);
    const columns = await rows(
      `select table_catalog as db, table_schema || '.' || table_name as id, column_name from information_schema.columns
       where table_catalog in ('a', 'b') and table_schema in (${schemas.map((s) => `'${s}'`).join(', ')}) order by db, id, ordinal_position`,
    );
    const tables = (side: string) => {
      const map = new Map<string, string[]>();
      for (const c of columns.filter((c) => c.db === side)) {
        if (exclude?.test(String(c.column_name))) continue;
        map.set(String(c.id), [...(map.get(String(c.id)) ?? []), `"${c.column_name}"`]);
      }
      return map;
    };
    const inA = tables('a');
    const inB = tables('b');
    const out: Record<string, string> = {};
    for (const id of new Set([...inA.keys(), ...inB.keys()])) {
      const a = inA.get(id);
      const b = inB.get(id);
      if (!a || !b) {
        out[id] = a ? 'only in the first database' : 'only in the second database';
        continue;
      }
      if (a.join() !== b.join()) {
        out[id] = `columns differ: ${a.join(', ')} | ${b.join(', ')}`;
        continue;
      }
      const list = a.join(', ');
      const [d] = await rows(
        `select (select count(*) from (select ${list} from a.${id} except all select ${list} from b.${id}))::integer as a_only,
                (select count(*) from (select ${list} from b.${id} except all select ${list} from a.${id}))::integer as b_only`,
      );
      if (d?.a_only || d?.b_only) out[id] = `${d.a_only} rows only in the first, ${d.b_only} only in the second`;
    }
    return out;
  } finally {
    connection.closeSync();
    db.closeSync();
  }
}

/** One in-process sync against the simulator, as the `sync` command runs it; `config` adds or overrides settings. */
export async function syncSim(
  sim: Simulator,
  outDir: string,
  options: { format?: OutputFormat; token?: string; catalog?: ConfiguredCatalog; config?: Record<string, unknown> } = {},
): Promise<RunManifest> {
  const config = resolveConfig({
    api_url: sim.url,
    api_token: options.token ?? sim.token,
    request_timeout_seconds: 10,
    device_details_max_per_sync: 100_000,
    request_budget_share: 1,
    ...options.config,
  });
  const { manifest } = await sync({
    config,
    outDir,
    format: options.format ?? 'both',
    ...(options.catalog ? { catalog: options.catalog } : {}),
  });
  return manifest;
}
