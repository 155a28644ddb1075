/**
 * The simulated API's endpoints: one row per route, with the permission a token needs for it and a handler that
 * builds the real body shape and pagination style (docs/kandji-api.md §4, §6).
 */
import { auditPage, type AuditPosition } from './audit.ts';
import {
  blueprintId,
  blueprintRecord,
  deviceApps,
  deviceDetails,
  deviceLibraryItems,
  deviceRecord,
  libraryItem,
  libraryItemApplies,
  libraryItemId,
  libraryItemStatus,
  vulnerabilityDetections,
  deviceActivity,
  adeDevice,
  adeTokens,
  deviceParameters,
  threats,
  deviceCommands,
  LIBRARY_SIZES,
  tagRecord,
  userRecord,
  type LibraryKind,
} from './bodies.ts';
import {
  inPrism,
  platformInPrism,
  PRISM_CATEGORIES,
  prismChangedAt,
  prismRowCount,
  prismRows,
  prismTotalKnown,
  type PrismCategory,
} from './prism.ts';
import type { Device, Tenant } from './tenant.ts';
import { HOUR } from './timestamps.ts';
import { BLUEPRINTS, PRISM_FAMILY, TAGS } from './vocabulary.ts';

/** The permission names of Kandji's API token screen that the simulator enforces: the connector's own table. */
export { PERMISSION_NAMES, type Permission } from '../core/permissions.ts';
import type { Permission } from '../core/permissions.ts';

export interface Reply {
  status: number;
  /** A JSON value, or a string sent as it is with `contentType`. */
  body?: unknown;
  contentType?: string;
  headers?: Record<string, string>;
}

export interface RouteContext {
  tenant: Tenant;
  url: URL;
  params: string[];
  /** `scheme://host` the request came in on: `next` links are built on it (except where the real API doesn't). */
  origin: string;
  memo: <T>(key: string, build: () => T) => T;
}

export interface Route {
  /** Stable endpoint label, used in request counters: `GET /devices/{id}/details`. */
  name: string;
  pattern: RegExp;
  permission: Permission;
  handle: (ctx: RouteContext) => Reply;
}

const UUID = '([0-9a-fA-F-]{36})';
const ANY = '([^/]+)';

// ---------------------------------------------------------------------------------------------------------------------
// Error bodies: the several shapes the real API uses (docs/kandji-api.md §3)

export const notFoundDetail: Reply = { status: 404, body: { detail: 'Not found.' } };
export const notFoundHtml: Reply = {
  status: 404,
  contentType: 'text/html; charset=utf-8',
  body: '<!doctype html>\n<html lang="en">\n<head>\n  <title>Not Found</title>\n</head>\n<body>\n  <h1>Not Found</h1><p>The requested resource was not found on this server.</p>\n</body>\n</html>\n',
};
const fieldError = (field: string, message: string): Reply => ({ status: 400, body: { [field]: [message] } });

// ---------------------------------------------------------------------------------------------------------------------
// Query helpers

function intParam(url: URL, name: string, fallback: number): number | Reply {
  const raw = url.searchParams.get(name);
  if (raw === null || raw === '') return fallback;
  if (!/^\d+$/.test(raw)) return fieldError(name, 'A valid integer is required.');
  return Number(raw);
}

const isReply = (v: unknown): v is Reply => typeof v === 'object' && v !== null && 'status' in v;

function base64(text: string): string {
  return Buffer.from(text, 'utf8').toString('base64');
}
function unbase64(text: string): string | undefined {
  try {
    const decoded = Buffer.from(text, 'base64').toString('utf8');
    return base64(decoded).replace(/=+$/, '') === text.replace(/=+$/, '') ? decoded : undefined;
  } catch {
    return undefined;
  }
}

function withParams(origin: string, path: string, url: URL, set: Record<string, string | undefined>): string {
  const next = new URL(path, origin);
  for (const [k, v] of url.searchParams) next.searchParams.set(k, v);
  for (const [k, v] of Object.entries(set)) {
    if (v === undefined) next.searchParams.delete(k);
    else next.searchParams.set(k, v);
  }
  return next.toString();
}

/** Parse a datetime or date as the API accepts them (`YYYY-MM-DD`, ISO with or without zone). */
function parseWhen(text: string): number | undefined {
  const trimmed = text.trim();
  const iso = /^\d{4}-\d{2}-\d{2}$/.test(trimmed)
    ? `${trimmed}T00:00:00Z`
    : /[zZ]|[+-]\d{2}:?\d{2}$/.test(trimmed)
      ? trimmed.replace(' ', 'T')
      : `${trimmed.replace(' ', 'T')}Z`;
  const ms = Date.parse(iso);
  return Number.isNaN(ms) ? undefined : ms;
}

// ---------------------------------------------------------------------------------------------------------------------
// Devices

function liveOrder(ctx: RouteContext): Int32Array {
  return ctx.memo('live', () => ctx.tenant.orderedDevices());
}

/** Find a device by id: binary search over the id-sorted order, so no id→index map is held. */
export function findDevice(tenant: Tenant, byId: Int32Array, id: string): number {
  const wanted = id.toLowerCase();
  let lo = 0;
  let hi = byId.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (tenant.deviceId(byId[mid] as number) < wanted) lo = mid + 1;
    else hi = mid;
  }
  return lo < byId.length && tenant.deviceId(byId[lo] as number) === wanted ? (byId[lo] as number) : -1;
}

/** Lower bound of `id` in the id-sorted order: where a Prism cursor resumes even if its device has gone. */
function lowerBound(tenant: Tenant, byId: Int32Array, id: string): number {
  let lo = 0;
  let hi = byId.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (tenant.deviceId(byId[mid] as number) < id) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

function byId(ctx: RouteContext): Int32Array {
  return ctx.memo('byId', () => ctx.tenant.devicesById());
}

const ORDERING_KEYS: Record<string, (d: Device, r: Record<string, unknown>) => string> = {
  device_id: (d) => d.id,
  device_name: (d) => d.name.toLowerCase(),
  serial_number: (d) => d.serial,
  last_check_in: (d) => String(d.lastCheckIn).padStart(15, '0'),
  platform: (d) => d.platform,
  os_version: (_d, r) => String(r.os_version),
  model: (d) => d.model.name,
  blueprint_id: (_d, r) => String(r.blueprint_id),
  asset_tag: (d) => d.assetTag,
  user: (_d, r) => (typeof r.user === 'object' && r.user ? String((r.user as { email: string }).email) : ''),
};

type DeviceFilter = (d: Device, r: Record<string, unknown>) => boolean;

function deviceFilters(url: URL): DeviceFilter[] {
  const q = url.searchParams;
  const contains = (a: unknown, b: string) =>
    String(a ?? '')
      .toLowerCase()
      .includes(b.toLowerCase());
  const user = (r: Record<string, unknown>) => (typeof r.user === 'object' && r.user ? (r.user as Record<string, unknown>) : undefined);
  const filters: DeviceFilter[] = [];
  const add = (name: string, f: (value: string) => DeviceFilter) => {
    const v = q.get(name);
    if (v !== null && v !== '') filters.push(f(v));
  };
  add('platform', (v) => (d) => d.platform === v);
  add('device_id', (v) => (d) => d.id === v.toLowerCase());
  add('blueprint_id', (v) => (_d, r) => contains(r.blueprint_id, v));
  add('serial_number', (v) => (d) => contains(d.serial, v));
  add('device_name', (v) => (d) => contains(d.name, v));
  add('model', (v) => (d) => contains(d.model.name, v));
  add('os_version', (v) => (_d, r) => contains(r.os_version, v));
  add('asset_tag', (v) => (d) => d.assetTag === v);
  add('mac_address', () => () => false);
  add('user_id', (v) => (_d, r) => user(r)?.id === v);
  add('user_email', (v) => (_d, r) => contains(user(r)?.email, v));
  add('user_email_exact', (v) => (_d, r) => user(r)?.email === v);
  add('user_name', (v) => (_d, r) => contains(user(r)?.name, v));
  add('user', (v) => (_d, r) => contains(user(r)?.name, v) || contains(user(r)?.email, v));
  add('tag_name', (v) => (d) => d.tags.includes(v));
  add('tag_name_in', (v) => (d) => v.split(',').some((tag) => d.tags.includes(tag)));
  add('filevault_enabled', (v) => (d) => d.platform === 'Mac' && d.filevault === (v === 'true'));
  return filters;
}

function listDevices(ctx: RouteContext): Reply {
  const { tenant, url } = ctx;
  // `limit` is capped at 300, silently, and is 300 when absent (docs/kandji-api.md §6.1, quirk 3).
  const limit = intParam(url, 'limit', 300);
  if (isReply(limit)) return limit;
  const offset = intParam(url, 'offset', 0);
  if (isReply(offset)) return offset;
  const size = Math.min(limit, 300);
  const filters = deviceFilters(url);
  const ordering = (url.searchParams.get('ordering') ?? '').split(',').filter((f) => ORDERING_KEYS[f.replace(/^-/, '')]);
  let order = liveOrder(ctx);
  if (ordering[0] === 'device_id' || ordering[0] === '-device_id') {
    // The order the reference's sync mapping asks for (docs/kandji-api.md §8): Prism's id order, already kept, no records built.
    order = ordering[0] === 'device_id' ? byId(ctx) : ctx.memo('byId-desc', () => byId(ctx).slice().reverse());
  } else if (ordering.length > 0) {
    const field = (ordering[0] as string).replace(/^-/, '');
    const key = ORDERING_KEYS[field] as (d: Device, r: Record<string, unknown>) => string;
    const cacheKey = `ordering:${field}`;
    order = ctx.memo(`${cacheKey}:${ordering[0]}`, () =>
      tenant.orderedDevices(
        (i) => {
          const d = tenant.device(i);
          return key(d, deviceRecord(tenant, d));
        },
        cacheKey,
        (ordering[0] as string).startsWith('-'),
      ),
    );
  }
  const page: unknown[] = [];
  if (filters.length === 0) {
    for (let k = offset; k < order.length && page.length < size; k++) page.push(deviceRecord(tenant, tenant.device(order[k] as number)));
  } else {
    let skipped = 0;
    for (const i of order) {
      const d = tenant.device(i);
      const r = deviceRecord(tenant, d);
      if (!filters.every((f) => f(d, r))) continue;
      if (skipped++ < offset) continue;
      page.push(r);
      if (page.length === size) break;
    }
  }
  // A bare JSON array; past the end it is `[]` with 200 (quirks 1 and 2).
  return { status: 200, body: page };
}

function withDevice(ctx: RouteContext, build: (d: Device) => unknown): Reply {
  const index = findDevice(ctx.tenant, byId(ctx), ctx.params[0] as string);
  if (index < 0) return notFoundDetail;
  return { status: 200, body: build(ctx.tenant.device(index)) };
}

// ---------------------------------------------------------------------------------------------------------------------
// Envelopes

function drfPage(results: unknown[], count: number | undefined, next: string | null, previous: string | null) {
  return count === undefined ? { next, previous, results } : { count, next, previous, results };
}

function listBlueprints(ctx: RouteContext): Reply {
  const { url, tenant } = ctx;
  const limit = intParam(url, 'limit', 100);
  if (isReply(limit)) return limit;
  const offset = intParam(url, 'offset', 0);
  if (isReply(offset)) return offset;
  const size = Math.min(Math.max(limit, 1), 1000);
  const counts = blueprintCounts(ctx);
  const name = url.searchParams.get('name')?.toLowerCase();
  const ids =
    url.searchParams.get('id__in')?.split(',') ?? (url.searchParams.get('id') ? [url.searchParams.get('id') as string] : undefined);
  const all = BLUEPRINTS.map((_, b) => blueprintRecord(tenant, b, counts[b] ?? { computers: 0, missing: 0 })).filter(
    (r) => (!name || String(r.name).toLowerCase().includes(name)) && (!ids || ids.includes(String(r.id))),
  );
  const results = all.slice(offset, offset + size);
  const next =
    offset + size < all.length ? withParams(ctx.origin, url.pathname, url, { limit: String(size), offset: String(offset + size) }) : null;
  const previous =
    offset > 0
      ? withParams(ctx.origin, url.pathname, url, { limit: String(size), offset: offset - size > 0 ? String(offset - size) : undefined })
      : null;
  return { status: 200, body: drfPage(results, all.length, next, previous) };
}

function blueprintCounts(ctx: RouteContext): { computers: number; missing: number }[] {
  return ctx.memo('blueprint-counts', () => {
    const counts = BLUEPRINTS.map(() => ({ computers: 0, missing: 0 }));
    for (const i of liveOrder(ctx)) {
      const d = ctx.tenant.device(i);
      const c = counts[d.blueprint] as { computers: number; missing: number };
      c.computers++;
      if (d.missing) c.missing++;
    }
    return counts;
  });
}

/** Library lists page by `page` (style C). custom-apps and ipa-apps also take `limit`; past the last page is DRF's 404. */
function listLibrary(kind: LibraryKind) {
  return (ctx: RouteContext): Reply => {
    const { url } = ctx;
    const pageNumber = intParam(url, 'page', 1);
    if (isReply(pageNumber)) return pageNumber;
    const takesLimit = kind === 'custom-apps' || kind === 'ipa-apps';
    const limit = takesLimit ? intParam(url, 'limit', 300) : 10;
    if (isReply(limit)) return limit;
    const size = Math.min(Math.max(limit, 1), 300);
    const total = LIBRARY_SIZES[kind];
    const pages = Math.max(1, Math.ceil(total / size));
    if (pageNumber < 1 || pageNumber > pages) return { status: 404, body: { detail: 'Invalid page.' } };
    const start = (pageNumber - 1) * size;
    const results = Array.from({ length: Math.min(size, total - start) }, (_, k) => libraryItem(ctx.tenant, kind, start + k));
    const link = (p: number) => withParams(ctx.origin, url.pathname, url, { page: p === 1 ? undefined : String(p) });
    return {
      status: 200,
      body: drfPage(results, total, pageNumber < pages ? link(pageNumber + 1) : null, pageNumber > 1 ? link(pageNumber - 1) : null),
    };
  };
}

/** The library item a status request names: its kind and index, or undefined. */
function findLibraryItem(ctx: RouteContext, id: string): { kind: LibraryKind; index: number } | undefined {
  const all = ctx.memo('library-ids', () => {
    const found = new Map<string, { kind: LibraryKind; index: number }>();
    for (const kind of Object.keys(LIBRARY_SIZES) as LibraryKind[])
      for (let i = 0; i < LIBRARY_SIZES[kind]; i++) found.set(libraryItemId(ctx.tenant, kind, i), { kind, index: i });
    return found;
  });
  return all.get(id.toLowerCase());
}

/** `GET /library/library-items/{id}/status`: the item's status per device in scope, `limit` ≤ 300 and `offset` (style B). */
function libraryItemStatuses(ctx: RouteContext): Reply {
  const { url, tenant } = ctx;
  const item = findLibraryItem(ctx, ctx.params[0] as string);
  if (!item) return notFoundDetail;
  const limit = intParam(url, 'limit', 300);
  if (isReply(limit)) return limit;
  const offset = intParam(url, 'offset', 0);
  if (isReply(offset)) return offset;
  const size = Math.min(Math.max(limit, 1), 300);
  const computer = url.searchParams.get('computer_id')?.toLowerCase();
  const scoped = ctx.memo(`library-status:${item.kind}:${item.index}`, () =>
    Int32Array.from([...byId(ctx)].filter((i) => libraryItemApplies(item.kind, tenant.platformOf(i)))),
  );
  const rows = computer ? [...scoped].filter((i) => tenant.deviceId(i) === computer) : scoped;
  const results = Array.from(rows.slice(offset, offset + size), (i) =>
    libraryItemStatus(tenant, item.kind, item.index, tenant.device(i), item.index * 1_000_000 + i),
  );
  const link = (o: number) => withParams(ctx.origin, url.pathname, url, { limit: String(size), offset: String(o) });
  const next = offset + size < rows.length ? link(offset + size) : null;
  return { status: 200, body: drfPage(results, rows.length, next, offset > 0 ? link(Math.max(0, offset - size)) : null) };
}

/** An add-on module's endpoints answer 403 when the tenant lacks it, whatever the token. */
const withoutAddOn = (name: string): Reply => ({ status: 403, body: { detail: `${name} is not enabled for this tenant.` } });

/**
 * `/vulnerability-management/detections` (§6.11): `size` ≤ 300, paged by `after`, whose `next` is the bare cursor,
 * not a link; `filter` on `detection_datetime` (`gte`, `gt`, `lt`, `lte`) compares the latest detection.
 */
function listDetections(ctx: RouteContext): Reply {
  const { url, tenant } = ctx;
  if (!tenant.addOns.vulnerabilityManagement) return withoutAddOn('Vulnerability Management');
  const size = intParam(url, 'size', 50);
  if (isReply(size)) return size;
  if (size > 300) return fieldError('size', 'Ensure this value is less than or equal to 300.');
  const rawFilter = url.searchParams.get('filter');
  let bounds: { op: string; at: number }[] = [];
  if (rawFilter) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(rawFilter);
    } catch {
      return { status: 400, body: { detail: 'Invalid filter: not valid JSON' } };
    }
    const ops = (parsed as Record<string, unknown> | null)?.detection_datetime;
    if (typeof ops !== 'object' || ops === null) return { status: 400, body: { detail: 'Invalid filter' } };
    bounds = Object.entries(ops as Record<string, unknown>).map(([op, v]) => ({ op, at: parseWhen(String(v)) ?? Number.NaN }));
    if (bounds.some((b) => Number.isNaN(b.at) || !['gte', 'gt', 'lte', 'lt'].includes(b.op)))
      return { status: 400, body: { detail: 'Invalid filter on detection_datetime' } };
  }
  const all = ctx.memo(`detections:${rawFilter ?? ''}`, () => {
    const rows: Record<string, unknown>[] = [];
    for (const i of byId(ctx))
      for (const { at, row } of vulnerabilityDetections(tenant, tenant.device(i)))
        if (bounds.every((b) => (b.op === 'gte' ? at >= b.at : b.op === 'gt' ? at > b.at : b.op === 'lte' ? at <= b.at : at < b.at)))
          rows.push(row);
    return rows;
  });
  const after = url.searchParams.get('after');
  const start = after ? Number(unbase64(after)?.replace(/^pos:/, '') ?? Number.NaN) : 0;
  if (!Number.isInteger(start) || start < 0) return { status: 400, body: { detail: 'Invalid cursor' } };
  const results = all.slice(start, start + Math.max(1, size));
  const next = start + results.length < all.length ? base64(`pos:${start + results.length}`) : null;
  return { status: 200, body: { next, previous: null, results } };
}

/** A device's history list under `key` (`activity`, `commands`): `{device_id, <key>: {count, next, previous, results}}`, `limit` ≤ 300, `offset`. */
function deviceHistoryPage(key: string, rowsOf: (t: Tenant, d: Device) => Record<string, unknown>[]) {
  return (ctx: RouteContext): Reply => {
    const { url } = ctx;
    const limit = intParam(url, 'limit', 300);
    if (isReply(limit)) return limit;
    const offset = intParam(url, 'offset', 0);
    if (isReply(offset)) return offset;
    const size = Math.min(Math.max(limit, 1), 300);
    return withDevice(ctx, (d) => {
      const rows = ctx.memo(`${key}:${d.id}`, () => rowsOf(ctx.tenant, d));
      const link = (o: number) => withParams(ctx.origin, url.pathname, url, { limit: String(size), offset: String(o) });
      const next = offset + size < rows.length ? link(offset + size) : null;
      const page = drfPage(rows.slice(offset, offset + size), rows.length, next, offset > 0 ? link(Math.max(0, offset - size)) : null);
      return { device_id: d.id, [key]: page };
    });
  };
}

/**
 * The slots of Apple devices bought but not yet enrolled: one for every fifty enrolled, at least one, less those
 * that have enrolled since (Tenant.enrollAdeDevice), which the enrolled list carries.
 */
const awaitingEnrollment = (ctx: RouteContext): number[] =>
  ctx.memo('ade-awaiting', () =>
    Array.from({ length: Math.max(1, Math.floor(appleDevices(ctx).length / 50)) }, (_, k) => k).filter(
      (k) => ctx.tenant.adeEnrolledAs(k) === undefined,
    ),
  );

function appleDevices(ctx: RouteContext): Int32Array {
  return ctx.memo('ade-apple', () =>
    Int32Array.from([...byId(ctx)].filter((i) => !['Windows', 'Android'].includes(ctx.tenant.platformOf(i)))),
  );
}

/** `/integrations/apple/ade`: the tokens, style C (one page). */
function listAdeTokens(ctx: RouteContext): Reply {
  const counts = { Mac: 0, iPad: 0, iPhone: 0, AppleTV: 0, total: 0 };
  for (const i of appleDevices(ctx)) {
    counts[ctx.tenant.platformOf(i) as 'Mac' | 'iPad' | 'iPhone' | 'AppleTV']++;
    counts.total++;
  }
  const results = adeTokens(ctx.tenant, counts);
  return { status: 200, body: drfPage(results, results.length, null, null) };
}

/** `/integrations/apple/ade/devices`: enrolled Apple devices, then the ones awaiting enrollment; `page`, 300 a page (style C). */
function listAdeDevices(ctx: RouteContext): Reply {
  const { url, tenant } = ctx;
  const page = intParam(url, 'page', 1);
  if (isReply(page)) return page;
  const enrolled = appleDevices(ctx);
  const awaiting = awaitingEnrollment(ctx);
  const total = enrolled.length + awaiting.length;
  const pages = Math.max(1, Math.ceil(total / 300));
  if (page < 1 || page > pages) return { status: 404, body: { detail: 'Invalid page.' } };
  const results = [];
  for (let k = (page - 1) * 300; k < Math.min(total, page * 300); k++)
    results.push(
      k < enrolled.length
        ? adeDevice(tenant, tenant.device(enrolled[k] as number), k)
        : adeDevice(tenant, undefined, awaiting[k - enrolled.length] as number),
    );
  const link = (p: number) => withParams(ctx.origin, url.pathname, url, { page: String(p) });
  return { status: 200, body: drfPage(results, total, page < pages ? link(page + 1) : null, page > 1 ? link(page - 1) : null) };
}

/** Every EDR detection of the fleet, newest first (the endpoints' default order). */
function fleetThreats(ctx: RouteContext) {
  return ctx.memo('threats', () => [...byId(ctx)].flatMap((i) => threats(ctx.tenant, ctx.tenant.device(i))).sort((a, b) => b.at - a.at));
}

/** `/threat-details` and `/behavioral-detections` (§6.11, EDR): `limit` ≤ 1000, `offset`, counts beside `results`. */
function listThreats(kind: 'threat' | 'behavioral') {
  return (ctx: RouteContext): Reply => {
    const { url } = ctx;
    if (!ctx.tenant.addOns.edr) return withoutAddOn('EDR');
    const limit = intParam(url, 'limit', 100);
    if (isReply(limit)) return limit;
    const offset = intParam(url, 'offset', 0);
    if (isReply(offset)) return offset;
    const size = Math.min(Math.max(limit, 1), 1000);
    const all = fleetThreats(ctx);
    const results = all.slice(offset, offset + size).map((x) => x[kind]);
    const link = (o: number) => withParams(ctx.origin, url.pathname, url, { limit: String(size), offset: String(o) });
    const next = offset + size < all.length ? link(offset + size) : null;
    const previous = offset > 0 ? link(Math.max(0, offset - size)) : null;
    const malicious = all.filter((x) => x.threat.classification === 'malware').length;
    return {
      status: 200,
      body:
        kind === 'threat'
          ? { count: all.length, next, previous, malware_count: malicious, pup_count: all.length - malicious, results }
          : { total_count: all.length, next, previous, malicious_count: malicious, suspicious_count: all.length - malicious, results },
    };
  };
}

/**
 * `/vulnerability-management/vulnerabilities` (§6.11): one row per CVE detected in the fleet, `page` and `size` ≤ 50,
 * `{total, page, size, results}` with no next link. A `filter` on `status` is accepted and ignored, as the real one is.
 */
function listVulnerabilities(ctx: RouteContext): Reply {
  const { url, tenant } = ctx;
  if (!tenant.addOns.vulnerabilityManagement) return withoutAddOn('Vulnerability Management');
  const page = intParam(url, 'page', 1);
  if (isReply(page)) return page;
  const size = intParam(url, 'size', 50);
  if (isReply(size)) return size;
  if (size > 50) return fieldError('size', 'Ensure this value is less than or equal to 50.');
  const all = ctx.memo('vulnerabilities', () => {
    const byCve = new Map<
      string,
      { row: Record<string, unknown>; devices: Set<string>; software: Set<string>; first: number; latest: number }
    >();
    for (const i of byId(ctx))
      for (const { at, row } of vulnerabilityDetections(tenant, tenant.device(i))) {
        const id = String(row.cve_id);
        const entry = byCve.get(id) ?? { row, devices: new Set(), software: new Set(), first: at, latest: at };
        entry.devices.add(String(row.device_id));
        entry.software.add(String(row.name));
        entry.first = Math.min(entry.first, at);
        entry.latest = Math.max(entry.latest, at);
        byCve.set(id, entry);
      }
    return [...byCve.entries()]
      .sort(([a], [b]) => (a < b ? -1 : 1))
      .map(([id, e]) => ({
        cve_id: id,
        severity: e.row.cvss_severity ?? e.row.severity,
        cvss_score: e.row.cvss_score,
        kev_score: hashOf(id) % 2,
        cve_link: e.row.cve_link,
        first_detection_date: new Date(e.first).toISOString(),
        latest_detection_date: new Date(e.latest).toISOString(),
        device_count: e.devices.size,
        software: [...e.software].sort(),
        status: 'open',
      }));
  });
  const results = all.slice((page - 1) * size, page * size);
  return { status: 200, body: { total: all.length, page, size, results } };
}

const hashOf = (text: string) => [...text].reduce((h, c) => (h * 31 + c.charCodeAt(0)) >>> 0, 7);

function getLibraryItem(kind: LibraryKind) {
  return (ctx: RouteContext): Reply => {
    for (let i = 0; i < LIBRARY_SIZES[kind]; i++) {
      const item = libraryItem(ctx.tenant, kind, i);
      if (item.id === ctx.params[0]) return { status: 200, body: item };
    }
    // Library items answer an unknown id with Django's HTML page (docs/kandji-api.md §3).
    return notFoundHtml;
  };
}

function userDeviceCounts(ctx: RouteContext): Int32Array {
  return ctx.memo('user-device-counts', () => {
    const counts = new Int32Array(ctx.tenant.userCount);
    for (const i of liveOrder(ctx)) {
      const d = ctx.tenant.device(i);
      if (d.user >= 0) counts[d.user] = (counts[d.user] ?? 0) + 1;
    }
    return counts;
  });
}

/** `/users`: cursor style D, 300 a page, no count, and `next` on the console host (quirk 4). */
function listUsers(ctx: RouteContext): Reply {
  const { url, tenant } = ctx;
  const size = intParam(url, 'sizePerPage', 300);
  if (isReply(size)) return size;
  const pageSize = Math.min(Math.max(size, 1), 300);
  let start = 0;
  const cursor = url.searchParams.get('cursor');
  if (cursor) {
    const decoded = unbase64(cursor);
    const m = decoded ? /^p=(\d+)$/.exec(decoded) : null;
    if (!m) return { status: 400, body: { detail: 'Invalid cursor' } };
    start = Number(m[1]) - 30_000 + 1;
  }
  const email = url.searchParams.get('email')?.toLowerCase();
  const id = url.searchParams.get('id');
  const archived = url.searchParams.get('archived');
  const counts = userDeviceCounts(ctx);
  const results: Record<string, unknown>[] = [];
  let last = -1;
  let more = false;
  for (let u = start; u < tenant.userCount; u++) {
    const user = tenant.user(u);
    if (email && !user.email.includes(email)) continue;
    if (id && user.id !== id) continue;
    if (archived !== null && String(user.archived) !== archived) continue;
    if (results.length === pageSize) {
      more = true;
      break;
    }
    results.push(userRecord(tenant, u, counts[u] ?? 0));
    last = u;
  }
  const console = `https://${tenant.subdomain}.kandji.io`;
  const next = more ? withParams(console, '/api/v1/users', url, { cursor: base64(`p=${30_000 + last}`) }) : null;
  const previous = start > 0 ? withParams(console, '/api/v1/users', url, { cursor: base64(`r=1&p=${30_000 + start}`) }) : null;
  return { status: 200, body: { next, previous, results } };
}

function getUser(ctx: RouteContext): Reply {
  const counts = userDeviceCounts(ctx);
  for (let u = 0; u < ctx.tenant.userCount; u++) {
    if (ctx.tenant.user(u).id === ctx.params[0]) return { status: 200, body: userRecord(ctx.tenant, u, counts[u] ?? 0) };
  }
  return notFoundDetail;
}

/** The real cursor decodes to `>dt:2025-03-17 22:29:25.301092+00:00`; event times here are whole ms, so the parse is exact. */
function keysetTime(ms: number): string {
  return new Date(ms).toISOString().replace('T', ' ').replace('Z', '000+00:00');
}

/** `/audit/events`: cursor style D with a time-keyset cursor, `limit` ≤ 500, `sort_by`, `start_date`/`end_date`. */
function listAuditEvents(ctx: RouteContext): Reply {
  const { url, tenant } = ctx;
  const limit = intParam(url, 'limit', 500);
  if (isReply(limit)) return limit;
  const size = Math.min(Math.max(limit, 1), 500);
  const sortBy = url.searchParams.get('sort_by') ?? 'occurred_at';
  if (!['occurred_at', '-occurred_at', 'id', '-id'].includes(sortBy))
    return fieldError('sort_by', `Select a valid choice. ${sortBy} is not one of the available choices.`);
  const descending = sortBy.startsWith('-');
  const window = { startMs: -Infinity, endMs: Infinity };
  for (const [param, key] of [
    ['start_date', 'startMs'],
    ['end_date', 'endMs'],
  ] as const) {
    const raw = url.searchParams.get(param);
    if (raw === null || raw === '') continue;
    const ms = parseWhen(raw);
    if (ms === undefined) return fieldError(param, 'Enter a valid date/time.');
    // A bare date as end_date covers that whole day.
    window[key] = key === 'endMs' && /^\d{4}-\d{2}-\d{2}$/.test(raw.trim()) ? ms + 24 * HOUR - 1 : ms;
  }
  let after: AuditPosition | undefined;
  const cursor = url.searchParams.get('cursor');
  if (cursor) {
    const decoded = unbase64(cursor);
    const m = decoded ? /^[<>]dt:(.+)\|([0-9A-Z]{26})$/.exec(decoded) : null;
    const at = m ? parseWhen(m[1] as string) : undefined;
    if (!m || at === undefined) return { status: 400, body: { detail: 'Invalid cursor' } };
    after = { at, id: m[2] as string };
  }
  const { events, more } = auditPage(tenant, window, size, descending, after);
  const lastEvent = events[events.length - 1];
  const next =
    more && lastEvent
      ? withParams(ctx.origin, url.pathname, url, {
          cursor: base64(`${descending ? '<' : '>'}dt:${keysetTime(lastEvent.at)}|${lastEvent.event.id}`),
        })
      : null;
  const previous = cursor ? withParams(ctx.origin, url.pathname, url, { cursor: undefined }) : null;
  return { status: 200, body: { results: events.map((e) => e.event), next, previous } };
}

// ---------------------------------------------------------------------------------------------------------------------
// Prism

type RowPredicate = (row: Record<string, unknown>) => boolean;

interface PrismFilter {
  predicate: RowPredicate;
  /** False when no filter was given: row counts then need no rows built. */
  filtered: boolean;
  /** A lower bound on `updated_at` the filter implies, to skip devices whose rows are all older. */
  updatedSince?: number;
}

/** Prism's `filter` JSON: `{"column": {"op": value}}` with eq, in, not_in, like, not_like, lt, gt, lte, gte. */
function parsePrismFilter(raw: string | null): PrismFilter | Reply {
  if (raw === null || raw === '') return { predicate: () => true, filtered: false };
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    return { status: 400, body: { detail: 'Invalid filter: not valid JSON' } };
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed))
    return { status: 400, body: { detail: 'Invalid filter: expected an object' } };
  const checks: RowPredicate[] = [];
  let updatedSince: number | undefined;
  for (const [column, ops] of Object.entries(parsed as Record<string, unknown>)) {
    if (typeof ops !== 'object' || ops === null) return { status: 400, body: { detail: `Invalid filter for ${column}` } };
    for (const [op, value] of Object.entries(ops as Record<string, unknown>)) {
      const asTime = (v: unknown) => (typeof v === 'string' ? parseWhen(v) : undefined);
      switch (op) {
        case 'eq':
          checks.push((r) => r[column] === value);
          break;
        case 'in':
        case 'not_in': {
          if (!Array.isArray(value)) return { status: 400, body: { detail: `Invalid filter: ${op} takes a list` } };
          const set = new Set(value.map(String));
          checks.push(op === 'in' ? (r) => set.has(String(r[column])) : (r) => !set.has(String(r[column])));
          break;
        }
        case 'like':
        case 'not_like': {
          const needles = (Array.isArray(value) ? value : [value]).map((v) => String(v).toLowerCase());
          const has = (r: Record<string, unknown>) =>
            needles.some((n) =>
              String(r[column] ?? '')
                .toLowerCase()
                .includes(n),
            );
          checks.push(op === 'like' ? has : (r) => !has(r));
          break;
        }
        case 'lt':
        case 'gt':
        case 'lte':
        case 'gte': {
          const bound = asTime(value);
          if (bound === undefined) return { status: 400, body: { detail: `Invalid filter: ${column}.${op} is not a date` } };
          if (column === 'updated_at' && (op === 'gte' || op === 'gt')) updatedSince = Math.max(updatedSince ?? -Infinity, bound);
          checks.push((r) => {
            const v = asTime(r[column]);
            if (v === undefined) return false;
            return op === 'lt' ? v < bound : op === 'gt' ? v > bound : op === 'lte' ? v <= bound : v >= bound;
          });
          break;
        }
        default:
          return { status: 400, body: { detail: `Invalid filter operator: ${op}` } };
      }
    }
  }
  return { predicate: (r) => checks.every((c) => c(r)), filtered: true, ...(updatedSince === undefined ? {} : { updatedSince }) };
}

interface PrismScope {
  category: PrismCategory;
  filter: PrismFilter;
  families?: Set<string>;
  blueprints?: Set<string>;
}

function prismScope(ctx: RouteContext, category: string): PrismScope | Reply {
  if (!(PRISM_CATEGORIES as readonly string[]).includes(category))
    return { status: 400, body: { detail: `Invalid category: ${category}` } };
  const filter = parsePrismFilter(ctx.url.searchParams.get('filter'));
  if (isReply(filter)) return filter;
  const list = (name: string) => {
    const v = ctx.url.searchParams.get(name);
    return v ? new Set(v.split(',').map((x) => x.trim())) : undefined;
  };
  const families = list('device_families');
  const blueprints = list('blueprint_ids');
  return { category: category as PrismCategory, filter, ...(families ? { families } : {}), ...(blueprints ? { blueprints } : {}) };
}

function deviceInScope(ctx: RouteContext, d: Device, scope: PrismScope): boolean {
  if (!inPrism(d, scope.category)) return false;
  if (scope.families && !scope.families.has(PRISM_FAMILY[d.platform])) return false;
  if (scope.blueprints && !scope.blueprints.has(blueprintId(ctx.tenant, d.blueprint))) return false;
  if (scope.filter.updatedSince !== undefined && prismChangedAt(d, scope.category) < scope.filter.updatedSince) return false;
  return true;
}

function prismTotal(ctx: RouteContext, scope: PrismScope, key: string): number {
  return ctx.memo(`prism-total:${key}`, () => {
    let total = 0;
    for (const i of byId(ctx)) {
      if (!platformInPrism(ctx.tenant.platformOf(i), scope.category)) continue;
      const d = ctx.tenant.device(i);
      if (!deviceInScope(ctx, d, scope)) continue;
      total += scope.filter.filtered
        ? prismRows(ctx.tenant, d, scope.category).filter(scope.filter.predicate).length
        : prismRowCount(ctx.tenant, d, scope.category);
    }
    return total;
  });
}

/** `/prism/{category}`: rows under `data`, cursor paging, `offset` rejected (docs/kandji-api.md §6.10, quirk 5). */
function listPrism(ctx: RouteContext): Reply {
  const { url, tenant } = ctx;
  const scope = prismScope(ctx, ctx.params[0] as string);
  if (isReply(scope)) return scope;
  const offset = url.searchParams.get('offset');
  if (offset !== null && offset !== '' && offset !== '0') {
    return { status: 400, body: { detail: 'Offset pagination is no longer supported for this endpoint. Use cursor pagination.' } };
  }
  const cursor = url.searchParams.get('cursor');
  if (cursor && url.searchParams.get('sort_by'))
    return { status: 400, body: { detail: 'Custom ordering is not currently supported with cursor pagination.' } };
  const limit = intParam(url, 'limit', 25);
  if (isReply(limit)) return limit;
  const size = Math.min(Math.max(limit, 1), 300);
  const order = byId(ctx);
  let position = 0;
  let row = 0;
  if (cursor) {
    const decoded = unbase64(cursor);
    const m = decoded ? /^([0-9a-f-]{36})\|(\d+)$/.exec(decoded) : null;
    if (!m) return { status: 400, body: { detail: 'invalid cursor' } };
    position = lowerBound(tenant, order, m[1] as string);
    // The cursor names the next row; if its device has gone, the scan continues at the next device.
    row = position < order.length && tenant.deviceId(order[position] as number) === m[1] ? Number(m[2]) : 0;
  }
  const data: Record<string, unknown>[] = [];
  let nextCursor: string | null = null;
  const visibleUntil = tenant.prismLagMs > 0 ? tenant.now - tenant.prismLagMs : undefined;
  scan: for (; position < order.length; position++, row = 0) {
    if (!platformInPrism(tenant.platformOf(order[position] as number), scope.category)) continue;
    const d = tenant.device(order[position] as number);
    if (!deviceInScope(ctx, d, scope)) continue;
    const rows = prismRows(tenant, d, scope.category);
    for (; row < rows.length; row++) {
      const r = rows[row] as Record<string, unknown>;
      if (!scope.filter.predicate(r)) continue;
      // Ingestion lag: a row changed in the last prismLagMs is not visible yet.
      if (visibleUntil !== undefined && (parseWhen(String(r.updated_at)) ?? 0) > visibleUntil) continue;
      if (data.length === size) {
        nextCursor = base64(`${d.id}|${row}`);
        break scan;
      }
      data.push(r);
    }
  }
  const key = `${scope.category}|${url.searchParams.get('filter') ?? ''}|${url.searchParams.get('device_families') ?? ''}|${url.searchParams.get('blueprint_ids') ?? ''}`;
  const total = prismTotalKnown(scope.category) ? prismTotal(ctx, scope, key) : null;
  return { status: 200, body: { offset: null, limit: size, total, data, cursor: nextCursor } };
}

function prismCount(ctx: RouteContext): Reply {
  const category = ctx.url.searchParams.get('category');
  if (!category) return fieldError('category', 'This field is required.');
  const scope = prismScope(ctx, category);
  if (isReply(scope)) return scope;
  return { status: 200, body: { count: prismTotal(ctx, scope, `${category}||`), approximate: false } };
}

// ---------------------------------------------------------------------------------------------------------------------
// Tags, licensing, secrets

function listTags(ctx: RouteContext): Reply {
  const search = ctx.url.searchParams.get('search')?.toLowerCase();
  const results = TAGS.map((_, i) => tagRecord(ctx.tenant, i)).filter((t) => !search || String(t.name).includes(search));
  return { status: 200, body: drfPage(results, results.length, null, null) };
}

function licensing(ctx: RouteContext): Reply {
  const counts = ctx.memo('licensing', () => {
    const c = { Mac: 0, iPhone: 0, iPad: 0, AppleTV: 0, Windows: 0, Android: 0 };
    for (const i of liveOrder(ctx)) c[ctx.tenant.platformOf(i)]++;
    return c;
  });
  const total = Object.values(counts).reduce((a, b) => a + b, 0);
  return {
    status: 200,
    body: {
      counts: {
        computers_count: total,
        ios_count: counts.iPhone,
        ipados_count: counts.iPad,
        macos_count: counts.Mac,
        tvos_count: counts.AppleTV,
      },
      limits: {
        plan_type: 'single_limit',
        max_devices: Math.ceil((total * 1.2) / 100) * 100,
        max_devices_per_platform: { macos: 0, ios_ipados: 0 },
      },
      tenantOverLicenseLimit: false,
    },
  };
}

const SECRETS: Record<string, Record<string, unknown>> = {
  bypasscode: { user_based_albc: null, device_based_albc: 'SIMULATED-BYPASS-CODE' },
  filevaultkey: { key: 'SIMULATED-FILEVAULT-KEY' },
  unlockpin: { pin: '000000' },
  recoverypassword: { recovery_password: 'SIMULATED-RECOVERY-PASSWORD' },
};

// ---------------------------------------------------------------------------------------------------------------------

export const ROUTES: readonly Route[] = [
  { name: 'GET /devices', pattern: /^\/api\/v1\/devices\/?$/, permission: 'Device list', handle: listDevices },
  {
    name: 'GET /devices/{id}',
    pattern: new RegExp(`^/api/v1/devices/${ANY}/?$`),
    permission: 'Device details',
    handle: (ctx) => withDevice(ctx, (d) => deviceRecord(ctx.tenant, d)),
  },
  {
    name: 'GET /devices/{id}/details',
    pattern: new RegExp(`^/api/v1/devices/${ANY}/details/?$`),
    permission: 'Device details',
    handle: (ctx) => withDevice(ctx, (d) => deviceDetails(ctx.tenant, d)),
  },
  {
    name: 'GET /devices/{id}/apps',
    pattern: new RegExp(`^/api/v1/devices/${ANY}/apps/?$`),
    permission: 'Device apps',
    handle: (ctx) => withDevice(ctx, (d) => deviceApps(ctx.tenant, d)),
  },
  {
    name: 'GET /devices/{id}/activity',
    pattern: new RegExp(`^/api/v1/devices/${ANY}/activity/?$`),
    permission: 'Device activity',
    handle: deviceHistoryPage('activity', deviceActivity),
  },
  {
    name: 'GET /devices/{id}/commands',
    pattern: new RegExp(`^/api/v1/devices/${ANY}/commands/?$`),
    permission: 'Device commands',
    handle: deviceHistoryPage('commands', deviceCommands),
  },
  {
    name: 'GET /devices/{id}/parameters',
    pattern: new RegExp(`^/api/v1/devices/${ANY}/parameters/?$`),
    permission: 'Device parameters',
    handle: (ctx) => withDevice(ctx, (d) => deviceParameters(ctx.tenant, d)),
  },
  {
    name: 'GET /devices/{id}/library-items',
    pattern: new RegExp(`^/api/v1/devices/${ANY}/library-items/?$`),
    permission: 'Device library items',
    handle: (ctx) => withDevice(ctx, (d) => deviceLibraryItems(ctx.tenant, d)),
  },
  {
    name: 'GET /devices/{id}/secrets/{kind}',
    pattern: new RegExp(`^/api/v1/devices/${ANY}/secrets/(bypasscode|filevaultkey|unlockpin|recoverypassword)/?$`),
    permission: 'Device secrets',
    handle: (ctx) => withDevice(ctx, () => SECRETS[ctx.params[1] as string]),
  },
  { name: 'GET /blueprints', pattern: /^\/api\/v1\/blueprints\/?$/, permission: 'Blueprints', handle: listBlueprints },
  {
    name: 'GET /blueprints/{id}',
    pattern: new RegExp(`^/api/v1/blueprints/${UUID}/?$`),
    permission: 'Blueprints',
    handle: (ctx) => {
      const counts = blueprintCounts(ctx);
      const b = BLUEPRINTS.findIndex((_, i) => blueprintRecord(ctx.tenant, i, { computers: 0, missing: 0 }).id === ctx.params[0]);
      return b < 0 ? notFoundDetail : { status: 200, body: blueprintRecord(ctx.tenant, b, counts[b] ?? { computers: 0, missing: 0 }) };
    },
  },
  ...(['custom-apps', 'ipa-apps', 'custom-profiles', 'custom-scripts'] as const).flatMap((kind): Route[] => [
    {
      name: `GET /library/${kind}`,
      pattern: new RegExp(`^/api/v1/library/${kind}/?$`),
      permission: 'Library items',
      handle: listLibrary(kind),
    },
    {
      name: `GET /library/${kind}/{id}`,
      pattern: new RegExp(`^/api/v1/library/${kind}/${ANY}/?$`),
      permission: 'Library items',
      handle: getLibraryItem(kind),
    },
  ]),
  {
    name: 'GET /library/library-items/{id}/status',
    pattern: new RegExp(`^/api/v1/library/library-items/${ANY}/status/?$`),
    permission: 'Library items',
    handle: libraryItemStatuses,
  },
  {
    name: 'GET /vulnerability-management/detections',
    pattern: /^\/api\/v1\/vulnerability-management\/detections\/?$/,
    permission: 'Vulnerability management',
    handle: listDetections,
  },
  {
    name: 'GET /integrations/apple/ade',
    pattern: /^\/api\/v1\/integrations\/apple\/ade\/?$/,
    permission: 'Automated Device Enrollment',
    handle: listAdeTokens,
  },
  {
    name: 'GET /integrations/apple/ade/devices',
    pattern: /^\/api\/v1\/integrations\/apple\/ade\/devices\/?$/,
    permission: 'Automated Device Enrollment',
    handle: listAdeDevices,
  },
  { name: 'GET /threat-details', pattern: /^\/api\/v1\/threat-details\/?$/, permission: 'Threats', handle: listThreats('threat') },
  {
    name: 'GET /behavioral-detections',
    pattern: /^\/api\/v1\/behavioral-detections\/?$/,
    permission: 'Threats',
    handle: listThreats('behavioral'),
  },
  {
    name: 'GET /vulnerability-management/vulnerabilities',
    pattern: /^\/api\/v1\/vulnerability-management\/vulnerabilities\/?$/,
    permission: 'Vulnerability management',
    handle: listVulnerabilities,
  },
  { name: 'GET /users', pattern: /^\/api\/v1\/users\/?$/, permission: 'Users', handle: listUsers },
  { name: 'GET /users/{id}', pattern: new RegExp(`^/api/v1/users/${ANY}/?$`), permission: 'Users', handle: getUser },
  { name: 'GET /audit/events', pattern: /^\/api\/v1\/audit\/events\/?$/, permission: 'Audit log', handle: listAuditEvents },
  { name: 'GET /prism/count', pattern: /^\/api\/v1\/prism\/count\/?$/, permission: 'Prism', handle: prismCount },
  { name: 'GET /prism/{category}', pattern: new RegExp(`^/api/v1/prism/${ANY}/?$`), permission: 'Prism', handle: listPrism },
  { name: 'GET /tags', pattern: /^\/api\/v1\/tags\/?$/, permission: 'Tags', handle: listTags },
  { name: 'GET /settings/licensing', pattern: /^\/api\/v1\/settings\/licensing\/?$/, permission: 'Licensing', handle: licensing },
];

export function matchRoute(path: string): { route: Route; params: string[] } | undefined {
  for (const route of ROUTES) {
    const m = route.pattern.exec(path);
    if (m) return { route, params: m.slice(1).map((p) => decodeURIComponent(p)) };
  }
  return undefined;
}
