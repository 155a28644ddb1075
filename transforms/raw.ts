/**
 * The raw layer: a sync output directory loaded as it is, one typed table per stream plus the runs that wrote them.
 *
 *   raw.runs          one row per run (DIR/_runs/<run_id>.json); run_seq orders runs by the tenant's clock at their
 *                     start (synced_at), then by when they finished: "latest wins" everywhere means highest run_seq
 *   raw.run_streams   one row per run and stream in its manifest: sync mode, status, records, the file loaded
 *   raw.<stream>      every record of every run, in the stream's typed columns (schemas/duckdb.ts, so JSONL and
 *                     Parquet load the same), plus _run_id, _run_seq, _synced_at, _synced_date and _row (the
 *                     record's position in its file)
 *
 * Tables, not views over the files: the database is self-contained (copy it, or upload it to MotherDuck, and every
 * model still works), and the SQL models never see a file path. Every stream gets its table, empty until a run
 * writes it. A run's manifest is the only way in: files without one (a sync still writing) are not read.
 */
import { existsSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { DuckDBConnection } from '@duckdb/node-api';
import { duckdbColumns, duckdbColumnsLiteral } from '../schemas/duckdb.ts';
import type { RunManifest } from '../core/run_manifest.ts';
import { STREAMS } from '../streams/index.ts';

/** Which file to read for a run that wrote both formats. */
export type InputFormat = 'jsonl' | 'parquet';

export interface LoadedRun {
  manifest: RunManifest;
  /** 1 for the earliest run by the tenant's clock. */
  seq: number;
  /** The UTC date of synced_at: the day the run's data describes. */
  syncedDate: string;
}

/** SQL string literal. */
export const literal = (value: string) => `'${value.replace(/'/g, "''")}'`;
const ident = (name: string) => `"${name.replace(/"/g, '""')}"`;

/**
 * The runs of a sync output directory, in order. A crashed run's manifest (run id ending `_crashed`) is skipped: its
 * synced_at is the wall clock when the crashed sync started, not the tenant's, so it cannot be placed in the
 * tenant's history, and the state it left unadvanced makes the next sync read its records again.
 */
export async function readRuns(dataDir: string): Promise<{ runs: LoadedRun[]; skipped: string[] }> {
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

/** Create and fill raw.runs, raw.run_streams and raw.<stream>; returns the raw tables as `raw.<name>`. */
export async function loadRaw(
  connection: DuckDBConnection,
  dataDir: string,
  runs: readonly LoadedRun[],
  prefer: InputFormat | undefined,
  say: (line: string) => void,
): Promise<Set<string>> {
  await connection.run(`create schema if not exists raw`);
  await connection.run(`create or replace table raw.runs (
    run_id varchar primary key, run_seq integer not null, synced_at timestamptz not null, synced_date date not null,
    started_at timestamptz, finished_at timestamptz, status varchar not null, format varchar, requests bigint)`);
  await connection.run(`create or replace table raw.run_streams (
    run_id varchar not null, run_seq integer not null, stream varchar not null, sync_mode varchar, status varchar not null,
    records bigint, file varchar, file_format varchar, is_partial boolean, primary key (run_id, stream))`);

  const tables = new Set(['raw.runs', 'raw.run_streams']);
  const columnsOf = new Map<string, StreamColumns>();
  for (const stream of STREAMS) {
    const columns = duckdbColumns(stream.schema as never);
    columnsOf.set(stream.name, { types: columns, literal: duckdbColumnsLiteral(stream.schema as never) });
    const defs = Object.entries(columns).map(([name, type]) => `${ident(name)} ${type}`);
    await connection.run(
      `create or replace table raw.${ident(stream.name)} (${defs.join(', ')}, _run_id varchar not null, _run_seq integer not null, _synced_at timestamptz not null, _synced_date date not null, _row bigint not null)`,
    );
    tables.add(`raw.${stream.name}`);
  }

  let files = 0;
  const fellBack = new Set<string>();
  for (const { manifest, seq, syncedDate } of runs) {
    await connection.run(`insert into raw.runs values ($1, $2, $3::timestamptz, $4::date, $5::timestamptz, $6::timestamptz, $7, $8, $9)`, [
      manifest.run_id,
      seq,
      manifest.synced_at,
      syncedDate,
      manifest.started_at ?? null,
      manifest.finished_at ?? null,
      manifest.status,
      manifest.format ?? null,
      manifest.requests ?? null,
    ]);
    for (const [stream, entry] of Object.entries(manifest.streams ?? {})) {
      const columns = columnsOf.get(stream);
      const picked = entry.files.length > 0 ? pickFile(dataDir, entry.files, prefer) : undefined;
      if (entry.files.length > 0 && !picked) {
        throw new Error(
          `run ${manifest.run_id}: none of its ${stream} files is in ${dataDir} (${entry.files.join(', ')}); restore them or remove _runs/${manifest.run_id}.json`,
        );
      }
      await connection.run(`insert into raw.run_streams values ($1, $2, $3, $4, $5, $6, $7, $8, $9)`, [
        manifest.run_id,
        seq,
        stream,
        entry.sync_mode ?? null,
        entry.status,
        entry.records ?? null,
        picked?.file ?? null,
        picked?.format ?? null,
        picked ? picked.file.includes('.partial.') : null,
      ]);
      if (!picked) continue;
      if (!columns) {
        say(`raw: skipping ${picked.file}: ${stream} is not a stream this version knows`);
        continue;
      }
      if (prefer && picked.format !== prefer) fellBack.add(manifest.run_id);
      await loadFile(connection, stream, columns, join(dataDir, picked.file), picked.format, {
        runId: manifest.run_id,
        seq,
        syncedAt: manifest.synced_at,
        syncedDate,
      });
      files++;
    }
  }
  for (const runId of fellBack) say(`raw: run ${runId} has no ${prefer} files; its other format was read instead`);
  say(`raw: ${runs.length} runs, ${files} files`);
  return tables;
}

interface StreamColumns {
  /** Column → DuckDB type, in schema order. */
  types: Record<string, string>;
  /** The same as a struct literal for read_json. */
  literal: string;
}

async function loadFile(
  connection: DuckDBConnection,
  stream: string,
  { types: columns, literal: typed }: StreamColumns,
  path: string,
  format: InputFormat,
  run: { runId: string; seq: number; syncedAt: string; syncedDate: string },
): Promise<void> {
  const meta = `${literal(run.runId)}, ${run.seq}, ${literal(run.syncedAt)}::timestamptz, ${literal(run.syncedDate)}::date`;
  const names = Object.keys(columns);
  if (format === 'jsonl') {
    // The same read_json call `sync` converts JSONL to Parquet with, so both formats give the same typed values.
    await connection.run(
      `insert into raw.${ident(stream)} select ${names.map(ident).join(', ')}, ${meta}, row_number() over () from read_json(${literal(path)}, format = 'newline_delimited', columns = ${typed}, timestampformat = 'iso')`,
    );
    return;
  }
  // A Parquet file written by an older version may lack a column the schema has since gained: read it as null.
  const present = new Set(
    (await connection.runAndReadAll(`select name from parquet_schema(${literal(path)})`)).getRowObjectsJson().map((r) => String(r.name)),
  );
  const select = names.map((n) =>
    present.has(n) ? `cast(${ident(n)} as ${columns[n]}) as ${ident(n)}` : `cast(null as ${columns[n]}) as ${ident(n)}`,
  );
  await connection.run(
    `insert into raw.${ident(stream)} select ${select.join(', ')}, ${meta}, file_row_number + 1 from read_parquet(${literal(path)}, file_row_number = true)`,
  );
}
