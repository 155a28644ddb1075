/**
 * What a stream declaration says (STYLE.md §1). A stream is data, not code: its name, schema, key, the Kandji
 * permission it needs, and how it is read — a paged list, a Prism category, the audit log, or one call per
 * device. The read loops, checkpointing and counting live once, in source/read/.
 */
import type { TObject } from 'typebox';
import type { Paginator } from '../core/http/paginators.ts';

export interface ListRequest {
  /** Path under /api/v1. */
  path: string;
  /** Counter label, e.g. `GET /blueprints`. */
  endpoint: string;
  paginator: () => Paginator;
  /** Fields added to every row of this request (e.g. which library list it came from). */
  tag?: Record<string, unknown>;
}

export type ReadPlan =
  /** Fleet-wide lists read in full every sync (full refresh). */
  | { kind: 'list'; requests: ListRequest[] }
  /** A Prism category, incremental on `updated_at` through Prism's `filter` (kandji-api.md §6.10). */
  | { kind: 'prism'; category: string }
  /** The audit log, incremental on `occurred_at` via `start_date` + `sort_by` (kandji-api.md §6.9). */
  | { kind: 'audit' }
  /**
   * One call per device. `changed` reads only devices whose Prism rows changed since the bookmark, capped per
   * sync (device_details); `all` reads every device (the per-device fallback of device_apps).
   */
  | {
      kind: 'per-device';
      path: (deviceId: string) => string;
      endpoint: string;
      select: 'changed' | 'all';
      rows: (body: unknown, deviceId: string) => unknown[];
    };

export interface StreamDeclaration {
  name: string;
  description: string;
  schema: TObject;
  primaryKey: string[][];
  /** The incremental cursor field; absent for full-refresh-only streams. */
  cursorField?: string;
  /** The Kandji API permission the stream's endpoints need (Settings → Access → API token). */
  permission: string;
  plan: ReadPlan;
  /**
   * Another way to read the stream: taken when the token lacks `permission` (and nothing was emitted yet), or
   * from the start when `preferredWhen` says the configuration asks for it (device_apps: per device, not Prism).
   */
  fallback?: { permission: string; plan: ReadPlan; preferredWhen?: (config: { deviceAppsSource: 'prism' | 'per_device' }) => boolean };
  /** Map one API row to the record, before schema normalisation (renames, copied keys). */
  map?: (row: Record<string, unknown>) => Record<string, unknown>;
}
