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
import { KandjiClient, type ClientOptions, type EndpointCounters } from '../../core/http/client.ts';
import { BudgetExhaustedError, PermissionError } from '../../core/http/errors.ts';
import { message, type MessageSink } from '../../core/protocol.ts';
import { redact } from '../../core/redact.ts';
import type { InputState } from '../../state/input.ts';
import { DETAIL_CATEGORIES, ReadContext, type ReadConfig } from './context.ts';
import { changesWantedFrom, readPlan } from './readers.ts';
import { StreamRun } from './stream_run.ts';

export type ReadSettings = ReadConfig & Omit<ClientOptions, 'onRetry'>;

export interface StreamOutcome {
  name: string;
  status: 'complete' | 'failed' | 'rate-limited';
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
  /** Called once the HTTP client exists, with a live count of its requests: the CLI's progress display reads it. */
  onRequests?: (count: () => number) => void;
}

export async function read(options: ReadOptions): Promise<ReadResult> {
  const { settings, catalog, state, sink } = options;
  const say = options.say ?? (() => {});
  const started = Date.now();
  const client = new KandjiClient({
    ...settings,
    onRetry: ({ endpoint, attempt, why, waitMs }) => say(`retry ${attempt} of ${endpoint} in ${(waitMs / 1000).toFixed(1)} s: ${why}`),
  });
  options.onRequests?.(() => client.totalRequests);
  const ctx = new ReadContext(client, settings);
  const outcomes: StreamOutcome[] = [];

  // State for a stream this connector does not have is ignored, as airbyte-protocol.md §1.5 recommends, but said:
  // it usually means the state file belongs to another connection. State of a known stream not in the catalog is
  // simply unused (a stream the user deselected).
  for (const name of state.keys()) {
    if (!streamByName(name))
      await sink.write(
        message.log(
          'WARN',
          `The state names a stream "${name}" that this connector does not have; its state is ignored. Is this the state file of another connection?`,
        ),
      );
  }

  for (const rejected of catalog.rejected) {
    await sink.write(message.status(rejected.name, 'STARTED'));
    await sink.write(message.error(rejected.reason, 'config_error', { stream: rejected.name }));
    await sink.write(message.status(rejected.name, 'INCOMPLETE'));
  }

  const planOf = (spec: StreamDeclaration) => (spec.fallback?.preferredWhen?.(settings) ? spec.fallback.plan : spec.plan);

  const runStream = async (spec: StreamDeclaration, syncMode: SyncMode): Promise<void> => {
    const run = new StreamRun(spec, sink);
    await run.start();
    let status: StreamOutcome['status'] = 'complete';
    const preferred = planOf(spec);
    try {
      const input = { ctx, run, syncMode, state: state.get(spec.name) };
      try {
        await readPlan(preferred, input);
      } catch (error) {
        // The token lacks the permission of the main plan (device_apps without Prism): take the fallback.
        if (!(error instanceof PermissionError && spec.fallback && preferred === spec.plan && run.records === 0)) throw error;
        await run.warn(
          `${error.message} Falling back to ${spec.fallback.plan.kind === 'per-device' ? spec.fallback.plan.endpoint : 'the fallback'} (one request per device).`,
        );
        await readPlan(spec.fallback.plan, input);
      }
      await run.complete();
    } catch (error) {
      if (error instanceof BudgetExhaustedError) {
        status = 'rate-limited';
        await sink.write(message.log('WARN', `${spec.name}: ${error.message}`));
        await run.incomplete(error.resumeAt);
      } else {
        status = 'failed';
        const text =
          error instanceof ConnectorError
            ? error.message
            : `Unexpected error in stream ${spec.name}: ${(error as Error)?.message ?? String(error)}`;
        const internal = error instanceof ConnectorError ? error.internal : undefined;
        await sink.write(
          message.error(redact(text), failureTypeOf(error), {
            stream: spec.name,
            ...(internal ? { internal: redact(internal) } : {}),
            ...(error instanceof ConnectorError ? {} : { stack: redact((error as Error)?.stack ?? '') }),
          }),
        );
        await run.incomplete();
      }
    }
    outcomes.push({
      name: spec.name,
      status,
      records: run.records,
      warnings: run.warnings,
      nulledFields: run.nulledFields,
      counters: sumCounters(client, spec.name),
    });
  };

  const perDevice = (s: { spec: StreamDeclaration }) => planOf(s.spec).kind === 'per-device';
  // Which device changes the per-device streams will ask for, so the Prism reads keep only those.
  for (const s of catalog.streams.filter(perDevice)) {
    let from: number | undefined;
    try {
      from = changesWantedFrom(planOf(s.spec), s.spec.name, s.syncMode, state.get(s.spec.name));
    } catch {
      continue; // A bad state: that stream's own read reports it.
    }
    if (from !== undefined) ctx.changesFrom = Math.min(ctx.changesFrom ?? from, from);
  }
  // Per-device streams need the fleet list, and when they pick changed devices the Prism changes of the detail
  // categories; not the other fleet-wide reads. They start once those are done, beside the long Prism apps chain
  // instead of after it.
  const feedsPerDevice = (spec: StreamDeclaration) =>
    spec.name === 'devices' ||
    (ctx.changesFrom !== undefined && spec.plan.kind === 'prism' && (DETAIL_CATEGORIES as readonly string[]).includes(spec.plan.category));
  const fleetWide = catalog.streams.filter((s) => !perDevice(s)).map((s) => ({ spec: s.spec, done: runStream(s.spec, s.syncMode) }));
  const perDeviceReads = (async () => {
    await Promise.all(fleetWide.filter((r) => feedsPerDevice(r.spec)).map((r) => r.done));
    for (const s of catalog.streams.filter(perDevice)) await runStream(s.spec, s.syncMode);
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
  for (const line of summary(result)) say(line);
  return result;
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
