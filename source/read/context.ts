/**
 * What the streams of one read share: the client, the configuration, the anchor (the server's clock at the
 * sync's first response), the fleet list for per-device streams, and what the Prism reads learned about which
 * devices changed — so device_details spends no request finding what the Prism streams already saw.
 */
import { parseTimestamp } from '../../schemas/values.ts';
import { stableOffset, pages, prismCursor } from '../../core/http/paginators.ts';
import type { KandjiClient } from '../../core/http/client.ts';

/** What the read needs from the configuration (source/config.ts resolves the user's file into this). */
export interface ReadConfig {
  /** audit_events starts here on a first sync; default 30 days before the sync. */
  startDate: number | undefined;
  maxConcurrency: number;
  deviceDetailsMaxPerSync: number;
  deviceAppsSource: 'prism' | 'per_device';
}

export interface FleetDevice {
  id: string;
  /** ms since epoch, or undefined when the API sent none. */
  lastCheckIn: number | undefined;
}

/** Prism categories whose changes show in /devices/{id}/details. */
export const DETAIL_CATEGORIES = ['device_information', 'filevault', 'installed_profiles', 'local_users'] as const;

export interface PrismChanges {
  /** The filter the read used: rows updated at or after `since` (undefined: the whole category). */
  since: number | undefined;
  /** Latest `updated_at` per device id, for devices whose latest is at or after `ReadContext.changesFrom`. */
  latest: Map<string, number>;
}

export class ReadContext {
  readonly client: KandjiClient;
  readonly config: ReadConfig;
  /** Completed Prism reads of the detail categories in this sync. */
  readonly prismChanges = new Map<string, PrismChanges>();
  /**
   * The earliest change a per-device stream of this read will ask about (`changedSince`), known before the reads
   * start from the per-device streams' state; undefined when none will ask (a first read, or no such stream). The
   * Prism reads keep per-device changes only from here on: a first read of 50,000 devices keeps none.
   */
  changesFrom: number | undefined;
  private fleetList: FleetDevice[] | undefined;

  constructor(client: KandjiClient, config: ReadConfig) {
    this.client = client;
    this.config = config;
  }

  /** The sync's anchor: the server's clock at the first response (its Date header), else ours. */
  anchor(): number {
    return this.client.firstServerTime ?? Date.now();
  }

  /** The devices stream hands over the ids it read, so per-device streams need not list the fleet again. */
  setFleet(devices: FleetDevice[]): FleetDevice[] {
    this.fleetList = [...devices].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
    return this.fleetList;
  }

  /** Every device, sorted by id: from the devices stream of this sync, or listed now on behalf of `stream`. */
  async fleet(stream: string): Promise<FleetDevice[]> {
    if (this.fleetList) return this.fleetList;
    const found: FleetDevice[] = [];
    for await (const page of pages(this.client, '/devices', stableOffset({ limit: 300, key: 'device_id', overlap: 5 }), {
      stream,
      endpoint: 'GET /devices',
      permission: 'Device list',
    })) {
      for (const row of page.rows as Record<string, unknown>[])
        found.push({ id: String(row.device_id), lastCheckIn: epochMs(row.last_check_in) });
    }
    return this.setFleet(found);
  }

  /**
   * Latest Prism `updated_at` per device across the detail categories, for rows updated at or after `since`.
   * Reuses this sync's Prism reads when they covered at least that window; otherwise reads the categories now.
   */
  async changedSince(since: number, stream: string): Promise<Map<string, number>> {
    const latest = new Map<string, number>();
    const note = (id: string, at: number) => {
      if (at >= since && at > (latest.get(id) ?? -Infinity)) latest.set(id, at);
    };
    for (const category of DETAIL_CATEGORIES) {
      const known = this.prismChanges.get(category);
      const kept = this.changesFrom !== undefined && this.changesFrom <= since;
      if (known && kept && (known.since === undefined || known.since <= since)) {
        for (const [id, at] of known.latest) note(id, at);
        continue;
      }
      const filter = JSON.stringify({ updated_at: { gte: new Date(since).toISOString() } });
      for await (const page of pages(this.client, `/prism/${category}`, prismCursor({ limit: 300, filter }), {
        stream,
        endpoint: `GET /prism/${category}`,
        permission: 'Prism',
      })) {
        for (const row of page.rows as Record<string, unknown>[]) {
          const at = epochMs(row.updated_at);
          if (at !== undefined) note(String(row.device_id), at);
        }
      }
    }
    return latest;
  }
}

/** A timestamp in any of the API's spellings, in ms; undefined for "" and for what cannot be read. */
export function epochMs(value: unknown): number | undefined {
  const parsed = parseTimestamp(value);
  return parsed.ok && parsed.value !== null ? parsed.epochMs : undefined;
}
