/**
 * The raw layer: a sync output directory loaded as it is, one typed table per stream plus the runs that wrote them.
 *
 *   raw.runs          one row per run (DIR/_runs/<run_id>.json); run_seq orders runs by the tenant's clock at their
 *                     start (synced_at), then by when they finished: "latest wins" everywhere means highest run_seq
 *   raw.run_streams   one row per run and stream in its manifest: sync mode, status, records, the file loaded,
 *                     full_read (the manifest's word that an incremental read was a complete full read)
 *   raw.<stream>      every record of every run, in the stream's typed columns (schemas/duckdb.ts, so JSONL and
 *                     Parquet load the same), plus _run_id, _run_seq, _synced_at, _synced_date and _row (the
 *                     record's position in its file)
 *
 * Tables, not views over the files: the database is self-contained (copy it, or upload it to MotherDuck, and every
 * model still works), and the SQL models never see a file path. Every stream gets its table, empty until a run
 * writes it. A run's manifest is the only way in: files without one (a sync still writing) are not read.
 *
 * The raw tables persist from one transform to the next, which loads into them in place: `loadRaw` reads only the
 * runs that are new or whose files changed since, and `_transform.loaded_runs` says which runs' rows are in, with what
 * fingerprint. The result is the rows a load of every run from scratch gives. `_transform.built_runs` is the same
 * list as the last build whose checks all passed saw it: what the models were built from (transforms/run.ts).
 */
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { DuckDBConnection } from '@duckdb/node-api';
import { duckdbColumns, duckdbColumnsLiteral } from '../schemas/duckdb.ts';
import type { RunManifest } from '../core/run_manifest.ts';
import { TENANT_FIELD } from '../schemas/schema.ts';
import { storageOrderOf } from '../streams/declaration.ts';
import { STREAMS } from '../streams/index.ts';
import { ident, literal } from './sql.ts';

/** Which file to read for a run that wrote both formats. */
export type InputFormat = 'jsonl' | 'parquet';

export interface LoadedRun {
  manifest: RunManifest;
  /** The tenant the run read (transforms/tenants.ts decides it per folder); its rows get this tenant_id. */
  tenant: string;
  /** The tenant's folder, which the manifest's file paths are relative to. */
  dir: string;
  /** 1 for the earliest run by the tenant's clock. */
  seq: number;
  /** The UTC date of synced_at: the day the run's data describes. */
  syncedDate: string;
}

/**
 * The runs of a sync output directory, in order. A crashed run's manifest (run id ending `_crashed`) is skipped: its
 * synced_at is the wall clock when the crashed sync started, not the tenant's, so it cannot be placed in the
 * tenant's history, and the state it left unadvanced makes the next sync read its records again.
 */
export async function readRuns(dataDir: string, tenant = ''): Promise<{ runs: LoadedRun[]; skipped: string[] }> {
  const dir = join(dataDir, '_runs');
  if (!existsSync(dir)) return { runs: [], skipped: [] };
  const manifests: RunManifest[] = [];
  const skipped: string[] = [];
  for (const file of (await readdir(dir)).filter((f) => f.endsWith('.json')).sort()) {
    const manifest = JSON.parse(await readFile(join(dir, file), 'utf8')) as RunManifest;
    if (typeof manifest.run_id !== 'string' || Number.isNaN(Date.parse(manifest.synced_at))) {
      throw new Error(`${join(dir, file)} is not a run manifest (it needs run_id and an ISO-8601 synced_at)`);
    }
    if (manifest.run_id.endsWith('_crashed')) skipped.push(manifest.run_id);
    else manifests.push(manifest);
  }
  const time = (iso: string | undefined) => (iso ? Date.parse(iso) : 0);
  manifests.sort(
    (a, b) => time(a.synced_at) - time(b.synced_at) || time(a.finished_at) - time(b.finished_at) || a.run_id.localeCompare(b.run_id),
  );
  const runs = manifests.map((manifest, i) => ({
    manifest,
    tenant,
    dir: dataDir,
    seq: i + 1,
    syncedDate: new Date(manifest.synced_at).toISOString().slice(0, 10),
  }));
  return { runs, skipped };
}

/** The file of a run's stream to load: the preferred format when the run wrote it, else the other. */
function pickFile(
  dataDir: string,
  files: readonly string[],
  prefer: InputFormat | undefined,
): { file: string; format: InputFormat } | undefined {
  const of = (format: InputFormat) => files.find((f) => f.endsWith(`.${format}`) && existsSync(join(dataDir, f)));
  const order: InputFormat[] = prefer === 'jsonl' ? ['jsonl', 'parquet'] : ['parquet', 'jsonl'];
  for (const format of order) {
    const file = of(format);
    if (file) return { file, format };
  }
  return undefined;
}

/**
 * Bump when the raw layer changes in a way its columns do not show (what `_row` counts, how a file is read): a
 * database kept from a version with another layout is then loaded again from every run's files.
 */
// 2: runs keyed by tenant_id and run_id (0.2.0: a data root holds many tenants).
const RAW_LAYOUT_VERSION = 2;

/** The raw layer's layout: the version above and every stream's typed columns. */
export function rawLayout(): string {
  const streams = STREAMS.map((s) => [s.name, duckdbColumns(s.schema as never)]);
  return createHash('sha256')
    .update(JSON.stringify([RAW_LAYOUT_VERSION, streams]))
    .digest('hex')
    .slice(0, 16);
}

/** What `loadRaw` did: runs loaded from their files, runs kept from the previous load, runs whose rows it removed. */
export interface RawLoad {
  /** The raw tables, as `raw.<name>`. */
  tables: Set<string>;
  loaded: string[];
  kept: number;
  removed: string[];
  /**
   * Per tenant, the earliest day whose rows may differ from those the last good build's models were built from: the
   * earliest synced_date of the runs new since that build; `all` when rows of runs it was built from changed (a run
   * removed, re-read or moved in the order, or the raw layout changed); absent when nothing of the tenant changed.
   * The incremental models rebuild from that day (transforms/incremental.ts). Measured against the last good build,
   * not the last load, so runs loaded by a build that then failed are rebuilt by the next.
   */
  changed: Map<string, string | 'all'>;
}

async function tableExists(connection: DuckDBConnection, schema: string, name: string): Promise<boolean> {
  const rows = (
    await connection.runAndReadAll(`select 1 from duckdb_tables() where schema_name = $1 and table_name = $2`, [schema, name])
  ).getRows();
  return rows.length > 0;
}

/**
 * Bring raw.runs, raw.run_streams and raw.<stream> up to date with the runs of a data directory, in a database that
 * may hold a previous load (the last good database, loaded in place: see transforms/run.ts).
 *
 * Loading is incremental and idempotent per run: `_transform.loaded_runs` keeps, for each run whose rows are in the
 * raw tables, a fingerprint of its manifest and of the files read (path, size, modification time). A run is read
 * from its files only when it is new or its fingerprint changed (its files were re-written, deleted or a format
 * was preferred); a changed run's old rows are deleted first, and the rows of a run whose manifest is gone are
 * deleted. Each run's rows and its fingerprint are written in one transaction, so a load killed midway leaves no
 * run half loaded. The result is the same rows a load of every run from scratch gives (a test builds both).
 * raw.runs and raw.run_streams are small and rewritten whole in one transaction once every run is in; run_seq is
 * re-numbered in the raw tables only when a run's place in the order changed (a run synced at an earlier tenant time
 * appeared).
 */
export async function loadRaw(
  connection: DuckDBConnection,
  runs: readonly LoadedRun[],
  prefer: InputFormat | undefined,
  say: (line: string) => void,
): Promise<RawLoad> {
  const layout = rawLayout();
  const previous = (await tableExists(connection, '_transform', 'layout'))
    ? String((await connection.runAndReadAll(`select layout from _transform.layout`)).getRows()[0]?.[0] ?? '')
    : undefined;
  if (previous !== layout) {
    if (previous !== undefined) say('raw: the raw layout changed since the last transform; loading every run again');
    await connection.run(`drop schema if exists raw cascade`);
    await connection.run(`drop schema if exists _transform cascade`);
  }
  await connection.run(`create schema if not exists raw`);
  await connection.run(`create schema if not exists _transform`);
  await connection.run(`create or replace table _transform.layout as select ${literal(layout)} as layout`);
  // Runs are keyed by tenant and run id: run ids are unique only within a tenant (two synced in one second share one),
  // and run_seq counts within a tenant.
  await connection.run(
    `create table if not exists _transform.loaded_runs (tenant_id varchar not null, run_id varchar not null, run_seq integer not null, fingerprint varchar not null, primary key (tenant_id, run_id))`,
  );
  // What the last good build was built from (a database from before 0.3.0 was kept only when its build passed: its
  // loaded runs are that).
  await connection.run(`create table if not exists _transform.built_runs as select * from _transform.loaded_runs`);
  await connection.run(`create table if not exists raw.runs (
    tenant_id varchar not null, run_id varchar not null, run_seq integer not null, synced_at timestamptz not null, synced_date date not null,
    started_at timestamptz, finished_at timestamptz, status varchar not null, format varchar, requests bigint,
    failure_type varchar, failure_reason varchar, primary key (tenant_id, run_id))`);
  await connection.run(`create table if not exists raw.run_streams (
    tenant_id varchar not null, run_id varchar not null, run_seq integer not null, stream varchar not null, sync_mode varchar, status varchar not null,
    records bigint, file varchar, file_format varchar, is_partial boolean, full_read boolean, primary key (tenant_id, run_id, stream))`);

  const tables = new Set(['raw.runs', 'raw.run_streams']);
  const columnsOf = new Map<string, StreamColumns>();
  for (const stream of STREAMS) {
    const columns = duckdbColumns(stream.schema as never);
    columnsOf.set(stream.name, {
      types: columns,
      literal: duckdbColumnsLiteral(stream.schema as never),
      order: storageOrderOf(stream).filter((n) => n in columns),
    });
    const defs = Object.entries(columns).map(([name, type]) => `${ident(name)} ${type}`);
    await connection.run(
      `create table if not exists raw.${ident(stream.name)} (${defs.join(', ')}, _run_id varchar not null, _run_seq integer not null, _synced_at timestamptz not null, _synced_date date not null, _row bigint not null)`,
    );
    tables.add(`raw.${stream.name}`);
  }
  const streamTables = STREAMS.map((s) => `raw.${ident(s.name)}`);

  const key = (tenant: string, runId: string) => JSON.stringify([tenant, runId]);
  const done = new Map<string, { seq: number; fingerprint: string }>();
  for (const row of (
    await connection.runAndReadAll(`select tenant_id, run_id, run_seq, fingerprint from _transform.loaded_runs`)
  ).getRows()) {
    done.set(key(String(row[0]), String(row[1])), { seq: Number(row[2]), fingerprint: String(row[3]) });
  }
  const forget = async (tenant: string, runId: string) => {
    for (const table of streamTables)
      await connection.run(`delete from ${table} where ${TENANT_FIELD} = $1 and _run_id = $2`, [tenant, runId]);
    await connection.run(`delete from _transform.loaded_runs where tenant_id = $1 and run_id = $2`, [tenant, runId]);
  };

  const present = new Set(runs.map((r) => key(r.tenant, r.manifest.run_id)));
  const removed = [...done.keys()].filter((id) => !present.has(id)).sort();
  if (removed.length > 0) {
    await connection.run('begin transaction');
    for (const id of removed) await forget(...(JSON.parse(id) as [string, string]));
    await connection.run('commit');
  }

  // raw.runs and raw.run_streams are written through DuckDB's appender at the end: one INSERT per row cost half a
  // minute once a year of runs (365 × 35 rows) had accumulated.
  const runRows: RowValue[][] = [];
  const streamRows: RowValue[][] = [];
  const loaded: string[] = [];
  let kept = 0;
  let files = 0;
  const fellBack = new Set<string>();
  const renumbered: { tenant: string; runId: string; seq: number }[] = [];
  const now = new Map<string, { seq: number; fingerprint: string; syncedDate: string }>();
  for (const { manifest, seq, syncedDate, tenant, dir: dataDir } of runs) {
    // The first failure says why the run failed (a 401 names the revoked token): what sync_status shows.
    const failure = manifest.failures?.[0];
    runRows.push([
      tenant,
      manifest.run_id,
      seq,
      manifest.synced_at,
      syncedDate,
      manifest.started_at ?? null,
      manifest.finished_at ?? null,
      manifest.status,
      manifest.format ?? null,
      manifest.requests ?? null,
      failure?.failure_type ?? null,
      failure ? `${failure.stream ? `${failure.stream}: ` : ''}${failure.message}` : null,
    ]);
    const picks: { stream: string; file: string; format: InputFormat }[] = [];
    for (const [stream, entry] of Object.entries(manifest.streams ?? {})) {
      const picked = entry.files.length > 0 ? pickFile(dataDir, entry.files, prefer) : undefined;
      if (entry.files.length > 0 && !picked) {
        throw new Error(
          `run ${manifest.run_id}: none of its ${stream} files is in ${dataDir} (${entry.files.join(', ')}); restore them or remove _runs/${manifest.run_id}.json`,
        );
      }
      streamRows.push([
        tenant,
        manifest.run_id,
        seq,
        stream,
        entry.sync_mode ?? null,
        entry.status,
        entry.records ?? null,
        picked?.file ?? null,
        picked?.format ?? null,
        picked ? picked.file.includes('.partial.') : null,
        entry.full_read ?? null,
      ]);
      if (!picked) continue;
      if (!columnsOf.has(stream)) {
        say(`raw: skipping ${picked.file}: ${stream} is not a stream this version knows`);
        continue;
      }
      if (prefer && picked.format !== prefer) fellBack.add(manifest.run_id);
      picks.push({ stream, ...picked });
    }

    // What the rows of this run were read from: the directory, the manifest, each file's path, size and modification time.
    const fingerprint = createHash('sha256')
      .update(
        JSON.stringify([
          dataDir,
          manifest,
          await Promise.all(
            picks.map(async (p) => {
              const s = await stat(join(dataDir, p.file));
              return [p.file, s.size, s.mtimeMs];
            }),
          ),
        ]),
      )
      .digest('hex');
    now.set(key(tenant, manifest.run_id), { seq, fingerprint, syncedDate });
    const before = done.get(key(tenant, manifest.run_id));
    if (before?.fingerprint === fingerprint) {
      kept++;
      if (before.seq !== seq) renumbered.push({ tenant, runId: manifest.run_id, seq });
      continue;
    }
    await connection.run('begin transaction');
    try {
      if (before) await forget(tenant, manifest.run_id);
      for (const pick of picks) {
        await loadFile(connection, pick.stream, columnsOf.get(pick.stream) as StreamColumns, join(dataDir, pick.file), pick.format, {
          tenant,
          runId: manifest.run_id,
          seq,
          syncedAt: manifest.synced_at,
          syncedDate,
        });
        files++;
      }
      await connection.run(`insert into _transform.loaded_runs values ($1, $2, $3, $4)`, [tenant, manifest.run_id, seq, fingerprint]);
      await connection.run('commit');
    } catch (error) {
      await connection.run('rollback');
      throw error;
    }
    loaded.push(manifest.run_id);
  }
  await connection.run('begin transaction');
  try {
    await connection.run('delete from raw.runs');
    await connection.run('delete from raw.run_streams');
    await appendRows(connection, 'runs', runRows);
    await appendRows(connection, 'run_streams', streamRows);
    await connection.run('commit');
  } catch (error) {
    await connection.run('rollback');
    throw error;
  }
  if (renumbered.length > 0) {
    // A run now sorts among the ones already loaded: move the others' _run_seq to their new places.
    await connection.run('begin transaction');
    await connection.run(
      `create temporary table renumbered (tenant_id varchar, run_id varchar, run_seq integer, primary key (tenant_id, run_id))`,
    );
    for (const { tenant, runId, seq } of renumbered)
      await connection.run(`insert into renumbered values ($1, $2, $3)`, [tenant, runId, seq]);
    for (const table of streamTables) {
      await connection.run(
        `update ${table} set _run_seq = n.run_seq from renumbered n where ${table}.${TENANT_FIELD} = n.tenant_id and ${table}._run_id = n.run_id`,
      );
    }
    await connection.run(
      `update _transform.loaded_runs set run_seq = n.run_seq from renumbered n where loaded_runs.tenant_id = n.tenant_id and loaded_runs.run_id = n.run_id`,
    );
    await connection.run(`drop table renumbered`);
    await connection.run('commit');
  }
  for (const runId of fellBack) say(`raw: run ${runId} has no ${prefer} files; its other format was read instead`);
  say(
    `raw: ${runs.length} runs: ${loaded.length} loaded from ${files} files, ${kept} kept from the last transform${removed.length > 0 ? `, ${removed.length} removed (their manifests are gone)` : ''}`,
  );
  return { tables, loaded, kept, removed, changed: await changedSinceBuild(connection, now, previous !== layout) };
}

/** Per tenant, where its rows differ from those the last good build was built from (RawLoad.changed). */
async function changedSinceBuild(
  connection: DuckDBConnection,
  now: ReadonlyMap<string, { seq: number; fingerprint: string; syncedDate: string }>,
  relaid: boolean,
): Promise<Map<string, string | 'all'>> {
  const changed = new Map<string, string | 'all'>();
  const change = (tenant: string, from: string | 'all') => {
    const was = changed.get(tenant);
    changed.set(tenant, was === 'all' || from === 'all' ? 'all' : was === undefined || from < was ? from : was);
  };
  const built = new Map<string, { seq: number; fingerprint: string }>();
  for (const row of (await connection.runAndReadAll(`select tenant_id, run_id, run_seq, fingerprint from _transform.built_runs`)).getRows())
    built.set(JSON.stringify([String(row[0]), String(row[1])]), { seq: Number(row[2]), fingerprint: String(row[3]) });
  const tenantOf = (id: string) => (JSON.parse(id) as [string, string])[0];
  for (const id of built.keys()) if (!now.has(id)) change(tenantOf(id), 'all');
  for (const [id, run] of now) {
    const before = built.get(id);
    if (relaid || (before && (before.fingerprint !== run.fingerprint || before.seq !== run.seq))) change(tenantOf(id), 'all');
    else if (!before) change(tenantOf(id), run.syncedDate);
  }
  return changed;
}

/** Once the build passed (inside its swap: transforms/incremental.ts): the runs loaded are what the models were built from. */
export async function recordBuilt(connection: DuckDBConnection): Promise<void> {
  await connection.run('delete from _transform.built_runs');
  await connection.run('insert into _transform.built_runs select * from _transform.loaded_runs');
}

type RowValue = string | number | boolean | null;

/** Rows into raw.<table> through DuckDB's appender, which casts text to each column's type (timestamptz, date…). */
async function appendRows(connection: DuckDBConnection, table: string, rows: readonly RowValue[][]): Promise<void> {
  const appender = await connection.createAppender(table, 'raw');
  for (const row of rows) {
    for (const value of row) {
      if (value === null) appender.appendNull();
      else if (typeof value === 'boolean') appender.appendBoolean(value);
      else appender.appendVarchar(String(value));
    }
    appender.endRow();
  }
  appender.closeSync();
}

interface StreamColumns {
  /** Column → DuckDB type, in schema order. */
  types: Record<string, string>;
  /** The same as a struct literal for read_json. */
  literal: string;
  /** The columns a run's rows are stored in order of (the stream's storage order). */
  order: string[];
}

async function loadFile(
  connection: DuckDBConnection,
  stream: string,
  { types: columns, literal: typed, order }: StreamColumns,
  path: string,
  format: InputFormat,
  run: { tenant: string; runId: string; seq: number; syncedAt: string; syncedDate: string },
): Promise<void> {
  const meta = `${literal(run.runId)}, ${run.seq}, ${literal(run.syncedAt)}::timestamptz, ${literal(run.syncedDate)}::date`;
  const names = Object.keys(columns);
  // Every row gets its folder's tenant: files written before 0.2.0 have no tenant_id, and a folder holds one tenant.
  const tenantId = `${literal(run.tenant)} as ${ident(TENANT_FIELD)}`;
  // The run's rows go in sorted by the stream's storage order (its row_in_run still the file's order): rows that
  // repeat values sit together and compress.
  const sorted = (select: string) => (order.length > 0 ? `select * from (${select}) order by ${order.map(ident).join(', ')}` : select);
  if (format === 'jsonl') {
    // The same read_json call `sync` converts JSONL to Parquet with, so both formats give the same typed values.
    await connection.run(
      `insert into raw.${ident(stream)} ${sorted(`select ${names.map((n) => (n === TENANT_FIELD ? tenantId : ident(n))).join(', ')}, ${meta}, row_number() over () from read_json(${literal(path)}, format = 'newline_delimited', columns = ${typed}, timestampformat = 'iso')`)}`,
    );
    return;
  }
  // A Parquet file written by an older version may lack a column the schema has since gained: read it as null.
  const present = new Set(
    (await connection.runAndReadAll(`select name from parquet_schema(${literal(path)})`)).getRowObjectsJson().map((r) => String(r.name)),
  );
  const select = names.map((n) =>
    n === TENANT_FIELD
      ? tenantId
      : present.has(n)
        ? `cast(${ident(n)} as ${columns[n]}) as ${ident(n)}`
        : `cast(null as ${columns[n]}) as ${ident(n)}`,
  );
  await connection.run(
    `insert into raw.${ident(stream)} ${sorted(`select ${select.join(', ')}, ${meta}, file_row_number + 1 from read_parquet(${literal(path)}, file_row_number = true)`)}`,
  );
}
