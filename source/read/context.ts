/**
 * What the streams of one read share: the client, the configuration, the anchor (the server's clock at the
 * sync's first response), the fleet list for per-device streams, and what the Prism reads learned about which
 * devices changed — so device_details spends no request finding what the Prism streams already saw.
 */
import { parseTimestamp } from '../../schemas/values.ts';
import { pages, prismCursor, type Page } from '../../core/http/paginators.ts';
import type { KandjiClient, Query, RequestMeta } from '../../core/http/client.ts';
import { streamByName } from '../../streams/index.ts';
import type { ListRequest, StreamConfig } from '../../streams/declaration.ts';

/** What the read needs from the configuration (source/config.ts resolves the user's file into this). */
export interface ReadConfig extends StreamConfig {
  /** The API host (ResolvedConfig.host): every STATE carries it, and a state from another host is refused (state/owner.ts). */
  host: string;
  /**
   * The tenant's name (source/config.ts: `tenant`, else the subdomain): stamped on every record as `tenant_id`, and
   * recorded beside the host in every STATE.
   */
  tenant: string;
  /** audit_events starts here on a first sync; default 30 days before the sync. */
  startDate: number | undefined;
  maxConcurrency: number;
  /** Time-filtered reads start this much before their bookmark, for rows the API shows late (ms). */
  lookbackMs: number;
  /** Incremental Prism streams re-read their category in full every this many days, to learn of deleted rows; 0 never. */
  fullReadEveryDays: number;
}

export interface FleetDevice {
  id: string;
  /** ms since epoch, or undefined when the API sent none. */
  lastCheckIn: number | undefined;
  /** The parent row's kind (a device's platform), when the parent declares one. */
  kind?: string | undefined;
}

export interface PrismChanges {
  /** The filter the read used: rows updated at or after `since` (undefined: the whole category). */
  since: number | undefined;
  /** Latest `updated_at` per device id, for devices whose latest is at or after `ReadContext.changesFrom`. */
  latest: Map<string, number>;
}

/** Pages of one paged list request of a declaration, counted under `stream`. */
export function listPages(client: KandjiClient, request: ListRequest, meta: Omit<RequestMeta, 'endpoint'>): AsyncGenerator<Page> {
  return pages(client, request.path, request.paginator(), { ...meta, endpoint: request.endpoint });
}

/**
 * Pages of a Prism category, rows updated at or after `since` (all rows when undefined) through Prism's `filter`
 * on `field`: the one place the filter is written (docs/kandji-api.md §6.10). `resume` continues from a cursor.
 */
export function prismPages(
  client: KandjiClient,
  category: string,
  field: string,
  since: number | undefined,
  meta: Omit<RequestMeta, 'endpoint'>,
  resume?: string,
): AsyncGenerator<Page> {
  const filter = since === undefined ? undefined : JSON.stringify({ [field]: { gte: new Date(since).toISOString() } });
  const path = `/prism/${category}`;
  const paginator = prismCursor({ limit: 300, ...(filter ? { filter } : {}) });
  const start = resume ? { path, query: { ...paginator.first(), cursor: resume } as Query } : undefined;
  return pages(client, path, paginator, { ...meta, endpoint: `GET ${path}` }, start);
}

export class ReadContext {
  readonly client: KandjiClient;
  readonly config: ReadConfig;
  /** Completed Prism reads of the categories some per-device stream watches, in this sync. */
  readonly prismChanges = new Map<string, PrismChanges>();
  /** The Prism categories whose per-device changes the per-device streams of this read will ask about. */
  readonly watchedCategories = new Set<string>();
  /**
   * The earliest change a per-device stream of this read will ask about (`changedSince`), known before the reads
   * start from the per-device streams' state; undefined when none will ask (a first read, or no such stream). The
   * Prism reads keep per-device changes only from here on: a first read of 50,000 devices keeps none.
   */
  changesFrom: number | undefined;
  private readonly parents = new Map<string, FleetDevice[]>();

  constructor(client: KandjiClient, config: ReadConfig) {
    this.client = client;
    this.config = config;
  }

  /** The sync's anchor: the server's clock at the first response (its Date header), else ours. */
  anchor(): number {
    return this.client.firstServerTime ?? Date.now();
  }

  private clock: Promise<number> | undefined;

  /**
   * The anchor once a response has come: a reader that must know the server's clock before its first request (is a
   * full re-read due?) awaits this. When no response has come yet, `probe` (the caller's smallest request) asks, once
   * for the whole read: every reader waiting meanwhile shares its answer.
   */
  serverClock(probe: () => Promise<unknown>): Promise<number> {
    if (this.client.firstServerTime !== undefined) return Promise.resolve(this.client.firstServerTime);
    this.clock ??= probe().then(
      () => this.anchor(),
      () => this.anchor(),
    );
    return this.clock;
  }

  /** A parent stream hands over the rows it read, so the per-device streams need not list them again. */
  setParent(name: string, devices: FleetDevice[]): FleetDevice[] {
    const sorted = [...devices].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
    this.parents.set(name, sorted);
    return sorted;
  }

  /** Every row of the parent stream `parent`, sorted by id: from its read in this sync, or listed now on behalf of `stream`. */
  async fleet(parent: string, stream: string): Promise<FleetDevice[]> {
    const known = this.parents.get(parent);
    if (known) return known;
    const declaration = streamByName(parent);
    const plan = declaration?.plan;
    if (!declaration || plan?.kind !== 'list' || !plan.children)
      throw new Error(`${stream} names ${parent} as its parent, which is not a list stream with children`);
    const found: FleetDevice[] = [];
    for (const request of plan.requests)
      for await (const page of listPages(this.client, request, { stream, permission: declaration.permission }))
        for (const row of page.rows as Record<string, unknown>[]) found.push(childOf(plan.children, row));
    return this.setParent(parent, found);
  }

  /**
   * Latest Prism `updated_at` per device across `categories`, for rows updated at or after `since`. Reuses this
   * sync's Prism reads when they covered at least that window; otherwise reads the categories now.
   */
  async changedSince(categories: readonly string[], since: number, stream: string): Promise<Map<string, number>> {
    const latest = new Map<string, number>();
    const note = (id: string, at: number) => {
      if (at >= since && at > (latest.get(id) ?? -Infinity)) latest.set(id, at);
    };
    for (const category of categories) {
      const known = this.prismChanges.get(category);
      const kept = this.changesFrom !== undefined && this.changesFrom <= since;
      if (known && kept && (known.since === undefined || known.since <= since)) {
        for (const [id, at] of known.latest) note(id, at);
        continue;
      }
      for await (const page of prismPages(this.client, category, 'updated_at', since, { stream, permission: 'Prism' })) {
        for (const row of page.rows as Record<string, unknown>[]) {
          const at = epochMs(row.updated_at);
          if (at !== undefined) note(String(row.device_id), at);
        }
      }
    }
    return latest;
  }
}

/** A parent row as the per-device streams need it: its id and when it last changed. */
export function childOf(children: { id: string; changedAt: string; kind?: string }, row: Record<string, unknown>): FleetDevice {
  const kind = children.kind === undefined ? undefined : row[children.kind];
  return {
    id: String(row[children.id]),
    lastCheckIn: epochMs(row[children.changedAt]),
    ...(kind === undefined || kind === null || kind === '' ? {} : { kind: String(kind) }),
  };
}

/** A timestamp in any of the API's spellings, in ms; undefined for "" and for what cannot be read. */
export function epochMs(value: unknown): number | undefined {
  const parsed = parseTimestamp(value);
  return parsed.ok && parsed.value !== null ? parsed.epochMs : undefined;
}
