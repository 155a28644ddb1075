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
 * end. One sync at a time holds the folder (DIR/.sync.lock, source/out_dir.ts), and a folder holds one API host: the
 * state and manifests record it, and a sync configured for another is refused before any request.
 *
 * The state file is replaced atomically (write, fsync, rename) with the last STATE of every stream that did not
 * fail; a failed stream keeps its previous state, and the run's files are marked partial. A sync interrupted by
 * SIGTERM or SIGINT keeps what it has the same way: files, and each stream's state up to its last checkpoint. A
 * crashed run's leftovers are finalised as failed by the next sync, which holds the lock, so they are never a live
 * run's.
 */
import { createWriteStream, type WriteStream } from 'node:fs';
import { mkdir, open, readdir, readFile, rename, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { duckdbColumnsLiteral } from '../schemas/duckdb.ts';
import { streamByName, STREAMS } from '../streams/index.ts';
import { loadState, type InputState } from '../state/input.ts';
import { ownerMismatch, ownerOf, type StateOwner } from '../state/owner.ts';
import { ConfigError, TransientError } from '../core/errors.ts';
import { type ConfiguredCatalog, defaultCatalog } from './catalog.ts';
import { checkConnection, type CheckResult } from './check.ts';
import { lockOutputDir, prepareOutputDir } from './out_dir.ts';
import type { ResolvedConfig } from './config.ts';
import type { AirbyteMessage, MessageSink } from '../core/protocol.ts';
import { logSummary, read, type ReadResult } from './read/engine.ts';
import { redact } from '../core/redact.ts';

export type { OutputFormat, RunFailure, RunManifest, StreamManifest } from '../core/run_manifest.ts';
import type { OutputFormat, RunFailure, RunManifest, StreamManifest } from '../core/run_manifest.ts';

export interface SyncOptions {
  /** Its `tenant` (the config's, by default the subdomain) is recorded in the state and the manifests. */
  config: ResolvedConfig;
  outDir: string;
  format: OutputFormat;
  /** Default: every stream, incremental where it can be. */
  catalog?: ConfiguredCatalog;
  /** Lines for people, at their level (source/log.ts Logger fits). */
  log?: SyncLog;
  /** Aborted on SIGTERM or SIGINT (its reason names the signal): the sync stops and keeps what it has. */
  signal?: AbortSignal;
}

export interface SyncLog {
  info(text: string): void;
  /** Each request, at `--log-level debug`; optional for callers that want no such lines. */
  debug?(text: string): void;
  warn(text: string): void;
  error(text: string): void;
}

const silent: SyncLog = { info: () => {}, warn: () => {}, error: () => {} };

/**
 * The column of a Parquet file that carries a record's top-level fields its stream's schema does not declare, as one
 * JSON object (null when there are none): the API's fields we do not type yet (install scripts, app metadata) are
 * kept in Parquet as they are in JSONL.
 */
export const EXTRA_COLUMN = '_extra';

/** Top-level property names each stream's schema declares. */
const declaredFields = new Map(STREAMS.map((s) => [s.name, new Set(Object.keys((s.schema as { properties?: object }).properties ?? {}))]));

/**
 * Writes each stream's records to files in the in-flight directory and keeps the last STATE of each stream:
 * `<stream>.jsonl` (the records as read) when the format has JSONL, and `<stream>.to-parquet.jsonl` (each record
 * plus its undeclared fields as one JSON string in `_extra`) when it has Parquet, converted once the read ends.
 */
class FileSink implements MessageSink {
  private readonly dir: string;
  private readonly log: SyncLog;
  private readonly format: OutputFormat;
  private readonly files = new Map<string, WriteStream>();
  readonly counts = new Map<string, number>();
  readonly states = new Map<string, AirbyteMessage & { type: 'STATE' }>();
  /** The read's TRACE ERRORs: the run manifest's failure reasons. */
  readonly failures: RunFailure[] = [];
  /** Streams whose COMPLETE status has been seen. */
  readonly completed = new Set<string>();
  private closed = false;

  constructor(dir: string, format: OutputFormat, log: SyncLog) {
    this.dir = dir;
    this.format = format;
    this.log = log;
  }

  private file(name: string): WriteStream {
    let file = this.files.get(name);
    if (!file) {
      file = createWriteStream(join(this.dir, name));
      this.files.set(name, file);
    }
    return file;
  }

  write(msg: AirbyteMessage): void | Promise<void> {
    // Closed by an interruption: the read waits here for good, so nothing after the close reaches a file or the state.
    if (this.closed) return new Promise(() => {});
    switch (msg.type) {
      case 'RECORD': {
        const stream = msg.record.stream;
        const data = msg.record.data as Record<string, unknown>;
        this.counts.set(stream, (this.counts.get(stream) ?? 0) + 1);
        const line = redact(JSON.stringify(data));
        const full: WriteStream[] = [];
        if (this.format !== 'parquet') {
          const file = this.file(`${stream}.jsonl`);
          if (!file.write(`${line}\n`)) full.push(file);
        }
        if (this.format !== 'jsonl') {
          const declared = declaredFields.get(stream);
          let extra: Record<string, unknown> | undefined;
          for (const key of Object.keys(data)) {
            if (declared?.has(key)) continue;
            extra ??= {};
            extra[key] = data[key];
          }
          const tail = `"${EXTRA_COLUMN}":${extra ? JSON.stringify(redact(JSON.stringify(extra))) : 'null'}}`;
          const file = this.file(`${stream}.to-parquet.jsonl`);
          if (!file.write(`${line === '{}' ? `{${tail}` : `${line.slice(0, -1)},${tail}`}\n`)) full.push(file);
        }
        if (full.length > 0)
          return Promise.all(full.map((f) => new Promise<void>((resolve) => f.once('drain', () => resolve())))).then(() => {});
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
        if (msg.trace.type === 'ERROR') {
          this.log.error(msg.trace.error.message);
          const stream = msg.trace.error.stream_descriptor?.name;
          this.failures.push({
            ...(stream ? { stream } : {}),
            failure_type: msg.trace.error.failure_type,
            message: redact(msg.trace.error.message),
          });
        }
        if (msg.trace.type === 'STREAM_STATUS' && msg.trace.stream_status.status === 'COMPLETE')
          this.completed.add(msg.trace.stream_status.stream_descriptor.name);
        return;
      default:
        return;
    }
  }

  /** Take no more messages and finish the files with what was written. */
  async close(): Promise<void> {
    this.closed = true;
    await this.flush();
  }

  private flushed: Promise<void> | undefined;

  /** End the files (once: an interruption may close the sink while the read is flushing it). */
  flush(): Promise<void> {
    this.flushed ??= Promise.all(
      [...this.files.values()].map(
        (f) => new Promise<void>((resolve, reject) => f.end((error?: Error | null) => (error ? reject(error) : resolve()))),
      ),
    ).then(() => {});
    return this.flushed;
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

/**
 * A run id no run of the folder has: two syncs that start in the same second (a tiny tenant, a retry) would otherwise
 * share one, and the second would overwrite the first's files and manifest. The second gets `_2` (then `_3`…), which
 * sorts after the first.
 */
async function freshRunId(outDir: string, id: string): Promise<string> {
  let candidate = id;
  for (let n = 2; await exists(join(outDir, '_runs', `${candidate}.json`)); n++) candidate = `${id}_${n}`;
  return candidate;
}

async function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  );
}

/**
 * Rows per Parquet row group. DuckDB holds a row group in memory until it is written, and a `device_apps` row is
 * about 1.5 KB, so DuckDB's default (122,880 rows) made converting a 5,000-device first sync peak near 800 MB.
 * Smaller groups bound the conversion's memory whatever the file's size.
 */
const PARQUET_ROW_GROUP_ROWS = 20_000;

/**
 * The DuckDB that converts files: one thread (the file is read and written in order, one row group at a time) and a
 * memory limit, so a run of any size converts in bounded memory, its records in the order they were read.
 */
function converter(): Promise<DuckDBInstance> {
  return DuckDBInstance.create(':memory:', { threads: '1', memory_limit: '256MB', preserve_insertion_order: 'true' });
}

/**
 * Convert a run's JSONL file to typed Parquet through DuckDB: the schema's columns, typed as the transforms read
 * them (catalog/duckdb.ts), plus `_extra` (the record's undeclared fields as JSON) when the input carries it.
 */
async function toParquet(db: DuckDBInstance, stream: string, jsonl: string, parquet: string, withExtra: boolean): Promise<void> {
  const declaration = streamByName(stream);
  if (!declaration) throw new Error(`unknown stream ${stream}`);
  const connection = await db.connect();
  try {
    const declared = duckdbColumnsLiteral(declaration.schema as never);
    const columns = withExtra ? `${declared.slice(0, -1)}${declared === '{}' ? '' : ', '}'${EXTRA_COLUMN}': 'JSON'}` : declared;
    const quoted = (p: string) => `'${p.replace(/'/g, "''")}'`;
    await connection.run(
      `COPY (SELECT * FROM read_json(${quoted(jsonl)}, format = 'newline_delimited', columns = ${columns}, timestampformat = 'iso')) TO ${quoted(parquet)} (FORMAT parquet, COMPRESSION zstd, ROW_GROUP_SIZE ${PARQUET_ROW_GROUP_ROWS})`,
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
  const entries = await readdir(inflight);
  // A stream's records are in `<stream>.jsonl`, `<stream>.to-parquet.jsonl` or both (see FileSink).
  const streams = [...new Set(entries.filter((f) => f.endsWith('.jsonl')).map((f) => f.replace(/(\.to-parquet)?\.jsonl$/, '')))].sort();
  const db = format === 'jsonl' ? undefined : await converter();
  try {
    for (const stream of streams) {
      const dir = join(outDir, stream);
      await mkdir(dir, { recursive: true });
      const base = `${runId}${partial ? '.partial' : ''}`;
      const plain = entries.includes(`${stream}.jsonl`) ? join(inflight, `${stream}.jsonl`) : undefined;
      const augmented = entries.includes(`${stream}.to-parquet.jsonl`) ? join(inflight, `${stream}.to-parquet.jsonl`) : undefined;
      const files: string[] = [];
      const input = augmented ?? plain;
      if (db && input) {
        // Only the plain file when a crashed sync of another format left it: that Parquet then has no _extra.
        await toParquet(db, stream, input, join(dir, `${base}.parquet`), input === augmented);
        files.push(`${stream}/${base}.parquet`);
      }
      if (format !== 'parquet' && plain) {
        await rename(plain, join(dir, `${base}.jsonl`));
        files.push(`${stream}/${base}.jsonl`);
      }
      if (files.length > 0) placed.set(stream, files);
    }
  } finally {
    db?.closeSync();
  }
  await rm(inflight, { recursive: true, force: true });
  return placed;
}

/** A sync that crashed left its records in DIR/_inflight: keep them as a failed run's partial files. */
async function recoverCrashedRuns(outDir: string, format: OutputFormat, tenant: string, log: SyncLog): Promise<void> {
  const root = join(outDir, '_inflight');
  if (!(await exists(root))) return;
  for (const id of await readdir(root)) {
    const inflight = join(root, id);
    const started = Number(id.split('-')[0]);
    const runId = `${compact(Number.isFinite(started) ? started : Date.now())}_crashed`;
    const placed = await placeFiles(outDir, inflight, runId, true, format);
    const streams: Record<string, StreamManifest> = {};
    for (const [stream, files] of placed)
      streams[stream] = { sync_mode: 'full_refresh', status: 'failed', records: -1, full_read: false, files };
    const manifest: RunManifest = {
      run_id: runId,
      tenant,
      synced_at: new Date(started).toISOString(),
      started_at: new Date(started).toISOString(),
      finished_at: new Date().toISOString(),
      status: 'failed',
      format,
      requests: -1,
      streams,
      failures: [{ failure_type: 'system_error', message: 'The sync did not finish: its process crashed or was killed.' }],
    };
    await mkdir(join(outDir, '_runs'), { recursive: true });
    await writeAtomically(join(outDir, '_runs', `${runId}.json`), `${JSON.stringify(manifest, null, 2)}\n`);
    log.warn(
      `A previous sync did not finish; its records are kept as run ${runId} (partial). The state was not advanced, so this sync reads them again.`,
    );
  }
}

/**
 * The folder of a tenant under a data root that holds many: `ROOT/<tenant>`. `tenant` is already a safe folder name
 * (source/spec.ts allows lower-case letters, digits, - and _ only). `transform --data ROOT` reads every such folder.
 */
export function tenantDir(root: string, tenant: string): string {
  return join(root, tenant);
}

export interface SyncResult {
  manifest: RunManifest;
  /** Undefined when the sync was interrupted by `signal` before the read ended. */
  read: ReadResult | undefined;
  /** The signal's reason (e.g. `SIGTERM`) when the sync was interrupted. */
  interrupted?: string;
  /** Streams a default catalog left out because the token cannot read them, with the permission each needs. */
  skipped: { stream: string; permission: string }[];
}

/** Which host (and tenant) a folder's data was read from: its state, else its latest run manifest that says. */
async function folderOwner(outDir: string, state: InputState): Promise<(StateOwner & { from: string }) | undefined> {
  const fromState = ownerOf(state);
  if (fromState) return { ...fromState, from: 'state.json' };
  const runs = join(outDir, '_runs');
  if (!(await exists(runs))) return undefined;
  for (const name of (await readdir(runs))
    .filter((f) => f.endsWith('.json'))
    .sort()
    .reverse()) {
    try {
      const manifest = JSON.parse(await readFile(join(runs, name), 'utf8')) as RunManifest;
      if (typeof manifest.api_host === 'string')
        return { api_host: manifest.api_host, ...(manifest.tenant ? { tenant: manifest.tenant } : {}), from: `_runs/${name}` };
    } catch {
      // an unreadable manifest says nothing about the owner
    }
  }
  return undefined;
}

/**
 * The default catalog for this token: every stream `check` finds readable. A token without one permission (Prism,
 * say) would otherwise fail every sync and never save a state, re-reading everything each time.
 */
async function readableCatalog(
  config: SyncOptions['config'],
  log: SyncLog,
): Promise<{ catalog: ConfiguredCatalog; skipped: CheckResult['missing'] }> {
  const check = await checkConnection(config);
  if (check.budgetSpent) {
    // No budget left to probe with: read every stream, which stops at once, saves its state and ends the run
    // incomplete, for the next run (with a fresh budget) to probe and resume.
    log.warn(
      `The request budget ran out while finding the streams this token can read; every stream is tried and stops where it is. ${check.message}`,
    );
    return { catalog: defaultCatalog(), skipped: [] };
  }
  if (check.status === 'FAILED') {
    const error = check.failureType === 'transient_error' ? new TransientError(check.message) : new ConfigError(check.message);
    throw Object.assign(error, { serverTime: check.serverTime });
  }
  if (check.missing.length > 0) {
    const byPermission = new Map<string, string[]>();
    for (const m of check.missing) byPermission.set(m.permission, [...(byPermission.get(m.permission) ?? []), m.stream]);
    log.warn(
      `Skipping ${check.missing.length} stream(s) this API token cannot read: ${[...byPermission].map(([p, s]) => `${s.join(', ')} (needs "${p}")`).join('; ')}. Enable those permissions on the token in Kandji under Settings → Access to sync them.`,
    );
  }
  const readable = new Set(check.readable);
  return { catalog: defaultCatalog((name) => readable.has(name)), skipped: check.missing };
}

/** The manifest of a run that failed before reading any stream (the token refused, the host unreachable). */
async function writeFailedRun(
  outDir: string,
  format: OutputFormat,
  owner: StateOwner,
  at: number,
  startedAt: number,
  failure: RunFailure,
): Promise<RunManifest> {
  const runId = await freshRunId(outDir, `${compact(at)}_${compact(startedAt)}`);
  const manifest: RunManifest = {
    run_id: runId,
    synced_at: new Date(at).toISOString(),
    started_at: new Date(startedAt).toISOString(),
    finished_at: new Date().toISOString(),
    status: 'failed',
    format,
    requests: 0,
    ...owner,
    streams: {},
    failures: [failure],
  };
  await mkdir(join(outDir, '_runs'), { recursive: true });
  await writeAtomically(join(outDir, '_runs', `${runId}.json`), `${JSON.stringify(manifest, null, 2)}\n`);
  return manifest;
}

/**
 * Read into the folder. Holds the folder's lock for the whole run (a second sync is refused with OutputBusyError).
 * When `signal` aborts, the read stops taking messages, the files keep what was emitted, every stream's state is
 * saved up to its last checkpoint, and the result says `interrupted`.
 */
export async function sync(options: SyncOptions): Promise<SyncResult> {
  const log = options.log ?? silent;
  const { outDir } = options;
  await prepareOutputDir(outDir);
  const lock = await lockOutputDir(outDir);
  try {
    return await syncLocked(options, log);
  } finally {
    await lock.release();
  }
}

async function syncLocked(options: SyncOptions, log: SyncLog): Promise<SyncResult> {
  const { outDir, format, config } = options;
  const owner: StateOwner = { api_host: config.host, tenant: config.tenant };
  const statePath = join(outDir, 'state.json');
  const state: InputState = (await exists(statePath)) ? await loadState(statePath) : new Map();
  const recorded = await folderOwner(outDir, state);
  const mismatch = recorded && ownerMismatch(recorded, owner);
  if (mismatch)
    throw new ConfigError(
      `${outDir} holds the data of ${recorded.api_host}${recorded.tenant ? ` (tenant "${recorded.tenant}")` : ''} (see its ${recorded.from}): it ${mismatch}. A folder holds one tenant: sync ${owner.api_host} into a new --out folder, or point the configuration back at ${recorded.api_host}.`,
    );
  await recoverCrashedRuns(outDir, format, config.tenant, log);
  const startedAt = Date.now();
  let chosen: Awaited<ReturnType<typeof readableCatalog>>;
  try {
    chosen = options.catalog ? { catalog: options.catalog, skipped: [] } : await readableCatalog(config, log);
  } catch (error) {
    if (!(error instanceof ConfigError || error instanceof TransientError)) throw error;
    // The tenant refused the token (or did not answer) before any stream was read: still a run of the tenant's
    // history, so that its failure and reason show in the marts' sync_status beside the tenants that synced.
    log.error(error.message);
    const at = (error as { serverTime?: number }).serverTime ?? startedAt;
    const manifest = await writeFailedRun(outDir, format, owner, at, startedAt, {
      failure_type: error.failureType,
      message: redact(error.message),
    });
    return { manifest, read: undefined, skipped: [] };
  }
  const { catalog, skipped } = chosen;
  const inflight = join(outDir, '_inflight', `${startedAt}-${process.pid}`);
  await mkdir(inflight, { recursive: true });

  const sink = new FileSink(inflight, format, log);
  let anchor = () => Date.now();
  let requests = () => 0;
  const reading = read({
    settings: config,
    catalog,
    state,
    sink,
    say: (line) => log.info(line),
    report: (result) => logSummary(result, log),
    debug: log.debug ? (line) => log.debug?.(line) : undefined,
    onRequests: (count) => (requests = count),
    onAnchor: (live) => (anchor = live),
  });
  const signal = options.signal;
  const interruption = new Promise<string | undefined>((resolve) => {
    if (!signal) return;
    if (signal.aborted) resolve(String(signal.reason));
    signal.addEventListener('abort', () => resolve(String(signal.reason)), { once: true });
  });
  const outcome = await Promise.race([reading.then((result) => ({ result })), interruption.then((reason) => ({ reason }))]);
  let result: ReadResult | undefined;
  let interrupted: string | undefined;
  if ('result' in outcome) result = outcome.result;
  else {
    interrupted = outcome.reason ?? 'a signal';
    // The read is abandoned where it stands: its next message is never taken, so no request follows its pages in flight.
    reading.catch(() => {});
    await sink.close();
  }

  const status: RunManifest['status'] = interrupted
    ? 'incomplete'
    : result?.failed
      ? 'failed'
      : result?.rateLimited
        ? 'incomplete'
        : 'complete';
  const runAnchor = result?.anchor ?? anchor();
  const runId = await freshRunId(outDir, `${compact(runAnchor)}_${compact(startedAt)}`);
  const placed = await placeFiles(outDir, inflight, runId, status !== 'complete', format);
  await rm(join(outDir, '_inflight'), { recursive: true, force: true }).catch(() => {});
  const streams: Record<string, StreamManifest> = {};
  for (const configured of catalog.streams) {
    const name = configured.declaration.name;
    const outcome = result?.outcomes.find((o) => o.name === name);
    streams[name] = {
      sync_mode: configured.syncMode,
      status: outcome?.status ?? (interrupted ? (sink.completed.has(name) ? 'complete' : 'interrupted') : 'failed'),
      records: sink.counts.get(name) ?? 0,
      full_read: outcome?.fullRead ?? false,
      files: placed.get(name) ?? [],
    };
  }
  const manifest: RunManifest = {
    run_id: runId,
    synced_at: new Date(runAnchor).toISOString(),
    started_at: new Date(startedAt).toISOString(),
    finished_at: new Date().toISOString(),
    status,
    format,
    requests: result?.requests ?? requests(),
    ...owner,
    streams,
    failures: sink.failures,
  };
  await mkdir(join(outDir, '_runs'), { recursive: true });
  await writeAtomically(join(outDir, '_runs', `${runId}.json`), `${JSON.stringify(manifest, null, 2)}\n`);

  // The next sync's state: this run's last STATE of each stream that did not fail, over the previous state of the
  // rest (a failed stream keeps its previous state; a stream not in this run keeps its own). An interrupted stream's
  // last STATE is its last checkpoint, behind records already in its file.
  const failed = new Set(Object.entries(streams).flatMap(([name, s]) => (s.status === 'failed' ? [name] : [])));
  type StreamState = { type: 'STREAM'; stream: { stream_descriptor: { name: string } } };
  const previous = (await exists(statePath)) ? (JSON.parse(await readFile(statePath, 'utf8')) as StreamState[]) : [];
  const merged = new Map<string, unknown>();
  for (const s of previous) merged.set(s.stream.stream_descriptor.name, s);
  let saved = 0;
  for (const [name, msg] of sink.states) {
    if (failed.has(name)) continue;
    merged.set(name, { type: 'STREAM', stream: msg.state.stream });
    saved++;
  }
  if (saved > 0) await writeAtomically(statePath, `${JSON.stringify([...merged.values()], null, 2)}\n`);
  if (status === 'failed')
    log.error(
      `The sync failed (${[...failed].join(', ')}): those streams keep their previous state; the state of the ${saved} other stream(s) is saved. This run's files are marked partial.`,
    );
  return { manifest, read: result, ...(interrupted ? { interrupted } : {}), skipped };
}
