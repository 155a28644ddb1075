/**
 * What a stream declaration says (STYLE.md §1). A stream is data, not code: its name, schema, key, the Kandji
 * permission it needs, its cursor and how the API filters on it, and how it is read — paged lists, a Prism category,
 * the audit log, or calls per device of a parent stream (which devices, how they page, how many a sync). The read
 * loops, checkpointing and counting live once, in source/read/, and never test a stream's name.
 */
import type { TObject } from 'typebox';
import type { Paginator } from '../core/http/paginators.ts';
import type { Permission } from '../core/permissions.ts';

export interface ListRequest {
  /** Path under /api/v1. */
  path: string;
  /** Counter label, e.g. `GET /blueprints`. */
  endpoint: string;
  paginator: () => Paginator;
  /** Fields added to every row of this request (e.g. which library list it came from). */
  tag?: Record<string, unknown>;
}

/** What the read needs from the configuration, as declarations may use it (source/config.ts resolves it). */
export interface StreamConfig {
  deviceAppsSource: 'prism' | 'per_device';
  deviceDetailsMaxPerSync: number;
  deviceHistoryMaxPerSync: number;
}

/**
 * How a per-device stream learns which devices changed since it last read them. `prism`: a device changed when
 * one of its rows in these Prism categories has a newer `updated_at` (the details a device reports are the same
 * data Prism carries). `check_in`: a device changed when it checked in (its parent row's change column).
 * Without Prism permission, `prism` falls back to `check_in`.
 */
export type ChangedBy = { prism: readonly string[] } | 'check_in';

export type ReadPlan =
  /**
   * Fleet-wide lists read in full every sync (full refresh). `children`: other streams fan out over this one's
   * rows (devices): the column with a row's id, the one that says when it last changed, and one that says its kind
   * (a device's platform), for per-device endpoints that serve only some kinds.
   */
  | { kind: 'list'; requests: ListRequest[]; children?: { id: string; changedAt: string; kind?: string } }
  /** A Prism category, incremental on the cursor through Prism's `filter` (docs/kandji-api.md §6.10). */
  | { kind: 'prism'; category: string }
  /** The audit log, incremental on the cursor via `start_date` + `sort_by` (docs/kandji-api.md §6.9). */
  | { kind: 'audit' }
  /**
   * Calls per row of the `parent` stream (a device). Without `changedBy` every device is read every sync (full
   * refresh). With it only the devices that changed since each part of the fleet was last read, at most
   * `maxPerSync` a sync, in a rolling window over the fleet (state/rolling.ts). `paginator` pages an endpoint whose
   * rows are under an envelope (activity, commands); without one the body is one page.
   */
  | {
      kind: 'per-device';
      parent: string;
      path: (deviceId: string) => string;
      endpoint: string;
      changedBy?: ChangedBy;
      /** Only the parent rows of these kinds (`children.kind`): `['Mac']` for a macOS-only endpoint. */
      only?: readonly string[];
      maxPerSync?: (config: StreamConfig) => number;
      paginator?: () => Paginator;
      rows: (body: unknown, deviceId: string) => unknown[];
    };

/**
 * The incremental cursor: the record field, written once here, that the reader filters on and the bookmark is
 * named after. `filter` says how the API filters on it: `prism` (Prism's JSON `filter`, `gte`), `start_date` (the
 * audit log's `start_date` + `sort_by`), `client` (the API cannot filter: rows older than the bookmark are dropped
 * here), `refresh` (the field is the time the connector read the row: which rows are read comes from `changedBy`),
 * `json` (a list endpoint's JSON `filter` on `apiField`; when the API refuses it, the list is read whole and filtered
 * here). Incremental lists with a cursor are re-read whole every `prism_full_read_every_days`, like Prism.
 */
export interface Cursor {
  field: string;
  filter: 'prism' | 'start_date' | 'client' | 'refresh' | 'json';
  /** `json`: the list endpoint takes `filter={"<apiField>": {"gte": …}}` (vulnerability detections: detection_datetime). */
  apiField?: string;
}

export interface StreamDeclaration {
  name: string;
  description: string;
  schema: TObject;
  primaryKey: string[][];
  /** The incremental cursor; absent for full-refresh-only streams. */
  cursor?: Cursor;
  /** The Kandji API permission the stream's endpoints need (Settings → Access → API token). */
  permission: Permission;
  plan: ReadPlan;
  /**
   * Another way to read the stream: taken when the token lacks `permission` (and nothing was emitted yet), or
   * from the start when `preferredWhen` says the configuration asks for it (device_apps: per device, not Prism).
   */
  fallback?: { permission: Permission; plan: ReadPlan; preferredWhen?: (config: StreamConfig) => boolean };
  /** Map one API row to the record, before schema normalisation (renames, copied keys). */
  map?: (row: Record<string, unknown>) => Record<string, unknown>;
  /**
   * The order the database stores its rows in (the raw table, each run's rows; the generated models, each build's new
   * rows), when the primary key's order is not the best: neighbouring rows that repeat a value compress. Top-level
   * fields; absent, the primary key's.
   */
  storageOrder?: string[];
  /**
   * Fields the generated daily snapshot (snp_kandji__<name>_daily, a row per key per day) leaves out: large, and kept
   * day by day by another stream. The raw table and the current table (stg_kandji__<name>) keep them.
   */
  dailyOmits?: { fields: string[]; keptBy: string };
}

/** The fields a stream's rows are stored in order of (`storageOrder`, else the primary key's top-level fields). */
export function storageOrderOf(stream: Pick<StreamDeclaration, 'primaryKey' | 'storageOrder'>): string[] {
  return stream.storageOrder ?? stream.primaryKey.filter((path) => path.length === 1).map((path) => path[0] as string);
}
