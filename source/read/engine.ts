/**
 * `read`: runs the configured streams against one tenant. Fleet-wide streams run side by side (the client's pool
 * bounds the requests in flight); per-device streams start once the device list and the Prism detail categories are
 * read, because they reuse the fleet list and the Prism changes those reads produced, and run beside the rest. A stream that fails does not stop the others; it ends INCOMPLETE with an
 * ERROR trace, and the read reports failure. When the run's request budget is spent every stream checkpoints and
 * ends INCOMPLETE with a RATE_LIMITED reason: a clean stop to resume from, not a failure.
 */
import { streamByName } from '../../streams/index.ts';
import type { StreamDeclaration } from '../../streams/declaration.ts';
import type { ConfiguredCatalog, SyncMode } from '../catalog.ts';
import { ConnectorError, failureTypeOf } from '../../core/errors.ts';
import { describeRequest, KandjiClient, type ClientOptions, type EndpointCounters, type RequestInfo } from '../../core/http/client.ts';
import { BudgetExhaustedError, PermissionError } from '../../core/http/errors.ts';
import { message, type MessageSink } from '../../core/protocol.ts';
import { redact } from '../../core/redact.ts';
import type { LogFormat } from '../log.ts';
import type { InputState } from '../../state/input.ts';
import { BOOKMARK_KEYS } from '../../state/bookmarks.ts';
import { checkStateOwner, OWNER_KEYS, stampOwner, type StateOwner } from '../../state/owner.ts';
import { ReadContext, type ReadConfig } from './context.ts';
import { changesWantedFrom, readPlan } from './readers.ts';
import { StreamRun } from './stream_run.ts';

export type ReadSettings = ReadConfig & Omit<ClientOptions, 'onRetry' | 'onRequest'>;

export interface StreamOutcome {
  name: string;
  status: 'complete' | 'failed' | 'rate-limited';
  /** The stream completed and emitted every row that exists: the marts may take its rows as the whole set. */
  fullRead: boolean;
  records: number;
  warnings: number;
  nulledFields: number;
  counters: EndpointCounters;
}

export interface ReadResult {
  outcomes: StreamOutcome[];
  /** Every stream completed (a budget stop counts as not failed, but not complete either). */
  failed: boolean;
  rateLimited: boolean;
  requests: number;
  durationMs: number;
  /** The sync's anchor: the server's clock at the first response. */
  anchor: number;
}

export interface ReadOptions {
  settings: ReadSettings;
  catalog: ConfiguredCatalog;
  state: InputState;
  sink: MessageSink;
  /** Lines for people (retries, the summary): stderr in the CLI. */
  say?: (line: string) => void;
  /** Lines for debugging (each request: method, path, status, time): stderr at `--log-level debug`. */
  debug?: ((line: string) => void) | undefined;
  /** Reports the end-of-read summary; default: the `summary` table's lines through `say`. */
  report?: (result: ReadResult) => void;
  /** Called once the HTTP client exists, with a live count of its requests: the CLI's progress display reads it. */
  onRequests?: (count: () => number) => void;
  /** Called once the read has begun, with its anchor (the server's clock at the first response, else ours): `sync` reads it when interrupted. */
  onAnchor?: (anchor: () => number) => void;
}

export async function read(options: ReadOptions): Promise<ReadResult> {
  const { settings, catalog, state } = options;
  const say = options.say ?? (() => {});
  const debug = options.debug;
  // Another tenant's state would make the incremental streams read nothing and call it complete: refuse it first.
  const owner: StateOwner = { api_host: settings.host, ...(settings.tenant === undefined ? {} : { tenant: settings.tenant }) };
  checkStateOwner(state, owner);
  const sink = ownedStates(options.sink, owner);
  const started = Date.now();
  const client = new KandjiClient({
    ...settings,
    onRetry: ({ endpoint, attempt, why, waitMs }) => say(`retry ${attempt} of ${endpoint} in ${(waitMs / 1000).toFixed(1)} s: ${why}`),
    ...(debug ? { onRequest: (r: RequestInfo) => debug(describeRequest(r)) } : {}),
  });
  options.onRequests?.(() => client.totalRequests);
  const ctx = new ReadContext(client, settings);
  options.onAnchor?.(() => ctx.anchor());
  const outcomes: StreamOutcome[] = [];

  // State for a stream this connector does not have is ignored, as docs/airbyte-protocol.md §1.5 recommends, but said:
  // it usually means the state file belongs to another connection. State of a known stream not in the catalog is
  // simply unused (a stream the user deselected).
  for (const [name, blob] of state) {
    const cursor = streamByName(name)?.cursor?.field;
    const unknown = Object.keys(blob).filter(
      (key) => !BOOKMARK_KEYS.has(key) && key !== cursor && !(OWNER_KEYS as readonly string[]).includes(key),
    );
    if (streamByName(name) && unknown.length > 0)
      await sink.write(
        message.log(
          'WARN',
          `The state of ${name} has ${unknown.map((k) => `"${k}"`).join(', ')}, which this connector does not use; ignored. A typo, or the state of another connector?`,
        ),
      );
    if (!streamByName(name))
      await sink.write(
        message.log(
          'WARN',
          `The state names a stream "${name}" that this connector does not have; its state is ignored. Is this the state file of another connection?`,
        ),
      );
  }

  for (const warning of catalog.warnings ?? []) await sink.write(message.log('WARN', warning));
  for (const rejected of catalog.rejected) {
    await sink.write(message.status(rejected.name, 'STARTED'));
    await sink.write(message.error(rejected.reason, 'config_error', { stream: rejected.name }));
    await sink.write(message.status(rejected.name, 'INCOMPLETE'));
  }

  let budgetReported = false;
  /** Whether the error that stopped the client (client.stopped) has been reported: once per read, not per stream. */
  let connectionReported = false;
  const planOf = (declaration: StreamDeclaration) =>
    declaration.fallback?.preferredWhen?.(settings) ? declaration.fallback.plan : declaration.plan;

  const runStream = async (declaration: StreamDeclaration, syncMode: SyncMode): Promise<void> => {
    const run = new StreamRun(declaration, sink);
    await run.start();
    let status: StreamOutcome['status'] = 'complete';
    const preferred = planOf(declaration);
    try {
      const input = { ctx, run, syncMode, state: state.get(declaration.name) };
      try {
        await readPlan(preferred, input);
      } catch (error) {
        // The token lacks the permission of the main plan (device_apps without Prism): take the fallback.
        if (!(error instanceof PermissionError && declaration.fallback && preferred === declaration.plan && run.records === 0)) throw error;
        await run.warn(
          `${error.message} Falling back to ${declaration.fallback.plan.kind === 'per-device' ? declaration.fallback.plan.endpoint : 'the fallback'} (one request per device).`,
        );
        await readPlan(declaration.fallback.plan, input);
      }
      await run.complete();
    } catch (error) {
      if (error instanceof BudgetExhaustedError) {
        status = 'rate-limited';
        // Every unfinished stream stops on the same budget: say when to run again once, not once per stream.
        if (!budgetReported) {
          budgetReported = true;
          await sink.write(message.log('WARN', error.message));
        }
        await run.incomplete(error.resumeAt);
      } else if (error === client.stopped && client.stopped !== undefined) {
        // The token, the host's name or its certificate: the same for every stream, so said once, for the connection.
        status = 'failed';
        if (!connectionReported) {
          connectionReported = true;
          const { message: text, internal } = client.stopped;
          await sink.write(message.error(redact(text), client.stopped.failureType, internal ? { internal: redact(internal) } : {}));
        }
        await run.incomplete();
      } else {
        status = 'failed';
        const text =
          error instanceof ConnectorError
            ? error.message
            : `Unexpected error in stream ${declaration.name}: ${(error as Error)?.message ?? String(error)}`;
        const internal = error instanceof ConnectorError ? error.internal : undefined;
        await sink.write(
          message.error(redact(text), failureTypeOf(error), {
            stream: declaration.name,
            ...(internal ? { internal: redact(internal) } : {}),
            ...(error instanceof ConnectorError ? {} : { stack: redact((error as Error)?.stack ?? '') }),
          }),
        );
        await run.incomplete();
      }
    }
    outcomes.push({
      name: declaration.name,
      status,
      fullRead: status === 'complete' && run.fullRead,
      records: run.records,
      warnings: run.warnings,
      nulledFields: run.nulledFields,
      counters: sumCounters(client, declaration.name),
    });
  };

  const perDevicePlan = (declaration: StreamDeclaration) => {
    const plan = planOf(declaration);
    return plan.kind === 'per-device' ? plan : undefined;
  };
  const perDevice = (s: { declaration: StreamDeclaration }) => perDevicePlan(s.declaration) !== undefined;
  // Which device changes the per-device streams will ask for, so the Prism reads keep only those.
  const parents = new Set<string>();
  for (const s of catalog.streams) {
    const plan = perDevicePlan(s.declaration);
    if (!plan) continue;
    parents.add(plan.parent);
    if (plan.changedBy && plan.changedBy !== 'check_in') for (const c of plan.changedBy.prism) ctx.watchedCategories.add(c);
    let from: number | undefined;
    try {
      from = changesWantedFrom(plan, s.declaration, s.syncMode, state.get(s.declaration.name));
    } catch {
      continue; // A bad state: that stream's own read reports it.
    }
    if (from !== undefined) ctx.changesFrom = Math.min(ctx.changesFrom ?? from, from);
  }
  // Per-device streams need their parent's rows (the fleet), and when they pick changed devices the Prism changes
  // of the categories they watch; not the other fleet-wide reads. They start once those are done, beside the long
  // Prism apps chain instead of after it.
  const feedsPerDevice = (declaration: StreamDeclaration) =>
    parents.has(declaration.name) ||
    (ctx.changesFrom !== undefined && declaration.plan.kind === 'prism' && ctx.watchedCategories.has(declaration.plan.category));
  const fleetWide = catalog.streams
    .filter((s) => !perDevice(s))
    .map((s) => ({ declaration: s.declaration, done: runStream(s.declaration, s.syncMode) }));
  const perDeviceReads = (async () => {
    await Promise.all(fleetWide.filter((r) => feedsPerDevice(r.declaration)).map((r) => r.done));
    for (const s of catalog.streams.filter(perDevice)) await runStream(s.declaration, s.syncMode);
  })();
  await Promise.all([...fleetWide.map((r) => r.done), perDeviceReads]);

  await sink.flush();
  await client.close();
  const result: ReadResult = {
    outcomes,
    failed: catalog.rejected.length > 0 || outcomes.some((o) => o.status === 'failed'),
    rateLimited: outcomes.some((o) => o.status === 'rate-limited'),
    requests: client.totalRequests,
    durationMs: Date.now() - started,
    anchor: ctx.anchor(),
  };
  if (options.report) options.report(result);
  else for (const line of summary(result)) say(line);
  return result;
}

/** Every STATE passed on with the host (and tenant) it was read from. */
function ownedStates(sink: MessageSink, owner: StateOwner): MessageSink {
  return {
    write: (msg) => {
      if (msg.type !== 'STATE' || msg.state.stream.stream_state === null) return sink.write(msg);
      const { stream } = msg.state;
      return sink.write({
        ...msg,
        state: { ...msg.state, stream: { ...stream, stream_state: stampOwner(stream.stream_state as Record<string, unknown>, owner) } },
      });
    },
    flush: () => sink.flush(),
  };
}

function sumCounters(client: KandjiClient, stream: string): EndpointCounters {
  const total: EndpointCounters = { requests: 0, retries: 0, throttled: 0, bytes: 0, waitedMs: 0 };
  for (const c of client.counters.get(stream)?.values() ?? []) {
    total.requests += c.requests;
    total.retries += c.retries;
    total.throttled += c.throttled;
    total.bytes += c.bytes;
    total.waitedMs += c.waitedMs;
  }
  return total;
}

/** The end-of-read table: records, requests, retries, 429s and time waited per stream. */
export function summary(result: ReadResult): string[] {
  const rows = [...result.outcomes].sort((a, b) => a.name.localeCompare(b.name));
  const width = Math.max(6, ...rows.map((r) => r.name.length));
  const line = (cells: string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(width) : c.padStart(i === 1 ? 12 : 9))).join('  ');
  const out = [line(['stream', 'status', 'records', 'requests', 'retries', '429s', 'waited s'])];
  for (const r of rows) {
    out.push(
      line([
        r.name,
        r.status,
        String(r.records),
        String(r.counters.requests),
        String(r.counters.retries),
        String(r.counters.throttled),
        (r.counters.waitedMs / 1000).toFixed(1),
      ]),
    );
  }
  const records = rows.reduce((n, r) => n + r.records, 0);
  const seconds = result.durationMs / 1000;
  out.push(
    `${records} records in ${seconds.toFixed(1)} s (${Math.round(records / Math.max(seconds, 0.001))}/s), ${result.requests} requests`,
  );
  return out;
}

/** The end-of-read summary on a logger: the table as text lines, or with `--log-format json` one line whose fields hold the figures. */
export function logSummary(
  result: ReadResult,
  log: { info(text: string, fields?: Record<string, unknown>): void; format?: LogFormat },
): void {
  if (log.format === 'json') log.info('read summary', summaryFields(result));
  else for (const line of summary(result)) log.info(line);
}

/** The end-of-read summary as fields, for `--log-format json`: per stream, then the totals. Times in seconds. */
export function summaryFields(result: ReadResult): Record<string, unknown> {
  const streams: Record<string, unknown> = {};
  const total = { records: 0, retries: 0, throttled: 0, waitedMs: 0 };
  for (const r of [...result.outcomes].sort((a, b) => a.name.localeCompare(b.name))) {
    streams[r.name] = {
      status: r.status,
      records: r.records,
      requests: r.counters.requests,
      retries: r.counters.retries,
      throttled: r.counters.throttled,
      bytes: r.counters.bytes,
      waited_s: round(r.counters.waitedMs / 1000),
    };
    total.records += r.records;
    total.retries += r.counters.retries;
    total.throttled += r.counters.throttled;
    total.waitedMs += r.counters.waitedMs;
  }
  return {
    streams,
    records: total.records,
    requests: result.requests,
    retries: total.retries,
    throttled: total.throttled,
    waited_s: round(total.waitedMs / 1000),
    duration_s: round(result.durationMs / 1000),
    failed: result.failed,
    rate_limited: result.rateLimited,
  };
}

const round = (n: number) => Math.round(n * 10) / 10;
