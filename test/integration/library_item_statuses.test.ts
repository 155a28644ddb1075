/**
 * library_item_statuses through the real CLI against the simulator: one paged pass per library item (items ×
 * ⌈devices in scope/300⌉ requests, not one per device), every status of every item with the API's raw status and its
 * normalised one, and a token without "Library items" that check names and read reports as a config error while the
 * other streams complete.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSimulator, type Simulator } from '../../simulator/server.ts';
import { catalogFile, configFile, expectNoToken, run, type ReadOutput } from '../support/connector.ts';
import { get } from '../support/simulator.ts';

const limits = { perSecond: 100_000, perHour: 1_000_000 };
const ENDPOINT = 'GET /library/library-items/{id}/status';

describe('library_item_statuses', () => {
  let sim: Simulator;
  let out: ReadOutput;
  let expected: Map<string, number>;

  beforeAll(async () => {
    // 700 devices: about 450 Macs, so a Mac item's statuses take two pages.
    sim = await startSimulator({ devices: 700, seed: 41, rateLimit: limits, keepLog: false });
    expected = new Map();
    for (const kind of ['custom-apps', 'ipa-apps', 'custom-profiles', 'custom-scripts']) {
      let link: string | null = `/api/v1/library/${kind}`;
      while (link) {
        const page = (await get(sim, link.replace(sim.url, ''))).body as { next: string | null; results: { id: string }[] };
        for (const item of page.results) {
          const status = (await get(sim, `/api/v1/library/library-items/${item.id}/status?limit=1`)).body as { count: number };
          expected.set(item.id, status.count);
        }
        link = page.next;
      }
    }
    sim.resetStats();
    out = await run([
      'read',
      '--config',
      configFile(sim),
      '--catalog',
      catalogFile('full_refresh', ['library_items', 'library_item_statuses']),
    ]);
  });
  afterAll(async () => {
    expectNoToken(sim.token);
    await sim.close();
  });

  it('reads every status of every item, one paged pass per item', () => {
    expect(out.code, out.stderr).toBe(0);
    const rows = out.records.get('library_item_statuses') ?? [];
    const perItem = new Map<string, number>();
    for (const r of rows) perItem.set(String(r.library_item_id), (perItem.get(String(r.library_item_id)) ?? 0) + 1);
    expect(perItem).toEqual(expected);
    expect(new Set(rows.map((r) => `${r.library_item_id}|${r.device_id}`)).size).toBe(rows.length);
    const pages = [...expected.values()].reduce((n, count) => n + Math.max(1, Math.ceil(count / 300)), 0);
    expect(sim.stats().byEndpoint[ENDPOINT]?.requests).toBe(pages);
    expect(Math.max(...expected.values())).toBeGreaterThan(300);
  });

  it('keeps the raw status and adds the normalised one', () => {
    const rows = out.records.get('library_item_statuses') ?? [];
    const pairs = new Set(rows.map((r) => `${r.status}→${r.status_normalized}`));
    for (const pair of [
      'PASS→pass',
      'ERROR→fail',
      'PENDING→pending',
      'EXCLUDED→excluded',
      'WARNING→muted',
      'INCOMPATIBLE→not_applicable',
      'success→pass',
    ])
      expect(pairs, pair).toContain(pair);
    for (const r of rows) expect(r.device_id).toBe((r.computer as { id: string }).id);
  });
});

describe('library_item_statuses without the permission', () => {
  let sim: Simulator;
  let token: string;

  beforeAll(async () => {
    sim = await startSimulator({ devices: 60, seed: 42, rateLimit: limits, keepLog: false });
    token = sim.addToken(['Device list', 'Prism', 'Blueprints']);
  });
  afterAll(async () => {
    expectNoToken(sim.token);
    await sim.close();
  });

  it('check names it; read ends it INCOMPLETE with a config error and completes the others', async () => {
    const config = configFile(sim, { api_token: token });
    const check = await run(['check', '--config', config]);
    const status = check.messages.find((m) => m.type === 'CONNECTION_STATUS')?.connectionStatus;
    expect(status?.status).toBe('SUCCEEDED');
    expect(status?.message).toMatch(/library_items, library_item_statuses \(needs "Library items"\)/);

    const out = await run(['read', '--config', config, '--catalog', catalogFile('full_refresh', ['devices', 'library_item_statuses'])]);
    expect(out.code).toBe(1);
    expect(out.statuses.get('library_item_statuses')?.at(-1)).toBe('INCOMPLETE');
    expect(out.statuses.get('devices')?.at(-1)).toBe('COMPLETE');
    expect(out.errors.map((e) => [e.stream_descriptor?.name, e.failure_type])).toEqual([['library_item_statuses', 'config_error']]);
  });
});
