/**
 * The state each kind of stream keeps, and the rules it follows (STYLE.md §5): a bookmark moves only behind data
 * already emitted, and never past the sync's anchor (the server's clock at the sync's first response). Cursor
 * values are stored under a key named like the cursor field, in the records' own ISO format, so that Airbyte's
 * acceptance tests can find and compare them (docs/airbyte-protocol.md §2.6, I3).
 */
import { ConfigError } from '../core/errors.ts';

/** ISO-8601 UTC with microseconds, the format of normalised record timestamps: `2026-01-05T12:00:00.000000Z`. */
export function isoMicros(ms: number): string {
  return new Date(ms).toISOString().replace(/\.(\d{3})Z$/, '.$1000Z');
}

function when(stream: string, field: string, value: unknown): number | undefined {
  if (value === undefined || value === null) return undefined;
  const ms = typeof value === 'string' ? Date.parse(value) : Number.NaN;
  if (Number.isNaN(ms))
    throw new ConfigError(
      `The state of ${stream} has ${field} = ${JSON.stringify(value)}, which is not an ISO-8601 date-time. Fix or remove that stream's state.`,
    );
  return ms;
}

function text(stream: string, field: string, value: unknown): string | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string')
    throw new ConfigError(`The state of ${stream} has ${field} = ${JSON.stringify(value)}; expected a string.`);
  return value;
}

/**
 * Prism streams: rows updated since the cursor; when the category was last read in full (a full read is how the
 * stream learns of deleted rows); mid-stream, the Prism cursor to resume from.
 */
export interface PrismBookmark {
  /** Rows updated at or after this were not yet read. Absent on a first sync. */
  since: number | undefined;
  /** The anchor of the last complete read of the whole category. */
  fullReadAt: number | undefined;
  /** An interrupted read: its Prism cursor, the anchor it would have moved `since` to, and whether it read in full. */
  resume: { cursor: string; anchor: number; full: boolean } | undefined;
}

export function readPrismBookmark(stream: string, field: string, state: Record<string, unknown> | undefined): PrismBookmark {
  const resume = state?.resume as Record<string, unknown> | undefined;
  const cursor = text(stream, 'resume.cursor', resume?.cursor);
  const anchor = when(stream, 'resume.anchor', resume?.anchor);
  return {
    since: when(stream, field, state?.[field]),
    fullReadAt: when(stream, 'full_read_at', state?.full_read_at),
    resume: cursor && anchor !== undefined ? { cursor, anchor, full: resume?.full === true } : undefined,
  };
}

export function writePrismBookmark(field: string, b: PrismBookmark): Record<string, unknown> {
  return {
    [field]: b.since === undefined ? null : isoMicros(b.since),
    ...(b.fullReadAt === undefined ? {} : { full_read_at: isoMicros(b.fullReadAt) }),
    ...(b.resume
      ? { resume: { cursor: b.resume.cursor, anchor: isoMicros(b.resume.anchor), ...(b.resume.full ? { full: true } : {}) } }
      : {}),
  };
}

/** audit_events: events at or after `occurred_at`, minus the ones at exactly that instant already emitted. */
export interface AuditBookmark {
  since: number | undefined;
  /** Ids of the events at `since` already emitted: the boundary is re-read and these are skipped. */
  idsAtCursor: string[];
}

export function readAuditBookmark(stream: string, field: string, state: Record<string, unknown> | undefined): AuditBookmark {
  const ids = state?.ids_at_cursor;
  if (ids !== undefined && (!Array.isArray(ids) || ids.some((id) => typeof id !== 'string'))) {
    throw new ConfigError(`The state of ${stream} has ids_at_cursor = ${JSON.stringify(ids)}; expected a list of strings.`);
  }
  return { since: when(stream, field, state?.[field]), idsAtCursor: (ids as string[] | undefined) ?? [] };
}

/**
 * A bookmark past the sync's anchor (written under a clock that ran ahead, or edited by hand) is pulled back to the
 * anchor, as a Prism bookmark is at the end of its read: kept, it would skip every event until that time arrives.
 */
export function pullBackAudit(b: AuditBookmark, anchor: number): AuditBookmark {
  return b.since !== undefined && b.since > anchor ? { since: anchor, idsAtCursor: [] } : b;
}

export function writeAuditBookmark(field: string, b: AuditBookmark): Record<string, unknown> {
  return { [field]: b.since === undefined ? null : isoMicros(b.since), ids_at_cursor: b.idsAtCursor };
}

/**
 * Per-device streams that refresh only changed devices (device_details, device_activity, …): which devices are
 * current up to when. Devices are refreshed in device_id order; when the per-sync cap cuts a sync short, the devices
 * up to `pendingAfter` are current up to `pendingSince` and the rest up to `refreshedAt`. Each sync starts with the
 * older part, so every device is eventually refreshed (state/rolling.ts). `refreshedAt` is stored under the stream's
 * cursor field.
 */
export interface RollingBookmark {
  refreshedAt: number | undefined;
  pendingAfter: string | undefined;
  pendingSince: number | undefined;
}

export function readRollingBookmark(stream: string, field: string, state: Record<string, unknown> | undefined): RollingBookmark {
  const pendingAfter = text(stream, 'pending_after', state?.pending_after);
  const pendingSince = when(stream, 'pending_since', state?.pending_since);
  if ((pendingAfter === undefined) !== (pendingSince === undefined))
    throw new ConfigError(`The state of ${stream} has only one of pending_after and pending_since; remove that stream's state.`);
  return { refreshedAt: when(stream, field, state?.[field]), pendingAfter, pendingSince };
}

export function writeRollingBookmark(field: string, b: RollingBookmark): Record<string, unknown> {
  return {
    [field]: b.refreshedAt === undefined ? null : isoMicros(b.refreshedAt),
    ...(b.pendingAfter !== undefined && b.pendingSince !== undefined
      ? { pending_after: b.pendingAfter, pending_since: isoMicros(b.pendingSince) }
      : {}),
  };
}

/** Full-refresh streams keep no cursor; their final state says the stream was read to the end. */
export const FULL_REFRESH_DONE = { __ab_no_cursor_state_message: true };

/**
 * Every key a bookmark above writes besides the stream's cursor field (the key its cursor value is stored under): a
 * state key outside these, that field and state/owner.ts's is a typo or another connector's.
 */
export const BOOKMARK_KEYS: ReadonlySet<string> = new Set([
  'updated_at',
  'full_read_at',
  'resume',
  'occurred_at',
  'ids_at_cursor',
  'refreshed_at',
  'pending_after',
  'pending_since',
  '__ab_no_cursor_state_message',
]);
