/**
 * The four ways a stream is read, written once each. A stream's declaration picks one (streams/declaration.ts `plan`)
 * and says its cursor, its parent and what marks a device changed; these loops do the paging, the emitting and the
 * checkpointing, and never test a stream's name.
 */
import type { Cursor, ListRequest, ReadPlan, StreamDeclaration } from '../../streams/declaration.ts';
import { ConfigError, ConnectorError } from '../../core/errors.ts';
import {
  FULL_REFRESH_DONE,
  isoMicros,
  pullBackAudit,
  readAuditBookmark,
  readPrismBookmark,
  readRollingBookmark,
  writeAuditBookmark,
  writePrismBookmark,
  writeRollingBookmark,
  type RollingBookmark,
} from '../../state/bookmarks.ts';
import { fullReadDue } from '../../state/cadence.ts';
import { after, earliestWanted, select } from '../../state/rolling.ts';
import { NotFoundError } from '../../core/http/errors.ts';
import { followNext, pages } from '../../core/http/paginators.ts';
import type { Query } from '../../core/http/client.ts';
import { childOf, epochMs, listPages, prismPages, type FleetDevice, type ReadContext } from './context.ts';
import type { StreamRun } from './stream_run.ts';
import type { SyncMode } from '../catalog.ts';
import { START_DATE_DEFAULT_DAYS } from '../spec.ts';

const DAY = 86_400_000;

type PerDevicePlan = Extract<ReadPlan, { kind: 'per-device' }>;

export interface ReaderInput {
  ctx: ReadContext;
  run: StreamRun;
  syncMode: SyncMode;
  state: Record<string, unknown> | undefined;
}

export function readPlan(plan: ReadPlan, input: ReaderInput): Promise<void> {
  switch (plan.kind) {
    case 'list':
      return readList(plan.requests, plan.children, input);
    case 'prism':
      return readPrism(plan.category, input);
    case 'audit':
      return readAudit(input);
    case 'per-device':
      return readPerDevice(plan, input);
  }
}

/** The stream's cursor field; a declaration whose plan filters on a cursor must name one. */
function cursorField(declaration: StreamDeclaration): string {
  if (!declaration.cursor) throw new Error(`${declaration.name} is read incrementally but declares no cursor`);
  return declaration.cursor.field;
}

/**
 * One or more paged lists. Full refresh: everything, every sync. A parent stream (devices) also hands its rows to
 * the per-device streams. Incremental (a declared cursor filtered `json` or `client`): rows at or after the bookmark
 * less the lookback, through the list's JSON `filter` (or, when the API refuses it, the whole list filtered here),
 * the bookmark moving to the sync's anchor at the end; every `prism_full_read_every_days` the list is read whole, so
 * rows that are gone (a patched vulnerability) show by their absence.
 */
async function readList(
  requests: ListRequest[],
  children: { id: string; changedAt: string; kind?: string } | undefined,
  input: ReaderInput,
) {
  const { ctx, run, syncMode } = input;
  const cursor = run.declaration.cursor;
  if (syncMode === 'incremental' && cursor && (cursor.filter === 'json' || cursor.filter === 'client'))
    return readListIncremental(requests, cursor, input);
  const fleet: FleetDevice[] | undefined = children ? [] : undefined;
  for (const request of requests) {
    for await (const page of ahead(
      listPages(ctx.client, request, { stream: run.declaration.name, permission: run.declaration.permission }),
    )) {
      if (fleet && children) for (const row of page.rows as Record<string, unknown>[]) fleet.push(childOf(children, row));
      await run.emitAll(page.rows, request.tag);
    }
  }
  if (fleet) ctx.setParent(run.declaration.name, fleet);
  run.fullRead = true;
  await run.checkpoint(FULL_REFRESH_DONE);
}

async function readListIncremental(requests: ListRequest[], cursor: Cursor, { ctx, run, state }: ReaderInput): Promise<void> {
  const field = cursor.field;
  const bookmark = readPrismBookmark(run.declaration.name, field, state);
  const meta = { stream: run.declaration.name, permission: run.declaration.permission };
  const first = requests[0] as ListRequest;
  const due = async () => {
    const now = await ctx.serverClock(() => ctx.client.get(first.path, first.paginator().first(), { ...meta, endpoint: first.endpoint }));
    return fullReadDue(run.declaration.name, now, bookmark.fullReadAt, ctx.config.fullReadEveryDays);
  };
  const full = bookmark.since === undefined || (ctx.config.fullReadEveryDays >= 1 && (await due()));
  const from = full ? undefined : Math.max(0, (bookmark.since as number) - ctx.config.lookbackMs);
  const recent = (row: unknown) => {
    if (from === undefined) return true;
    const mapped = run.declaration.map ? run.declaration.map(row as Record<string, unknown>) : (row as Record<string, unknown>);
    return (epochMs(mapped[field]) ?? Number.POSITIVE_INFINITY) >= from;
  };
  // The bookmark as it was, before any record: a read stopped midway (the budget) resumes from it, re-reading the
  // rows emitted before the stop (removed by primary key downstream) and losing none.
  await run.checkpoint(writePrismBookmark(field, { ...bookmark, resume: undefined }));
  let anchor: number | undefined;
  for (const request of requests) {
    const filter =
      from !== undefined && cursor.filter === 'json'
        ? JSON.stringify({ [cursor.apiField ?? field]: { gte: new Date(from).toISOString() } })
        : undefined;
    const read = async (withFilter: string | undefined) => {
      const paginator = request.paginator();
      const start = { path: request.path, query: { ...paginator.first(), ...(withFilter ? { filter: withFilter } : {}) } };
      for await (const page of pages(ctx.client, request.path, paginator, { ...meta, endpoint: request.endpoint }, start)) {
        anchor ??= ctx.anchor();
        await run.emitAll(page.rows.filter(recent), request.tag);
      }
    };
    try {
      await read(filter);
    } catch (error) {
      // The API refused the filter (an older tenant, a renamed field): read the list whole and filter here instead.
      if (!(filter && run.records === 0 && error instanceof ConnectorError && /HTTP 400/.test(error.message))) throw error;
      await run.warn(`${request.endpoint} refused the filter on ${cursor.apiField ?? field} (${error.message}); reading it whole instead`);
      await read(undefined);
    }
  }
  if (full) run.fullRead = true;
  const done = anchor ?? ctx.anchor();
  await run.checkpoint(writePrismBookmark(field, { since: done, fullReadAt: full ? done : bookmark.fullReadAt, resume: undefined }));
}

/**
 * A Prism category. Incremental: only rows with the cursor at or after the bookmark less the lookback (Prism's
 * `filter`), and the bookmark moves to the sync's anchor once the whole category is read. Every
 * `prism_full_read_every_days` (state/cadence.ts) the category is read in full instead, so that deleted rows show
 * by their absence. Prism's cursor walks rows in device order, not time order, so mid-stream checkpoints keep the
 * old bookmark and carry the cursor to resume from.
 */
async function readPrism(category: string, { ctx, run, syncMode, state }: ReaderInput): Promise<void> {
  const field = cursorField(run.declaration);
  const bookmark = readPrismBookmark(run.declaration.name, field, syncMode === 'incremental' ? state : undefined);
  const since = bookmark.since;
  const meta = { stream: run.declaration.name, permission: run.declaration.permission };
  // Whether a full re-read is due depends on the server's clock (the simulator's is not ours), known after a response.
  const due = async () => {
    const now = await ctx.serverClock(() =>
      ctx.client.get(`/prism/${category}`, { limit: 1 }, { ...meta, endpoint: `GET /prism/${category}` }),
    );
    return fullReadDue(run.declaration.name, now, bookmark.fullReadAt, ctx.config.fullReadEveryDays);
  };
  const full = since === undefined || (bookmark.resume ? bookmark.resume.full : ctx.config.fullReadEveryDays >= 1 && (await due()));
  // A resumed read must send the same filter as the read it continues: the lookback is taken from the same bookmark.
  const from = full ? undefined : Math.max(0, (since as number) - ctx.config.lookbackMs);
  // Per-device changes are kept only when a per-device stream of this read will ask (ReadContext.changesFrom), and
  // only from the earliest change it will ask about.
  const changesFrom = ctx.watchedCategories.has(category) ? ctx.changesFrom : undefined;
  const tracked = changesFrom === undefined ? undefined : { from: changesFrom, latest: new Map<string, number>() };
  let anchor = bookmark.resume?.anchor;
  // A device's rows mostly share one updated_at: read each distinct spelling once.
  let lastSeen: unknown;
  let lastAt: number | undefined;
  for await (const page of ahead(prismPages(ctx.client, category, field, from, meta, bookmark.resume?.cursor))) {
    anchor ??= ctx.anchor();
    if (tracked) {
      for (const row of page.rows as Record<string, unknown>[]) {
        if (row[field] !== lastSeen) [lastSeen, lastAt] = [row[field], epochMs(row[field])];
        const id = String(row.device_id);
        if (lastAt !== undefined && lastAt >= tracked.from && lastAt > (tracked.latest.get(id) ?? -Infinity))
          tracked.latest.set(id, lastAt);
      }
    }
    await run.emitAll(page.rows);
    const cursor = page.next && 'query' in page.next ? (page.next.query.cursor as string | undefined) : undefined;
    if (cursor) await run.checkpoint(writePrismBookmark(field, { ...bookmark, resume: { cursor, anchor, full } }));
  }
  // A resumed read saw only part of the category: neither the per-device streams nor the marts may take it as whole.
  if (tracked && !bookmark.resume) ctx.prismChanges.set(category, { since: from, latest: tracked.latest });
  if (full && !bookmark.resume) run.fullRead = true;
  const done = anchor ?? ctx.anchor();
  await run.checkpoint(writePrismBookmark(field, { since: done, fullReadAt: full ? done : bookmark.fullReadAt, resume: undefined }));
}

/**
 * The audit log, oldest first from the bookmark less the lookback (or start_date, or 30 days back). Events after
 * the sync's anchor are left for the next sync, so the bookmark never passes the sync's start. The events at
 * exactly the bookmark instant are re-read and the ones already emitted skipped by id; the ones the lookback
 * re-reads are emitted again and removed by primary key downstream.
 */
async function readAudit({ ctx, run, syncMode, state }: ReaderInput): Promise<void> {
  const field = cursorField(run.declaration);
  const bookmark = readAuditBookmark(run.declaration.name, field, syncMode === 'incremental' ? state : undefined);
  const meta = { stream: run.declaration.name, endpoint: 'GET /audit/events', permission: run.declaration.permission };
  let since = bookmark.since === undefined ? ctx.config.startDate : bookmark.since - ctx.config.lookbackMs;
  if (since === undefined) {
    // A first sync with no start_date: learn the server's clock with the smallest possible request.
    await ctx.client.get('/audit/events', { limit: 1, sort_by: `-${field}` }, meta);
    since = ctx.anchor() - START_DATE_DEFAULT_DAYS * DAY;
  }
  const skip = new Set(bookmark.since === undefined ? [] : bookmark.idsAtCursor);
  let at = bookmark.since;
  let idsAt = [...bookmark.idsAtCursor];
  const first: Query = { limit: 500, sort_by: field, start_date: new Date(since).toISOString() };
  for await (const page of pages(ctx.client, '/audit/events', followNext({ style: 'cursor envelope', first }), meta)) {
    const anchor = ctx.anchor();
    if (bookmark.since === undefined) refuseFutureStart(ctx.config.startDate, anchor);
    ({ since: at, idsAtCursor: idsAt } = pullBackAudit({ since: at, idsAtCursor: idsAt }, anchor));
    let pastAnchor = false;
    for (const row of page.rows as Record<string, unknown>[]) {
      const occurred = epochMs(row[field]);
      const id = String(row.id);
      if (occurred === undefined) {
        await run.warn(`event ${id} has an unreadable ${field} ${JSON.stringify(row[field])}; emitted without moving the bookmark`);
        await run.emit(row);
        continue;
      }
      if (occurred > anchor) {
        pastAnchor = true;
        break;
      }
      if (occurred === bookmark.since && skip.has(id)) continue;
      await run.emit(row);
      if (at === undefined || occurred > at) [at, idsAt] = [occurred, [id]];
      else if (occurred === at) idsAt.push(id);
    }
    if (at !== undefined) await run.checkpoint(writeAuditBookmark(field, { since: at, idsAtCursor: idsAt }));
    if (pastAnchor) break;
  }
  if (at === undefined) {
    // No event read: keep the bookmark unless it lies past the sync's start (a future state), which is not kept.
    const keep = bookmark.since !== undefined && bookmark.since <= ctx.anchor();
    await run.checkpoint(writeAuditBookmark(field, keep ? bookmark : { since: Math.min(since, ctx.anchor()), idsAtCursor: [] }));
  }
}

/**
 * A start_date after the tenant's clock would read nothing and leave a bookmark at the sync's start, so that
 * correcting start_date later could never backfill: a config error, checked against the server's time (its Date
 * header), not this machine's.
 */
function refuseFutureStart(startDate: number | undefined, anchor: number): void {
  if (startDate === undefined || startDate <= anchor) return;
  throw new ConfigError(
    `start_date ${new Date(startDate).toISOString()} is after the tenant's clock (the server's time is ${new Date(anchor).toISOString()}): audit_events would start in the future. Set start_date to an earlier date, or leave it out to start ${START_DATE_DEFAULT_DAYS} days back.`,
  );
}

/**
 * Calls per device of the plan's parent, `maxConcurrency` at a time. Without `changedBy`: every device (full
 * refresh). With it: the devices that changed since each part of the fleet was last read (state/rolling.ts), the
 * older part first, at most `maxPerSync` of them; a stream whose cursor is filtered on the client keeps only a
 * device's rows at or after the watermark it was picked by. An endpoint with a paginator is paged per device. A
 * device deleted between the list and its call (404) is skipped with a warning.
 */
async function readPerDevice(plan: PerDevicePlan, { ctx, run, syncMode, state }: ReaderInput): Promise<void> {
  const parentRows = await ctx.fleet(plan.parent, run.declaration.name);
  // Only the parent rows of the kinds the endpoint serves (device_parameters: Macs).
  // A row whose kind is unknown (a platform the API left out) is asked too: skipping it would lose its rows silently.
  const fleet = plan.only ? parentRows.filter((d) => d.kind === undefined || plan.only?.includes(d.kind)) : parentRows;
  const ids = fleet.map((d) => d.id);
  const anchor = ctx.anchor();
  const meta = {
    stream: run.declaration.name,
    endpoint: plan.endpoint,
    permission:
      run.declaration.plan === plan ? run.declaration.permission : (run.declaration.fallback?.permission ?? run.declaration.permission),
    kind: 'bulk' as const,
  };
  const rolling = plan.changedBy !== undefined;
  const field = rolling ? cursorField(run.declaration) : '';
  const bookmark: RollingBookmark = rolling
    ? readRollingBookmark(run.declaration.name, field, syncMode === 'incremental' ? state : undefined)
    : { refreshedAt: undefined, pendingAfter: undefined, pendingSince: undefined };
  const from = earliestWanted(bookmark);
  const changed = from === undefined || !plan.changedBy ? undefined : await changedDevices(ctx, run, plan, fleet, from);
  const selection = select(
    ids,
    changed,
    bookmark,
    rolling ? (plan.maxPerSync?.(ctx.config) ?? Number.POSITIVE_INFINITY) : Number.POSITIVE_INFINITY,
  );
  const { targets } = selection;
  const clientFilter = run.declaration.cursor?.filter === 'client' ? run.declaration.cursor.field : undefined;
  // A `refresh` cursor is the time the connector read the row: the sync's anchor, on every row.
  const stamp = run.declaration.cursor?.filter === 'refresh' ? { [run.declaration.cursor.field]: isoMicros(anchor) } : undefined;
  const lookback = ctx.config.lookbackMs;

  const stateAfter = (done: number) =>
    rolling ? writeRollingBookmark(field, after(ids, selection, bookmark, anchor, done)) : FULL_REFRESH_DONE;
  // Full-refresh per-device reads checkpoint only at the end: identical states with records between are not allowed.
  const checkpointEvery = rolling ? 100 : Number.POSITIVE_INFINITY;

  const readDevice = async (id: string, since: number | undefined) => {
    const keep = (rows: unknown[]) => {
      if (clientFilter === undefined || since === undefined) return rows;
      const floor = since - lookback;
      return rows.filter((r) => (epochMs((r as Record<string, unknown>)[clientFilter]) ?? Number.POSITIVE_INFINITY) >= floor);
    };
    if (!plan.paginator) {
      await run.emitAll(keep(plan.rows(await ctx.client.get(plan.path(id), {}, meta), id)), stamp);
      return;
    }
    for await (const page of pages(ctx.client, plan.path(id), plan.paginator(), meta))
      await run.emitAll(keep(plan.rows(page.rows, id)), stamp);
  };

  let next = 0;
  let done = 0;
  const finished = new Uint8Array(targets.length);
  let lastCheckpoint = 0;
  let failure: unknown;
  const worker = async () => {
    while (failure === undefined && next < targets.length) {
      const i = next++;
      const id = ids[targets[i] as number] as string;
      try {
        await readDevice(id, selection.since[i]);
      } catch (error) {
        if (error instanceof NotFoundError)
          await run.warn(`${id} was deleted between the ${plan.parent} list and its ${plan.endpoint} call; skipped`);
        else {
          failure ??= error;
          return;
        }
      }
      finished[i] = 1;
      while (done < targets.length && finished[done]) done++;
      if (done - lastCheckpoint >= checkpointEvery) {
        lastCheckpoint = done;
        await run.checkpoint(stateAfter(done));
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(ctx.config.maxConcurrency, Math.max(1, targets.length)) }, worker));
  if (failure !== undefined) {
    if (done > lastCheckpoint && rolling) await run.checkpoint(stateAfter(done));
    throw failure;
  }
  if (!rolling) run.fullRead = true;
  await run.checkpoint(stateAfter(done));
}

/**
 * The earliest change a stream's read will ask `ReadContext.changedSince` about, from its state, before any read
 * starts; undefined when it will not ask. Throws on a bad state, as the stream's own read will.
 */
export function changesWantedFrom(
  plan: ReadPlan,
  declaration: StreamDeclaration,
  syncMode: SyncMode,
  state: Record<string, unknown> | undefined,
): number | undefined {
  if (plan.kind !== 'per-device' || !plan.changedBy || plan.changedBy === 'check_in' || syncMode !== 'incremental') return undefined;
  return earliestWanted(readRollingBookmark(declaration.name, cursorField(declaration), state));
}

/**
 * Latest change per device since `since`: from the Prism categories the plan names, or from the parent's change
 * column (check-in) when it says so or when the token cannot read Prism.
 */
async function changedDevices(ctx: ReadContext, run: StreamRun, plan: PerDevicePlan, fleet: FleetDevice[], since: number) {
  const byCheckIn = () => {
    const latest = new Map<string, number>();
    for (const d of fleet) if (d.lastCheckIn !== undefined && d.lastCheckIn >= since) latest.set(d.id, d.lastCheckIn);
    return latest;
  };
  if (plan.changedBy === 'check_in' || plan.changedBy === undefined) return byCheckIn();
  try {
    return await ctx.changedSince(plan.changedBy.prism, since, run.declaration.name);
  } catch (error) {
    if (!(error instanceof Error && error.name === 'PermissionError')) throw error;
    await run.warn(
      'the token cannot read Prism, so changed devices are picked by last_check_in (every device that checked in); grant "Prism" to save requests',
    );
    return byCheckIn();
  }
}

/**
 * Resolves after the event loop's next check phase. undici writes a request on a reused keep-alive socket only from
 * a setImmediate (it first lets the socket report anything the server sent unasked), so a page handled synchronously
 * right after the next request was made would hold that request back until the page is done. Two immediates: the
 * second runs after undici's, which is queued a few microtasks after ours.
 */
const requestSent = () => new Promise<void>((resolve) => setImmediate(() => setImmediate(resolve)));

/**
 * Pages of one endpoint with the next one already on its way: the next request leaves as soon as a page arrives, and
 * is in flight while the caller normalises and writes this one, so a long cursor chain (Prism apps) costs the larger
 * of the two times per page instead of their sum. Only for reads that go to the end of the data: a caller that stops
 * early would waste the request ahead.
 */
async function* ahead<T>(source: AsyncGenerator<T>): AsyncGenerator<T> {
  const fetch = () => {
    const request = source.next();
    // Its failure is thrown where it is awaited, after the page before it is handled; until then it is not unhandled.
    request.catch(() => undefined);
    return request;
  };
  let next = fetch();
  try {
    for (;;) {
      const item = await next;
      if (item.done) return;
      next = fetch();
      await requestSent();
      yield item.value;
    }
  } finally {
    // Ended early (the caller's loop failed): let the request ahead settle and close the source.
    await source.return(undefined).catch(() => undefined);
  }
}
