/**
 * The audit log (`GET /audit/events`, docs/kandji-api.md §6.9). Background events are derived per hour from the seed, so a
 * year of history costs nothing until it is read; device enrollments and deletions made by advance() are merged in.
 * The log accrues as the tenant's clock moves: an hour's events exist once the clock has passed them.
 */
import { between, hash, pick, uuid, weighted } from './random.ts';
import { DAY, HOUR, t1 } from './timestamps.ts';
import type { Tenant } from './tenant.ts';
import { BLUEPRINTS } from './vocabulary.ts';
import { blueprintId, libraryItemId } from './bodies.ts';

export interface AuditEvent {
  id: string;
  action: string;
  occurred_at: string;
  actor_id: string;
  actor_type: string;
  target_id: string;
  target_type: string;
  target_component: string;
  new_state: Record<string, unknown> | null;
  metadata: Record<string, unknown>;
}

interface Timed {
  at: number;
  event: AuditEvent;
}

/** How far back the log goes ("about 1 year"). */
export const AUDIT_HISTORY_MS = 365 * DAY;

const CROCKFORD = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';

/** A ULID: 48-bit time then 80 bits from the key, Crockford base32 (26 characters, sorts by time). Joined flat. */
function ulid(at: number, seed: number, ...key: (string | number)[]): string {
  const chars = new Array<string>(26);
  let time = at;
  for (let i = 9; i >= 0; i--) {
    chars[i] = CROCKFORD[time % 32] as string;
    time = Math.floor(time / 32);
  }
  for (let i = 0; i < 16; i++) chars[10 + i] = CROCKFORD[hash(seed, ...key, 'ulid', i) % 32] as string;
  return chars.join('');
}

const KINDS = [
  ['blueprint_update', 30],
  ['library_item_update', 25],
  ['library_item_create', 8],
  ['secret_access', 6],
  ['api_token_update', 2],
  ['device_blueprint_change', 20],
  ['admin_login', 9],
] as const;

function backgroundEvent(t: Tenant, hour: number, j: number, at: number): AuditEvent {
  const s = t.seed;
  const kind = weighted(s, KINDS, 'audit-kind', hour, j);
  const admin = uuid(s, 'admin', hash(s, 'audit-actor', hour, j) % 5);
  const common = { id: ulid(at, s, 'audit', hour, j), occurred_at: t1(at), actor_id: admin, actor_type: 'user', metadata: {} };
  const blueprint = hash(s, 'audit-bp', hour, j) % BLUEPRINTS.length;
  switch (kind) {
    case 'blueprint_update':
      return {
        ...common,
        action: 'update',
        target_id: blueprintId(t, blueprint),
        target_type: 'blueprint',
        target_component: pick(s, ['', 'library_items', 'parameters'], 'audit-comp', hour, j),
        new_state: { name: BLUEPRINTS[blueprint]?.name },
      };
    case 'library_item_update':
    case 'library_item_create':
      return {
        ...common,
        action: kind === 'library_item_create' ? 'create' : 'update',
        target_id: libraryItemId(t, 'custom-profiles', hash(s, 'audit-li', hour, j) % 20),
        target_type: 'library_item',
        target_component: '',
        new_state: { active: true },
      };
    case 'secret_access':
      return {
        ...common,
        action: 'read',
        target_id: t.deviceId(hash(s, 'audit-dev', hour, j) % t.initialDevices),
        target_type: 'device',
        target_component: 'filevault_recovery_key',
        new_state: null,
      };
    case 'api_token_update':
      return {
        ...common,
        action: 'update',
        target_id: uuid(s, 'token', j),
        target_type: 'api_token',
        target_component: '',
        new_state: { permissions: [{ path: '/api/v1/devices', http_method: 'GET' }] },
      };
    case 'device_blueprint_change':
      return {
        ...common,
        action: 'update',
        actor_type: 'kandji',
        actor_id: '',
        target_id: t.deviceId(hash(s, 'audit-dev', hour, j) % t.initialDevices),
        target_type: 'device',
        target_component: 'blueprint',
        new_state: { blueprint_id: blueprintId(t, blueprint) },
        metadata: { source: 'blueprint_routing', source_id: uuid(s, 'routing') },
      };
    case 'admin_login':
      return { ...common, action: 'login', target_id: admin, target_type: 'admin_user', target_component: '', new_state: null };
  }
}

/** Events of one hour of tenant time, sorted by (occurred_at, id). Hours the clock has not reached are empty. */
export function eventsInHour(t: Tenant, hour: number): Timed[] {
  const start = hour * HOUR;
  if (start > t.now || start < t.epoch - AUDIT_HISTORY_MS) return [];
  const rate = Math.max(1, Math.round(t.initialDevices / 400));
  const count = between(t.seed, 0, 2 * rate, 'audit-count', hour);
  const events: Timed[] = [];
  for (let j = 0; j < count; j++) {
    const at = start + (hash(t.seed, 'audit-at', hour, j) % HOUR);
    if (at > t.now) continue;
    events.push({ at, event: backgroundEvent(t, hour, j, at) });
  }
  for (const life of t.lifecycle) {
    if (life.at < start || life.at >= start + HOUR) continue;
    const deviceId = t.deviceId(life.device);
    events.push({
      at: life.at,
      event: {
        id: ulid(life.at, t.seed, 'life', life.device, life.kind),
        action: life.kind === 'enrolled' ? 'create' : 'delete',
        occurred_at: t1(life.at),
        actor_id: life.kind === 'enrolled' ? '' : uuid(t.seed, 'admin', 0),
        actor_type: life.kind === 'enrolled' ? 'kandji' : 'user',
        target_id: deviceId,
        target_type: 'device',
        target_component: '',
        new_state: life.kind === 'enrolled' ? { device_id: deviceId } : null,
        metadata: {},
      },
    });
  }
  events.sort((a, b) => a.at - b.at || (a.event.id < b.event.id ? -1 : a.event.id > b.event.id ? 1 : 0));
  return events;
}

/** Position in the log: the last event returned, for keyset paging. */
export interface AuditPosition {
  at: number;
  id: string;
}

/**
 * Up to `limit` events after `after` (exclusive) in the window [startMs, endMs], ascending or descending.
 * Also says whether more remain, so the caller knows whether to send a `next` link.
 */
export function auditPage(
  t: Tenant,
  window: { startMs: number; endMs: number },
  limit: number,
  descending: boolean,
  after?: AuditPosition,
): { events: Timed[]; more: boolean } {
  const lo = Math.max(window.startMs, t.epoch - AUDIT_HISTORY_MS);
  const hi = Math.min(window.endMs, t.now);
  const out: Timed[] = [];
  if (lo > hi) return { events: out, more: false };
  const firstHour = Math.floor(lo / HOUR);
  const lastHour = Math.floor(hi / HOUR);
  const beyond = (e: Timed) =>
    !after ||
    (descending
      ? e.at < after.at || (e.at === after.at && e.event.id < after.id)
      : e.at > after.at || (e.at === after.at && e.event.id > after.id));
  const startHour = after ? Math.floor(after.at / HOUR) : descending ? lastHour : firstHour;
  for (let h = startHour; descending ? h >= firstHour : h <= lastHour; h += descending ? -1 : 1) {
    const hourEvents = eventsInHour(t, h);
    if (descending) hourEvents.reverse();
    for (const e of hourEvents) {
      if (e.at < lo || e.at > hi || !beyond(e)) continue;
      if (out.length === limit) return { events: out, more: true };
      out.push(e);
    }
  }
  return { events: out, more: false };
}
