/**
 * `sync`: a read run in-process, written to files analysts can query, with history.
 *
 * Layout of the output directory:
 *
 *   DIR/state.json                          state for the next sync (the last STATE of each stream)
 *   DIR/<stream>/<run_id>.jsonl|.parquet    that run's records of the stream
 *   DIR/<stream>/<run_id>.partial.*         the same from a run that did not complete
 *   DIR/_runs/<run_id>.json                 the run's manifest: when, status, per-stream counts and files
 *
 * `run_id` starts with the sync's anchor (the server's clock at its first response), so runs sort by tenant time and
 * history accumulates. Records are written to DIR/_inflight/<id>/ while the read runs and moved into place at the
 * end. The state file is replaced atomically (write, fsync, rename) and only when the run leaves a resumable state:
 * a complete run, or one stopped cleanly by the request budget. A failed run leaves the previous good state in
 * place and its files marked partial; a crashed run's leftovers are finalised as failed by the next sync.
 */
import { createWriteStream, type WriteStream } from 'node:fs';
import { mkdir, open, readdir, readFile, rename, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { duckdbColumnsLiteral } from '../schemas/duckdb.ts';
import { streamByName, STREAMS } from '../streams/index.ts';
import { loadState } from '../state/input.ts';
import { parseCatalog, type ConfiguredCatalog } from './catalog.ts';
import type { ResolvedConfig } from './config.ts';
import type { AirbyteMessage, MessageSink } from '../core/protocol.ts';
import { read, type ReadResult } from './read/engine.ts';
import { redact } from '../core/redact.ts';

export type { OutputFormat, RunManifest, StreamManifest } from '../core/run_manifest.ts';
import type { OutputFormat, RunManifest, StreamManifest } from '../core/run_manifest.ts';

export interface SyncOptions {
  config: ResolvedConfig;
  outDir: string;
  format: OutputFormat;
  /** Default: every stream, incremental where it can be. */
  catalog?: ConfiguredCatalog;
  /** Lines for people, at their level (source/log.ts Logger fits). */
  log?: SyncLog;
}

export interface SyncLog {
  info(text: string): void;
  warn(text: string): void;
  error(text: string): void;
}

const silent: SyncLog = { info: () => {}, warn: () => {}, error: () => {} };

/** A catalog of every stream, incremental where the stream supports it. */
export function defaultCatalog(): ConfiguredCatalog {
  return parseCatalog({
    streams: STREAMS.map((s) => ({
      stream: { name: s.name },
      sync_mode: s.cursorField ? 'incremental' : 'full_refresh',
      destination_sync_mode: 'append',
    })),
  });
}

/** Writes each stream's records to its own JSONL file and keeps the last STATE of each stream. */
class FileSink implements MessageSink {
  private readonly dir: string;
  private readonly log: SyncLog;
  private readonly files = new Map<string, WriteStream>();
  readonly counts = new Map<string, number>();
  readonly states = new Map<string, AirbyteMessage & { type: 'STATE' }>();

  constructor(dir: string, log: SyncLog) {
    this.dir = dir;
    this.log = log;
  }

  write(msg: AirbyteMessage): void | Promise<void> {
    switch (msg.type) {
      case 'RECORD': {
        const stream = msg.record.stream;
        let file = this.files.get(stream);
        if (!file) {
          file = createWriteStream(join(this.dir, `${stream}.jsonl`));
          this.files.set(stream, file);
        }
        this.counts.set(stream, (this.counts.get(stream) ?? 0) + 1);
        if (!file.write(`${redact(JSON.stringify(msg.record.data))}\n`)) return new Promise((resolve) => file.once('drain', resolve));
        return;
      }
      case 'STATE':
        this.states.set(msg.state.stream.stream_descriptor.name, msg);
        return;
      case 'LOG':
        if (msg.log.level === 'ERROR' || msg.log.level === 'FATAL') this.log.error(msg.log.message);
        else if (msg.log.level === 'WARN') this.log.warn(msg.log.message);
        else this.log.info(msg.log.message);
        return;
      case 'TRACE':
        if (msg.trace.type === 'ERROR') this.log.error(msg.trace.error.message);
        return;
      default:
        return;
    }
  }

  async flush(): Promise<void> {
    await Promise.all(
      [...this.files.values()].map(
        (f) => new Promise<void>((resolve, reject) => f.end((error?: Error | null) => (error ? reject(error) : resolve()))),
      ),
    );
  }
}

/** `20260105T120000Z` from ms. */
function compact(ms: number): string {
  return new Date(ms)
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d{3}Z$/, 'Z');
}

/** Replace `path` with `content` so that a crash leaves either the old or the new file, never a torn one. */
export async function writeAtomically(path: string, content: string): Promise<void> {
  const temporary = `${path}.tmp-${process.pid}`;
  const handle = await open(temporary, 'w');
  try {
    await handle.writeFile(content);
    await handle.sync();
  } finally {
    await handle.close();
  }
  await rename(temporary, path);
}

async function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  );
}

/** Convert a run's JSONL file to typed Parquet through DuckDB. */
async function toParquet(db: DuckDBInstance, stream: string, jsonl: string, parquet: string): Promise<void> {
  const spec = streamByName(stream);
  if (!spec) throw new Error(`unknown stream ${stream}`);
  const connection = await db.connect();
  try {
    const columns = duckdbColumnsLiteral(spec.schema as never);
    const quoted = (p: string) => `'${p.replace(/'/g, "''")}'`;
    await connection.run(
      `COPY (SELECT * FROM read_json(${quoted(jsonl)}, format = 'newline_delimited', columns = ${columns}, timestampformat = 'iso')) TO ${quoted(parquet)} (FORMAT parquet, COMPRESSION zstd)`,
    );
  } finally {
    connection.closeSync();
  }
}

/** Move a finished (or abandoned) in-flight run into the layout, converting formats; returns the manifest's streams. */
async function placeFiles(
  outDir: string,
  inflight: string,
  runId: string,
  partial: boolean,
  format: OutputFormat,
): Promise<Map<string, string[]>> {
  const placed = new Map<string, string[]>();
  const names = (await readdir(inflight)).filter((f) => f.endsWith('.jsonl'));
  const db = format === 'jsonl' ? undefined : await DuckDBInstance.create(':memory:');
  try {
    for (const name of names) {
      const stream = name.replace(/\.jsonl$/, '');
      const dir = join(outDir, stream);
      await mkdir(dir, { recursive: true });
      const base = `${runId}${partial ? '.partial' : ''}`;
      const files: string[] = [];
      if (db) {
        await toParquet(db, stream, join(inflight, name), join(dir, `${base}.parquet`));
        files.push(`${stream}/${base}.parquet`);
      }
      if (format !== 'parquet') {
        await rename(join(inflight, name), join(dir, `${base}.jsonl`));
        files.push(`${stream}/${base}.jsonl`);
      }
      placed.set(stream, files);
    }
  } finally {
    db?.closeSync();
  }
  await rm(inflight, { recursive: true, force: true });
  return placed;
}

/** A sync that crashed left its records in DIR/_inflight: keep them as a failed run's partial files. */
async function recoverCrashedRuns(outDir: string, format: OutputFormat, log: SyncLog): Promise<void> {
  const root = join(outDir, '_inflight');
  if (!(await exists(root))) return;
  for (const id of await readdir(root)) {
    const inflight = join(root, id);
    const started = Number(id.split('-')[0]);
    const runId = `${compact(Number.isFinite(started) ? started : Date.now())}_crashed`;
    const placed = await placeFiles(outDir, inflight, runId, true, format);
    const streams: Record<string, StreamManifest> = {};
    for (const [stream, files] of placed) streams[stream] = { sync_mode: 'full_refresh', status: 'failed', records: -1, files };
    const manifest: RunManifest = {
      run_id: runId,
      synced_at: new Date(started).toISOString(),
      started_at: new Date(started).toISOString(),
      finished_at: new Date().toISOString(),
      status: 'failed',
      format,
      requests: -1,
      streams,
    };
    await mkdir(join(outDir, '_runs'), { recursive: true });
    await writeAtomically(join(outDir, '_runs', `${runId}.json`), `${JSON.stringify(manifest, null, 2)}\n`);
    log.warn(
      `A previous sync did not finish; its records are kept as run ${runId} (partial). The state was not advanced, so this sync reads them again.`,
    );
  }
}

export interface SyncResult {
  manifest: RunManifest;
  read: ReadResult;
}

export async function sync(options: SyncOptions): Promise<SyncResult> {
  const log = options.log ?? silent;
  const { outDir, format } = options;
  await mkdir(outDir, { recursive: true });
  await recoverCrashedRuns(outDir, format, log);
  const statePath = join(outDir, 'state.json');
  const state = (await exists(statePath)) ? await loadState(statePath) : new Map();
  const catalog = options.catalog ?? defaultCatalog();
  const startedAt = Date.now();
  const inflight = join(outDir, '_inflight', `${startedAt}-${process.pid}`);
  await mkdir(inflight, { recursive: true });

  const sink = new FileSink(inflight, log);
  const result = await read({ settings: options.config, catalog, state, sink, say: (line) => log.info(line) });

  const status: RunManifest['status'] = result.failed ? 'failed' : result.rateLimited ? 'incomplete' : 'complete';
  const runId = `${compact(result.anchor)}_${compact(startedAt)}`;
  const placed = await placeFiles(outDir, inflight, runId, status !== 'complete', format);
  await rm(join(outDir, '_inflight'), { recursive: true, force: true }).catch(() => {});
  const streams: Record<string, StreamManifest> = {};
  for (const configured of catalog.streams) {
    const outcome = result.outcomes.find((o) => o.name === configured.spec.name);
    streams[configured.spec.name] = {
      sync_mode: configured.syncMode,
      status: outcome?.status ?? 'failed',
      records: sink.counts.get(configured.spec.name) ?? 0,
      files: placed.get(configured.spec.name) ?? [],
    };
  }
  const manifest: RunManifest = {
    run_id: runId,
    synced_at: new Date(result.anchor).toISOString(),
    started_at: new Date(startedAt).toISOString(),
    finished_at: new Date().toISOString(),
    status,
    format,
    requests: result.requests,
    streams,
  };
  await mkdir(join(outDir, '_runs'), { recursive: true });
  await writeAtomically(join(outDir, '_runs', `${runId}.json`), `${JSON.stringify(manifest, null, 2)}\n`);

  if (status !== 'failed') {
    // The next sync's state: this run's last STATE per stream, over the previous state for streams not in this run.
    type StreamState = { type: 'STREAM'; stream: { stream_descriptor: { name: string } } };
    const previous = (await exists(statePath)) ? (JSON.parse(await readFile(statePath, 'utf8')) as StreamState[]) : [];
    const merged = new Map<string, unknown>();
    for (const s of previous) merged.set(s.stream.stream_descriptor.name, s);
    for (const [name, msg] of sink.states) merged.set(name, { type: 'STREAM', stream: msg.state.stream });
    await writeAtomically(statePath, `${JSON.stringify([...merged.values()], null, 2)}\n`);
  } else {
    log.error("The sync failed: the previous state is kept, and this run's files are marked partial.");
  }
  return { manifest, read: result };
}
