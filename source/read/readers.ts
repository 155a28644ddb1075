/**
 * The four ways a stream is read, written once each. A stream's declaration picks one (streams/declaration.ts `plan`);
 * these loops do the paging, the emitting and the checkpointing.
 */
import type { ListRequest, ReadPlan } from '../../streams/declaration.ts';
import {
  FULL_REFRESH_DONE,
  readAuditBookmark,
  readDetailsBookmark,
  readPrismBookmark,
  writeAuditBookmark,
  writeDetailsBookmark,
  writePrismBookmark,
  type DetailsBookmark,
} from '../../state/bookmarks.ts';
import { NotFoundError } from '../../core/http/errors.ts';
import { followNext, pages, prismCursor } from '../../core/http/paginators.ts';
import type { Query } from '../../core/http/client.ts';
import { DETAIL_CATEGORIES, epochMs, type FleetDevice, type ReadContext } from './context.ts';
import type { StreamRun } from './stream_run.ts';
import type { SyncMode } from '../catalog.ts';
import { START_DATE_DEFAULT_DAYS } from '../spec.ts';

const DAY = 86_400_000;

export interface ReaderInput {
  ctx: ReadContext;
  run: StreamRun;
  syncMode: SyncMode;
  state: Record<string, unknown> | undefined;
}

export function readPlan(plan: ReadPlan, input: ReaderInput): Promise<void> {
  switch (plan.kind) {
    case 'list':
      return readList(plan.requests, input);
    case 'prism':
      return readPrism(plan.category, input);
    case 'audit':
      return readAudit(input);
    case 'per-device':
      return readPerDevice(plan, input);
  }
}

/** Full refresh of one or more paged lists. The devices stream also hands its ids to the per-device streams. */
async function readList(requests: ListRequest[], { ctx, run }: ReaderInput): Promise<void> {
  const fleet: FleetDevice[] | undefined = run.spec.name === 'devices' ? [] : undefined;
  for (const request of requests) {
    const meta = { stream: run.spec.name, endpoint: request.endpoint, permission: run.spec.permission };
    for await (const page of ahead(pages(ctx.client, request.path, request.paginator(), meta))) {
      if (fleet)
        for (const row of page.rows as Record<string, unknown>[])
          fleet.push({ id: String(row.device_id), lastCheckIn: epochMs(row.last_check_in) });
      await run.emitAll(page.rows, request.tag);
    }
  }
  if (fleet) ctx.setFleet(fleet);
  await run.checkpoint(FULL_REFRESH_DONE);
}

/**
 * A Prism category. Incremental: only rows with `updated_at` at or after the bookmark (Prism's `filter`), and the
 * bookmark moves to the sync's anchor once the whole category is read. Prism's cursor walks rows in device order,
 * not time order, so mid-stream checkpoints keep the old bookmark and carry the cursor to resume from.
 */
async function readPrism(category: string, { ctx, run, syncMode, state }: ReaderInput): Promise<void> {
  const bookmark = readPrismBookmark(run.spec.name, syncMode === 'incremental' ? state : undefined);
  const since = bookmark.since;
  const filter = since === undefined ? undefined : JSON.stringify({ updated_at: { gte: new Date(since).toISOString() } });
  const path = `/prism/${category}`;
  const paginator = prismCursor({ limit: 300, ...(filter ? { filter } : {}) });
  const start = bookmark.resume ? { path, query: { ...paginator.first(), cursor: bookmark.resume.cursor } } : undefined;
  // Per-device changes are kept only when a per-device stream of this read will ask (ReadContext.changesFrom), and
  // only from the earliest change it will ask about.
  const changesFrom = (DETAIL_CATEGORIES as readonly string[]).includes(category) ? ctx.changesFrom : undefined;
  const tracked = changesFrom === undefined ? undefined : { from: changesFrom, latest: new Map<string, number>() };
  let anchor = bookmark.resume?.anchor;
  const meta = { stream: run.spec.name, endpoint: `GET ${path}`, permission: run.spec.permission };
  // A device's rows mostly share one updated_at: read each distinct spelling once.
  let lastSeen: unknown;
  let lastAt: number | undefined;
  for await (const page of ahead(pages(ctx.client, path, paginator, meta, start))) {
    anchor ??= ctx.anchor();
    if (tracked) {
      for (const row of page.rows as Record<string, unknown>[]) {
        if (row.updated_at !== lastSeen) [lastSeen, lastAt] = [row.updated_at, epochMs(row.updated_at)];
        const id = String(row.device_id);
        if (lastAt !== undefined && lastAt >= tracked.from && lastAt > (tracked.latest.get(id) ?? -Infinity))
          tracked.latest.set(id, lastAt);
      }
    }
    await run.emitAll(page.rows);
    const cursor = page.next && 'query' in page.next ? (page.next.query.cursor as string | undefined) : undefined;
    if (cursor) await run.checkpoint(writePrismBookmark({ since, resume: { cursor, anchor } }));
  }
  // A resumed read saw only part of the category: don't let device_details mistake it for the whole.
  if (tracked && !bookmark.resume) ctx.prismChanges.set(category, { since, latest: tracked.latest });
  await run.checkpoint(writePrismBookmark({ since: anchor ?? ctx.anchor(), resume: undefined }));
}

/**
 * The audit log, oldest first from the bookmark (or start_date, or 30 days back). Events after the sync's anchor
 * are left for the next sync, so the bookmark never passes the sync's start. The events at exactly the bookmark
 * instant are re-read and the ones already emitted skipped by id.
 */
async function readAudit({ ctx, run, syncMode, state }: ReaderInput): Promise<void> {
  const bookmark = readAuditBookmark(run.spec.name, syncMode === 'incremental' ? state : undefined);
  const meta = { stream: run.spec.name, endpoint: 'GET /audit/events', permission: run.spec.permission };
  let since = bookmark.since ?? ctx.config.startDate;
  if (since === undefined) {
    // A first sync with no start_date: learn the server's clock with the smallest possible request.
    await ctx.client.get('/audit/events', { limit: 1, sort_by: '-occurred_at' }, meta);
    since = ctx.anchor() - START_DATE_DEFAULT_DAYS * DAY;
  }
  const skip = new Set(bookmark.since === undefined ? [] : bookmark.idsAtCursor);
  let at = bookmark.since;
  let idsAt = [...bookmark.idsAtCursor];
  const first: Query = { limit: 500, sort_by: 'occurred_at', start_date: new Date(since).toISOString() };
  for await (const page of pages(ctx.client, '/audit/events', followNext({ style: 'cursor envelope', first }), meta)) {
    const anchor = ctx.anchor();
    let pastAnchor = false;
    for (const row of page.rows as Record<string, unknown>[]) {
      const occurred = epochMs(row.occurred_at);
      const id = String(row.id);
      if (occurred === undefined) {
        await run.warn(`event ${id} has an unreadable occurred_at ${JSON.stringify(row.occurred_at)}; emitted without moving the bookmark`);
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
    if (at !== undefined) await run.checkpoint(writeAuditBookmark({ since: at, idsAtCursor: idsAt }));
    if (pastAnchor) break;
  }
  if (at === undefined) {
    // No event read: keep the bookmark unless it lies past the sync's start (a future state), which is not kept.
    const keep = bookmark.since !== undefined && bookmark.since <= ctx.anchor();
    await run.checkpoint(writeAuditBookmark(keep ? bookmark : { since: Math.min(since, ctx.anchor()), idsAtCursor: [] }));
  }
}

/** Position of the first device after `after` in an id-sorted fleet. */
function afterIndex(fleet: FleetDevice[], after: string | undefined): number {
  if (after === undefined) return 0;
  let lo = 0;
  let hi = fleet.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((fleet[mid] as FleetDevice).id <= after) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * One call per device, `maxConcurrency` at a time. `all`: every device (full refresh). `changed`: the devices
 * whose Prism rows changed since each part of the fleet was last refreshed (see state/bookmarks.ts
 * DetailsBookmark), the older part first, at most `device_details_max_per_sync` of them. A device deleted between
 * the list and its call (404) is skipped with a warning.
 */
async function readPerDevice(plan: Extract<ReadPlan, { kind: 'per-device' }>, { ctx, run, syncMode, state }: ReaderInput): Promise<void> {
  const fleet = await ctx.fleet(run.spec.name);
  const anchor = ctx.anchor();
  const meta = {
    stream: run.spec.name,
    endpoint: plan.endpoint,
    permission: run.spec.fallback && plan.select === 'all' ? run.spec.fallback.permission : run.spec.permission,
    kind: 'bulk' as const,
  };

  let targets: FleetDevice[];
  let bookmark: DetailsBookmark = { refreshedAt: undefined, pendingAfter: undefined, pendingSince: undefined };
  /** Targets before this index are in the older part (after pendingAfter); the rest wrap round to the newer part. */
  let wrapAt = Number.POSITIVE_INFINITY;
  /** The per-sync cap left changed devices for the next sync. */
  let cutShort = false;
  if (plan.select === 'all') {
    targets = fleet;
  } else {
    bookmark = readDetailsBookmark(run.spec.name, syncMode === 'incremental' ? state : undefined);
    const split = afterIndex(fleet, bookmark.pendingAfter);
    const from = earliestWanted(bookmark);
    const changed = from === undefined ? undefined : await changedDevices(ctx, run, fleet, from);
    const pick = (part: FleetDevice[], threshold: number | undefined) =>
      threshold === undefined || !changed ? part : part.filter((d) => (changed.get(d.id) ?? -Infinity) >= threshold);
    const older = pick(fleet.slice(split), bookmark.refreshedAt);
    const selected = [...older, ...pick(fleet.slice(0, split), bookmark.pendingSince)];
    wrapAt = older.length;
    cutShort = selected.length > ctx.config.deviceDetailsMaxPerSync;
    targets = selected.slice(0, ctx.config.deviceDetailsMaxPerSync);
  }

  /** The state once targets[0..done) are fetched; conservative where parts differ (see DetailsBookmark). */
  const stateAfter = (done: number): Record<string, unknown> => {
    if (plan.select === 'all') return FULL_REFRESH_DONE;
    if (done === targets.length && !cutShort)
      return writeDetailsBookmark({ refreshedAt: anchor, pendingAfter: undefined, pendingSince: undefined });
    if (done === 0) return writeDetailsBookmark(bookmark);
    const last = (targets[done - 1] as FleetDevice).id;
    // Still in the older part: devices up to `last` are current at least to the pending watermark.
    if (done <= wrapAt)
      return writeDetailsBookmark({ refreshedAt: bookmark.refreshedAt, pendingAfter: last, pendingSince: bookmark.pendingSince ?? anchor });
    // Wrapped: the older part is current to the anchor, the newer part at least to its old pending watermark.
    return writeDetailsBookmark({ refreshedAt: bookmark.pendingSince ?? anchor, pendingAfter: last, pendingSince: anchor });
  };
  // Full-refresh per-device reads checkpoint only at the end: identical states with records between are not allowed.
  const checkpointEvery = plan.select === 'all' ? Number.POSITIVE_INFINITY : 100;

  let next = 0;
  let done = 0;
  const finished = new Uint8Array(targets.length);
  let lastCheckpoint = 0;
  let failure: unknown;
  const worker = async () => {
    while (failure === undefined && next < targets.length) {
      const i = next++;
      const device = targets[i] as FleetDevice;
      try {
        const body = await ctx.client.get(plan.path(device.id), {}, meta);
        await run.emitAll(plan.rows(body, device.id));
      } catch (error) {
        if (error instanceof NotFoundError)
          await run.warn(`device ${device.id} was deleted between the device list and its ${plan.endpoint} call; skipped`);
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
    if (done > lastCheckpoint && plan.select !== 'all') await run.checkpoint(stateAfter(done));
    throw failure;
  }
  await run.checkpoint(stateAfter(done));
}

/** The earliest change a details bookmark asks about; undefined when it asks for every device (a first read). */
function earliestWanted(bookmark: DetailsBookmark): number | undefined {
  const thresholds = [bookmark.refreshedAt, bookmark.pendingSince].filter((t): t is number => t !== undefined);
  return thresholds.length ? Math.min(...thresholds) : undefined;
}

/**
 * The earliest change a stream's read will ask `ReadContext.changedSince` about, from its state, before any read
 * starts; undefined when it will not ask. Throws on a bad state, as the stream's own read will.
 */
export function changesWantedFrom(
  plan: ReadPlan,
  name: string,
  syncMode: SyncMode,
  state: Record<string, unknown> | undefined,
): number | undefined {
  if (plan.kind !== 'per-device' || plan.select === 'all' || syncMode !== 'incremental') return undefined;
  return earliestWanted(readDetailsBookmark(name, state));
}

/** Latest change per device since `since`: from Prism, or from last_check_in when the token cannot read Prism. */
async function changedDevices(ctx: ReadContext, run: StreamRun, fleet: FleetDevice[], since: number): Promise<Map<string, number>> {
  try {
    return await ctx.changedSince(since, run.spec.name);
  } catch (error) {
    if (!(error instanceof Error && error.name === 'PermissionError')) throw error;
    await run.warn(
      'the token cannot read Prism, so changed devices are picked by last_check_in (every device that checked in); grant "Prism" to save requests',
    );
    const latest = new Map<string, number>();
    for (const d of fleet) if (d.lastCheckIn !== undefined) latest.set(d.id, d.lastCheckIn);
    return latest;
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
