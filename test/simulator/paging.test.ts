/**
 * Each endpoint's pagination style (docs/kandji-api.md §4): page sizes, caps and defaults, the end-of-data signal, and
 * that walking a list to its end yields every record exactly once.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { LIBRARY_SIZES } from '../../simulator/bodies.ts';
import { BLUEPRINTS, TAGS } from '../../simulator/vocabulary.ts';
import { get, useSimulator } from '../support/simulator.ts';
import { allDevices, allPrism, followNext, ok, onSimulator, prismRowKey, UNLIMITED } from './helpers.ts';

const DEVICES = 700;

describe('paging', () => {
  const sim = useSimulator({ devices: DEVICES, seed: 21, ...UNLIMITED });
  let fleet: any[];

  beforeAll(async () => {
    fleet = (await allDevices(sim())).records;
  });

  describe('/devices (style A: bare array, limit/offset)', () => {
    it('defaults to 300 and caps a larger limit at 300', async () => {
      expect(await ok(sim(), '/api/v1/devices')).toHaveLength(300);
      expect(await ok(sim(), '/api/v1/devices?limit=1000')).toHaveLength(300);
      expect(await ok(sim(), '/api/v1/devices?limit=7')).toHaveLength(7);
    });

    it('gives a short last page, then 200 [] past the end', async () => {
      expect(await ok(sim(), '/api/v1/devices?limit=300&offset=600')).toHaveLength(DEVICES - 600);
      const past = await get(sim(), `/api/v1/devices?limit=300&offset=${DEVICES}`);
      expect(past.status).toBe(200);
      expect(past.text).toBe('[]');
      expect((await get(sim(), '/api/v1/devices?limit=300&offset=99999')).text).toBe('[]');
    });

    it('pages the whole fleet with limit=300: every device exactly once', async () => {
      const { records, pages } = await allDevices(sim());
      expect(pages).toBe(Math.ceil(DEVICES / 300));
      const ids = records.map((d) => d.device_id);
      expect(new Set(ids).size).toBe(ids.length);
      expect(ids.length).toBe(sim().tenant.liveDevices);
      expect(new Set(ids)).toEqual(new Set([...sim().tenant.deviceIndices()].map((i) => sim().tenant.deviceId(i))));
    });

    it('pages consistently under an ordering, and offset pages tile the ordered list', async () => {
      const sorted = (await allDevices(sim(), '&ordering=serial_number')).records.map((d) => d.serial_number);
      expect(sorted).toEqual([...sorted].sort());
      const descending = (await allDevices(sim(), '&ordering=-serial_number')).records.map((d) => d.serial_number);
      expect(descending).toEqual([...sorted].reverse());
      const window = (await ok(sim(), '/api/v1/devices?limit=50&offset=275&ordering=serial_number')) as any[];
      expect(window.map((d) => d.serial_number)).toEqual(sorted.slice(275, 325));
      // ordering=device_id, the order the reference's sync mapping pages in (docs/kandji-api.md §8).
      const ids = (await allDevices(sim(), '&ordering=device_id')).records.map((d) => d.device_id);
      expect(ids).toEqual(fleet.map((d) => d.device_id).sort());
      expect((await allDevices(sim(), '&ordering=-device_id')).records.map((d) => d.device_id)).toEqual([...ids].reverse());
    });

    it('filters by platform', async () => {
      const macs = (await allDevices(sim(), '&platform=Mac')).records;
      expect(macs.length).toBe(fleet.filter((d) => d.platform === 'Mac').length);
      expect(macs.every((d) => d.platform === 'Mac')).toBe(true);
    });
  });

  describe('/blueprints (style B: DRF envelope, limit/offset)', () => {
    it('pages with limit and offset, next null on the last page', async () => {
      const first = await ok(sim(), '/api/v1/blueprints?limit=4');
      expect(Object.keys(first).sort()).toEqual(['count', 'next', 'previous', 'results']);
      expect(first.count).toBe(BLUEPRINTS.length);
      expect(first.results).toHaveLength(4);
      expect(first.previous).toBeNull();
      expect(new URL(first.next).searchParams.get('offset')).toBe('4');
      expect(new URL(first.next).origin).toBe(sim().url);

      const { records, pages } = await followNext(sim(), '/api/v1/blueprints?limit=4');
      expect(pages.map((p) => p.results.length)).toEqual([4, 4, BLUEPRINTS.length - 8]);
      expect(pages.at(-1).next).toBeNull();
      expect(records.map((b) => b.name)).toEqual(BLUEPRINTS.map((b) => b.name));
    });

    it('answers an offset past the end with an empty page', async () => {
      const past = await ok(sim(), '/api/v1/blueprints?limit=4&offset=40');
      expect(past).toMatchObject({ count: BLUEPRINTS.length, next: null, results: [] });
      expect(past.previous).not.toBeNull();
    });

    it('counts each blueprint’s devices as /devices does', async () => {
      const { records } = await followNext(sim(), '/api/v1/blueprints?limit=1000');
      for (const b of records) expect(b.computers_count, b.name).toBe(fleet.filter((d) => d.blueprint_id === b.id).length);
      expect(records.reduce((n, b) => n + b.computers_count, 0)).toBe(DEVICES);
    });
  });

  describe('/library/* (style C: page numbers)', () => {
    it('custom-apps pages with page and limit; past the last page is 404 Invalid page', async () => {
      const total = LIBRARY_SIZES['custom-apps'];
      const { records, pages } = await followNext(sim(), '/api/v1/library/custom-apps?limit=4');
      expect(pages.map((p) => p.results.length)).toEqual([4, 4, 4, total - 12]);
      expect(pages.every((p) => p.count === total)).toBe(true);
      expect(new URL(pages[0].next).searchParams.get('page')).toBe('2');
      expect(new Set(records.map((r) => r.id)).size).toBe(total);

      const last = Math.ceil(total / 4);
      for (const page of [last + 1, 0]) {
        const res = await get(sim(), `/api/v1/library/custom-apps?limit=4&page=${page}`);
        expect(res.status).toBe(404);
        expect(res.body).toEqual({ detail: 'Invalid page.' });
      }
      // Without limit every item fits the default page of 300.
      expect((await ok(sim(), '/api/v1/library/custom-apps')).results).toHaveLength(total);
    });

    it.each(['custom-profiles', 'custom-scripts'] as const)('%s pages by page with a fixed size of 10 that ignores limit', async (kind) => {
      const total = LIBRARY_SIZES[kind];
      const { records, pages } = await followNext(sim(), `/api/v1/library/${kind}?limit=3`);
      expect(pages.map((p) => p.results.length)).toEqual(
        Array.from({ length: Math.ceil(total / 10) }, (_, i) => Math.min(10, total - i * 10)),
      );
      expect(new Set(records.map((r) => r.id)).size).toBe(total);
      const res = await get(sim(), `/api/v1/library/${kind}?page=${Math.ceil(total / 10) + 1}`);
      expect(res.status).toBe(404);
      expect(res.body).toEqual({ detail: 'Invalid page.' });
    });
  });

  describe('/users (style D: cursor, next on the console host)', () => {
    it('gives 300 a page, no count, and a next link on the console host', async () => {
      const first = await ok(sim(), '/api/v1/users');
      expect(Object.keys(first).sort()).toEqual(['next', 'previous', 'results']);
      expect(first.results).toHaveLength(300);
      expect(first.previous).toBeNull();
      expect(first.next).toMatch(/^https:\/\/accuhive\.kandji\.io\/api\/v1\/users\?cursor=[A-Za-z0-9%]+$/);
    });

    it('continues correctly when the next link is rebuilt on the API host: every user once', async () => {
      const first = await ok(sim(), '/api/v1/users');
      const second = await ok(sim(), onSimulator(first.next));
      const users = sim().tenant.userCount;
      expect(second.results).toHaveLength(users - 300);
      expect(second.next).toBeNull();
      expect(second.previous).toMatch(/^https:\/\/accuhive\.kandji\.io\/api\/v1\/users\?cursor=/);
      const ids = [...first.results, ...second.results].map((u) => u.id);
      expect(new Set(ids).size).toBe(users);
    });

    it('counts each user’s devices as /devices does', async () => {
      const { records } = await followNext(sim(), '/api/v1/users');
      const assigned = fleet.filter((d) => d.user !== '');
      expect(records.reduce((n, u) => n + u.device_count, 0)).toBe(assigned.length);
      const someone = records.find((u) => u.device_count > 1);
      expect(assigned.filter((d) => d.user.id === someone.id)).toHaveLength(someone.device_count);
    });

    it('rejects a cursor it did not issue', async () => {
      const res = await get(sim(), '/api/v1/users?cursor=bm9wZQ');
      expect(res.status).toBe(400);
      expect(res.body).toEqual({ detail: 'Invalid cursor' });
    });
  });

  describe('/audit/events (style D: time-keyset cursor)', () => {
    const window = 'start_date=2025-12-29T00:00:00Z&end_date=2026-01-02T00:00:00Z';
    let oneShot: any[];

    beforeAll(async () => {
      const page = await ok(sim(), `/api/v1/audit/events?limit=500&${window}`);
      expect(page.next).toBeNull();
      oneShot = page.results;
    });

    it('caps limit at 500 and has no count', async () => {
      const page = await ok(sim(), '/api/v1/audit/events?limit=2000');
      expect(page.results).toHaveLength(500);
      expect(Object.keys(page).sort()).toEqual(['next', 'previous', 'results']);
      expect(new URL(page.next).origin).toBe(sim().url);
      expect((await ok(sim(), '/api/v1/audit/events?limit=3')).results).toHaveLength(3);
    });

    it('sorts ascending by default and descending with sort_by=-occurred_at', async () => {
      const times = (rs: any[]) => rs.map((e) => e.occurred_at);
      expect(oneShot.length).toBeGreaterThan(100);
      expect(times(oneShot)).toEqual([...times(oneShot)].sort());
      const desc = (await ok(sim(), `/api/v1/audit/events?limit=500&sort_by=-occurred_at&${window}`)).results;
      expect(desc.map((e: any) => e.id)).toEqual(oneShot.map((e) => e.id).reverse());
    });

    it('keeps to start_date and end_date', () => {
      expect(oneShot.every((e) => e.occurred_at >= '2025-12-29T00:00:00' && e.occurred_at <= '2026-01-02T00:00:00')).toBe(true);
    });

    it('takes bare dates, end_date covering its whole day', async () => {
      const byDate = (await ok(sim(), '/api/v1/audit/events?limit=500&start_date=2025-12-30&end_date=2025-12-31')).results;
      expect(byDate.map((e: any) => e.id)).toEqual(
        oneShot.filter((e) => e.occurred_at >= '2025-12-30' && e.occurred_at < '2026-01-01').map((e) => e.id),
      );
    });

    it.each(['occurred_at', '-occurred_at'])('following next (sort_by=%s) collects every event once, in order', async (sortBy) => {
      const { records, pages } = await followNext(sim(), `/api/v1/audit/events?limit=17&sort_by=${sortBy}&${window}`);
      expect(pages.length).toBe(Math.ceil(oneShot.length / 17));
      const expected = oneShot.map((e) => e.id);
      expect(records.map((e) => e.id)).toEqual(sortBy.startsWith('-') ? expected.reverse() : expected);
    });

    it('rejects an unknown sort_by and a malformed date', async () => {
      expect(await get(sim(), '/api/v1/audit/events?sort_by=actor')).toMatchObject({
        status: 400,
        body: { sort_by: ['Select a valid choice. actor is not one of the available choices.'] },
      });
      expect(await get(sim(), '/api/v1/audit/events?start_date=yesterday')).toMatchObject({
        status: 400,
        body: { start_date: ['Enter a valid date/time.'] },
      });
    });
  });

  describe('/prism/{category} (style E: rows under data, cursor)', () => {
    /** Full walks, kept: the apps walk is the longest in the suite. */
    const walks = new Map<string, Awaited<ReturnType<typeof allPrism>>>();
    const walk = async (category: string) => walks.get(category) ?? walks.set(category, await allPrism(sim(), category)).get(category)!;

    it.each([
      'device_information',
      'apps',
      'installed_profiles',
      'local_users',
      'filevault',
      'cellular',
      'certificates',
      'launch_agents_and_daemons',
      'transparency_database',
    ])('%s: following the cursor yields every row once', async (category) => {
      const { rows, pages } = await walk(category);
      const keys = rows.map((r) => prismRowKey(category, r));
      expect(new Set(keys).size).toBe(keys.length);
      expect(pages.slice(0, -1).every((p) => p.data.length === 300)).toBe(true);
      expect(pages.at(-1).cursor).toBeNull();
      expect(pages.every((p) => p.total === null || p.total === rows.length)).toBe(true);
      const count = await ok(sim(), `/api/v1/prism/count?category=${category}`);
      expect(count).toEqual({ count: rows.length, approximate: false });
      // One row per device in device-grain categories; Mac-only categories cover exactly the Macs.
      const macs = fleet.filter((d) => d.platform === 'Mac').length;
      if (category === 'device_information') expect(rows.length).toBe(DEVICES);
      if (category === 'filevault') expect(rows.length).toBe(macs);
      if (category === 'local_users') expect(new Set(rows.map((r) => r.device_id)).size).toBe(macs);
      if (category === 'cellular') expect(rows.length).toBe(fleet.filter((d) => d.platform === 'iPhone').length);
      if (category === 'certificates') expect(new Set(rows.map((r) => r.device_id)).size).toBe(DEVICES);
    });

    it('defaults to 25 rows and caps limit at 300', async () => {
      const page = await ok(sim(), '/api/v1/prism/apps');
      expect(Object.keys(page).sort()).toEqual(['cursor', 'data', 'limit', 'offset', 'total']);
      expect(page).toMatchObject({ limit: 25, offset: null });
      expect(page.data).toHaveLength(25);
      const big = await ok(sim(), '/api/v1/prism/apps?limit=1000');
      expect(big.limit).toBe(300);
      expect(big.data).toHaveLength(300);
    });

    it('rejects offset paging beyond the first page with 400', async () => {
      expect((await get(sim(), '/api/v1/prism/apps?offset=0')).status).toBe(200);
      const res = await get(sim(), '/api/v1/prism/apps?limit=25&offset=25');
      expect(res.status).toBe(400);
      expect(res.body.detail).toMatch(/cursor/);
    });

    it('filters updated_at gte: exactly the rows updated since', async () => {
      const all = (await walk('apps')).rows;
      const since = '2025-12-31T00:00:00+00:00';
      const filter = encodeURIComponent(JSON.stringify({ updated_at: { gte: since } }));
      const { rows } = await allPrism(sim(), 'apps', `&filter=${filter}`);
      const sinceMs = Date.parse(since);
      const expected = all.filter((r) => Date.parse(r.updated_at) >= sinceMs).map((r) => prismRowKey('apps', r));
      expect(expected.length).toBeGreaterThan(0);
      expect(expected.length).toBeLessThan(all.length);
      expect(rows.map((r) => prismRowKey('apps', r))).toEqual(expected);
    });

    it('filters by device family and blueprint', async () => {
      const tv = (await allPrism(sim(), 'device_information', '&device_families=tvOS')).rows;
      expect(tv.length).toBe(fleet.filter((d) => d.platform === 'AppleTV').length);
      expect(tv.every((r) => r.device__family === 'tvOS')).toBe(true);
      const blueprint = fleet[0].blueprint_id;
      const inBlueprint = (await allPrism(sim(), 'device_information', `&blueprint_ids=${blueprint}`)).rows;
      expect(inBlueprint.map((r) => r.device_id).sort()).toEqual(
        fleet
          .filter((d) => d.blueprint_id === blueprint)
          .map((d) => d.device_id)
          .sort(),
      );
    });

    it('has no kernel extensions, like the saved example', async () => {
      expect(await ok(sim(), '/api/v1/prism/kernel_extensions')).toEqual({ offset: null, limit: 25, total: 0, data: [], cursor: null });
    });

    it('answers a bad filter and an unknown category with 400', async () => {
      const bad = await get(sim(), `/api/v1/prism/apps?filter=${encodeURIComponent('{"updated_at":')}`);
      expect(bad.status).toBe(400);
      expect(bad.body).toEqual({ detail: 'Invalid filter: not valid JSON' });
      const unknown = await get(sim(), '/api/v1/prism/x');
      expect(unknown.status).toBe(400);
      expect(unknown.body).toEqual({ detail: 'Invalid category: x' });
      expect((await get(sim(), '/api/v1/prism/count?category=x')).body).toEqual({ detail: 'Invalid category: x' });
    });
  });

  describe('/tags and /settings/licensing', () => {
    it('lists every tag in one page', async () => {
      const tags = await ok(sim(), '/api/v1/tags');
      expect(tags).toMatchObject({ count: TAGS.length, next: null, previous: null });
      expect(tags.results.map((t: any) => t.name)).toEqual([...TAGS]);
      expect((await ok(sim(), '/api/v1/tags?search=dev')).results.map((t: any) => t.name)).toEqual(['dev-beta']);
    });

    it('counts the fleet by platform', async () => {
      const n = (platform: string) => fleet.filter((d) => d.platform === platform).length;
      const licensing = await ok(sim(), '/api/v1/settings/licensing');
      expect(licensing.counts).toEqual({
        computers_count: DEVICES,
        ios_count: n('iPhone'),
        ipados_count: n('iPad'),
        macos_count: n('Mac'),
        tvos_count: n('AppleTV'),
      });
      expect(licensing.limits.max_devices).toBeGreaterThanOrEqual(DEVICES);
      expect(licensing.tenantOverLicenseLimit).toBe(false);
    });
  });
});
