/**
 * Paging helpers for the simulator tests: each walks one pagination style of docs/kandji-api.md §4 to its end and returns
 * every record, plus the pages it took, so tests can assert both the data and the walk.
 */
import { expect } from 'vitest';
import type { Simulator } from '../../simulator/server.ts';
import { get } from '../support/simulator.ts';

/** Options for a simulator that the tests can hit as fast as they like: the rate limits are out of the way. */
export const UNLIMITED = { rateLimit: { perSecond: 1_000_000, perHour: 1_000_000_000 } } as const;

/** GET that must answer 200 with JSON. */
export async function ok(sim: Simulator, path: string): Promise<any> {
  const res = await get(sim, path);
  expect(res.status, `${path} → ${res.status} ${res.text.slice(0, 200)}`).toBe(200);
  return res.body;
}

/** Style A: `/devices` as bare arrays, `limit=300` and growing offsets until a short page. */
export async function allDevices(sim: Simulator, query = ''): Promise<{ records: any[]; pages: number }> {
  const records: any[] = [];
  let pages = 0;
  for (let offset = 0; ; offset += 300) {
    const page = (await ok(sim, `/api/v1/devices?limit=300&offset=${offset}${query}`)) as any[];
    pages++;
    records.push(...page);
    if (page.length < 300) return { records, pages };
  }
}

/** Rebuild a `next` link on the simulator's own host (the users list points at the console host; quirk 4). */
export function onSimulator(next: string): string {
  const u = new URL(next);
  return u.pathname + u.search;
}

/** Styles B–D: follow `next` links (rebuilt on the simulator's host) until null. */
export async function followNext(sim: Simulator, first: string): Promise<{ records: any[]; pages: any[] }> {
  const records: any[] = [];
  const pages: any[] = [];
  let path: string | null = first;
  while (path !== null) {
    const page: any = await ok(sim, path);
    pages.push(page);
    records.push(...page.results);
    path = page.next === null ? null : onSimulator(page.next);
    expect(pages.length).toBeLessThan(10_000);
  }
  return { records, pages };
}

/** Style E: Prism rows under `data`, following `cursor` until it is null. */
export async function allPrism(sim: Simulator, category: string, query = ''): Promise<{ rows: any[]; pages: any[] }> {
  const rows: any[] = [];
  const pages: any[] = [];
  let cursor: string | null = null;
  do {
    const suffix: string = cursor === null ? '' : `&cursor=${encodeURIComponent(cursor)}`;
    const page: any = await ok(sim, `/api/v1/prism/${category}?limit=300${query}${suffix}`);
    pages.push(page);
    rows.push(...page.data);
    cursor = page.cursor;
    expect(pages.length).toBeLessThan(10_000);
  } while (cursor !== null);
  return { rows, pages };
}

/** The key of a Prism row: device plus what the row is about in categories with several rows a device. */
export function prismRowKey(category: string, row: any): string {
  switch (category) {
    case 'apps':
      return `${row.device_id}|${row.bundle_id}`;
    case 'installed_profiles':
      return `${row.device_id}|${row.payload_uuid}`;
    case 'local_users':
      return `${row.device_id}|${row.username}`;
    case 'certificates':
      return `${row.device_id}|${row.common_name}`;
    case 'launch_agents_and_daemons':
      return `${row.device_id}|${row.label}`;
    case 'system_extensions':
      return `${row.device_id}|${row.identifier}`;
    case 'transparency_database':
      return `${row.device_id}|${row.service}|${row.application}`;
    default:
      return row.device_id;
  }
}
