/**
 * Pagination under change (issue 6): /devices is paged by offset, so a device that enrolls or is removed while the
 * connector pages shifts every later row. The connector pages in device_id order with overlapping pages and steps
 * back when a page starts past what it has seen (core/http/paginators.ts stableOffset). Proved twice: a property
 * test of the paginator against a fleet that changes between any two requests, and the real CLI against the
 * simulator, whose fleet is changed after the Nth /devices request.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { KandjiClient, Query } from '../../core/http/client.ts';
import { pages, stableOffset } from '../../core/http/paginators.ts';
import { startSimulator, type Simulator } from '../../simulator/server.ts';
import type { Tenant } from '../../simulator/tenant.ts';
import { catalogFile, configFile, expectNoToken, forbidToken, run } from '../support/connector.ts';

const SEED = 0x5eed6;
const id = (n: number) => n.toString(16).padStart(8, '0');

/** A change to the fleet made before request `at` (0-based): remove `remove` devices, enroll `enroll`, at `where` (0–1) in id order. */
interface Change {
  at: number;
  remove: number;
  enroll: number;
  where: number;
}

/** Page a fleet that changes between requests through the real paginator; the ids read, in order, and the requests made. */
async function readChanging(initial: number[], changes: Change[], limit: number, overlap: number) {
  let fleet = [...new Set(initial)].sort((a, b) => a - b);
  const removed = new Set<number>();
  let next = 0x7fff_0000;
  let requests = 0;
  const client = {
    async get(_path: string, query: Query) {
      for (const c of changes.filter((x) => x.at === requests)) {
        const start = Math.floor(c.where * fleet.length);
        for (const gone of fleet.splice(start, c.remove)) removed.add(gone);
        // New devices get ids spread over the whole range, before and after the reader's position.
        for (let k = 0; k < c.enroll; k++) {
          next = (next * 1103515245 + 12345) % 0x7fff_ffff;
          fleet.push(next);
        }
        fleet = [...new Set(fleet)].sort((a, b) => a - b);
      }
      requests++;
      if (requests > 10_000) throw new Error('the paginator does not terminate');
      const offset = Number(query.offset);
      return fleet.slice(offset, offset + Number(query.limit)).map((n) => ({ device_id: id(n) }));
    },
  } as unknown as KandjiClient;
  const seen: string[] = [];
  for await (const page of pages(client, '/devices', stableOffset({ limit, key: 'device_id', overlap }), {
    stream: 'devices',
    endpoint: 'GET /devices',
  })) {
    for (const row of page.rows as { device_id: string }[]) seen.push(row.device_id);
  }
  const stable = [...new Set(initial)].filter((n) => !removed.has(n)).map(id);
  return { seen, stable, requests };
}

describe('stableOffset under a changing fleet (property)', () => {
  it('reads every device that stayed exactly once, and no device twice, whatever enrolls or leaves between pages', async () => {
    const change = fc.record({
      at: fc.nat({ max: 30 }),
      remove: fc.nat({ max: 300 }),
      enroll: fc.nat({ max: 100 }),
      where: fc.double({ min: 0, max: 1, noNaN: true, maxExcluded: true }),
    });
    await fc.assert(
      fc.asyncProperty(
        // Fleet sizes spread evenly up to 800 (fast-check's own arrays stay small), ids scattered by a seed.
        fc
          .integer({ min: 0, max: 800 })
          .chain((n) => fc.integer().map((s) => Array.from({ length: n }, (_, k) => (Math.imul(k + 1, 2654435761) ^ s) >>> 1))),
        fc.array(change, { maxLength: 8 }),
        fc.integer({ min: 2, max: 120 }),
        fc.integer({ min: 1, max: 10 }),
        async (initial, changes, limit, overlapWanted) => {
          const overlap = Math.min(overlapWanted, limit - 1);
          const { seen, stable } = await readChanging(initial, changes, limit, overlap);
          expect(new Set(seen).size, 'a device read twice').toBe(seen.length);
          const got = new Set(seen);
          expect(
            stable.filter((d) => !got.has(d)),
            'devices that stayed but were not read',
          ).toEqual([]);
        },
      ),
      { seed: SEED, numRuns: 1000 },
    );
  });

  it('steps back over a fleet that shrank by more than a page, also when the next offset lands past the end', async () => {
    // 1,000 devices in pages of 100: before the 8th request (offset 695) 400 devices before the reader are removed.
    const initial = Array.from({ length: 1000 }, (_, n) => n * 10);
    const { seen, stable } = await readChanging(initial, [{ at: 7, remove: 400, enroll: 0, where: 0.1 }], 100, 5);
    expect(new Set(seen).size).toBe(seen.length);
    const got = new Set(seen);
    expect(stable.filter((d) => !got.has(d))).toEqual([]);
    // The devices after the removed block are all there (before the fix, the read ended on an empty page at 665).
    expect(seen.at(-1)).toBe(id(9990));
  });
});

/** Ids of the live devices of a tenant. */
const liveIds = (tenant: Tenant) => new Set([...tenant.deviceIndices()].map((i) => tenant.deviceId(i)));

describe('the CLI reads /devices while the simulated fleet changes', () => {
  const limits = { perSecond: 100_000, perHour: 1_000_000 };
  /** The fleet change a scenario makes before the `at`-th /devices request (1-based). */
  type Scenario = { name: string; at: number; change: (tenant: Tenant, seenIds: string[]) => void; stepsBack?: boolean };
  const scenarios: Scenario[] = [
    // Removals before the reader's position shift later rows towards the start: without stepping back, they are skipped.
    { name: '40 devices removed before the reader', at: 3, change: (t, ids) => void t.removeDevices(ids.slice(10, 50)), stepsBack: true },
    {
      name: '350 devices removed before the reader (more than a page; the next offset lands past the new end)',
      at: 5,
      change: (t, ids) => void t.removeDevices(ids.slice(0, 350)),
      stepsBack: true,
    },
    // Enrolments shift rows towards the end: the overlap reads them again and they must not be emitted twice.
    { name: '120 devices enrolled', at: 2, change: (t) => void t.enrollDevices(120) },
    { name: 'a simulated month: devices enrolled, removed and changed', at: 3, change: (t) => void t.advance(24 * 30) },
    {
      name: 'removals and enrolments on every page',
      at: 2,
      change: (t, ids) => {
        t.removeDevices(ids.filter((_, k) => k % 37 === 0));
        t.enrollDevices(25);
      },
    },
  ];

  for (const scenario of scenarios) {
    describe(scenario.name, () => {
      let sim: Simulator;
      let before: Set<string>;
      let requests = 0;
      beforeAll(async () => {
        sim = await startSimulator({
          devices: 1500,
          seed: 61,
          rateLimit: limits,
          keepLog: true,
          onRequest: ({ endpoint }, tenant) => {
            if (endpoint !== 'GET /devices') return;
            requests++;
            // The last scenario changes the fleet before every request from the `at`-th on.
            if (requests === scenario.at || (scenario.name.startsWith('removals and enrolments') && requests > scenario.at)) {
              const sorted = [...liveIds(tenant)].sort();
              scenario.change(tenant, sorted);
            }
          },
        });
        before = liveIds(sim.tenant);
        forbidToken(sim.token);
      });
      afterAll(async () => {
        expectNoToken(sim.token);
        await sim.close();
      });

      it('every device that existed for the whole read appears exactly once; none appears twice', async () => {
        const out = await run(['read', '--config', configFile(sim), '--catalog', catalogFile('full_refresh', ['devices'])]);
        expect(out.code, out.stderr).toBe(0);
        const after = liveIds(sim.tenant);
        expect(after, 'the scenario changed the fleet').not.toEqual(before);
        const ids = (out.records.get('devices') ?? []).map((d) => String(d.device_id));
        expect(ids.length - new Set(ids).size, 'devices read twice').toBe(0);
        const got = new Set(ids);
        const stayed = [...before].filter((d) => after.has(d));
        expect(
          stayed.filter((d) => !got.has(d)),
          'devices that stayed but were not read',
        ).toEqual([]);
        if (scenario.stepsBack) {
          // The reader noticed the shift and went back: some /devices request asked for a lower offset than the one before.
          const offsets = sim.log
            .filter((e) => e.endpoint === 'GET /devices')
            .map((e) => Number(new URL(e.url, 'http://x').searchParams.get('offset')));
          expect(
            offsets.some((o, i) => i > 0 && o < (offsets[i - 1] as number)),
            offsets.join(' '),
          ).toBe(true);
        }
        // Nothing that never existed.
        for (const d of got) expect(before.has(d) || after.has(d) || sim.tenant.indexOf(d) >= 0, d).toBe(true);
      });
    });
  }
});
