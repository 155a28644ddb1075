/**
 * The tenant's rate limits (docs/kandji-api.md §2), as Kong's rate-limiting plugin applies them: fixed per-second and
 * per-hour windows shared by every token, 429 `{"message":"API rate limit exceeded"}` with Retry-After, and the
 * RateLimit-* / X-RateLimit-* headers on every answer. Small limits and a 1.5-second "hour" keep this quick.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { get, useSimulator } from '../support/simulator.ts';

/** Wait until a fixed window of `ms` has just begun, so a burst of requests falls inside one window. */
async function windowStart(ms: number): Promise<void> {
  const into = Date.now() % ms;
  await sleep(ms - into + 5);
}

/**
 * Run a burst inside one fixed window of `ms`: start it as a window begins, and run it again in a later window if a
 * loaded machine let it spill into the next one (the counts would then be another window's).
 */
async function inOneWindow<T>(ms: number, burst: () => Promise<T>): Promise<T> {
  for (let attempt = 0; attempt < 5; attempt++) {
    await windowStart(ms);
    const window = Math.floor(Date.now() / ms);
    const result = await burst();
    if (Math.floor(Date.now() / ms) === window) return result;
  }
  throw new Error(`could not fit the burst into one ${ms} ms window`);
}

const header = (res: { headers: Headers }, name: string) => res.headers.get(name);

describe('rate limits', () => {
  describe('per second', () => {
    const sim = useSimulator({ devices: 50, seed: 2, rateLimit: { perSecond: 5, perHour: 1000 } });

    it('lets perSecond requests through, then answers 429 with Kong’s body and headers', async () => {
      const results = await inOneWindow(1000, async () => {
        sim().resetStats();
        const out = [];
        for (let i = 0; i < 8; i++) out.push(await get(sim(), '/api/v1/tags'));
        return out;
      });
      expect(results.map((r) => r.status)).toEqual([200, 200, 200, 200, 200, 429, 429, 429]);
      expect(results.slice(0, 5).map((r) => header(r, 'x-ratelimit-remaining-second'))).toEqual(['4', '3', '2', '1', '0']);
      expect(results.slice(0, 5).map((r) => header(r, 'x-ratelimit-remaining-hour'))).toEqual(['999', '998', '997', '996', '995']);
      for (const r of results) {
        expect(header(r, 'x-ratelimit-limit-second')).toBe('5');
        expect(header(r, 'x-ratelimit-limit-hour')).toBe('1000');
        expect(header(r, 'ratelimit-limit')).toBe('5');
        expect(header(r, 'ratelimit-reset')).toBe('1');
      }
      expect(results.slice(0, 5).every((r) => header(r, 'retry-after') === null)).toBe(true);
      for (const r of results.slice(5)) {
        expect(r.body).toEqual({ message: 'API rate limit exceeded' });
        expect(header(r, 'retry-after')).toBe('1');
        expect(header(r, 'ratelimit-remaining')).toBe('0');
        expect(header(r, 'x-ratelimit-remaining-second')).toBe('0');
        // A rejected request does not count against the hour.
        expect(header(r, 'x-ratelimit-remaining-hour')).toBe('995');
      }
      expect(sim().stats().rateLimited).toBe(3);
    });

    it('opens again in the next second', async () => {
      await windowStart(1000);
      expect((await get(sim(), '/api/v1/tags')).status).toBe(200);
    });
  });

  describe('per hour (a 1.5-second hour)', () => {
    const sim = useSimulator({ devices: 50, seed: 2, rateLimit: { perSecond: 100, perHour: 3, hourMs: 1500 } });

    it('answers 429 once the hour’s budget is spent, shared by every token, and refills with the next hour', async () => {
      const other = sim().addToken(['Tags']);
      const [a, b, c, d] = await inOneWindow(1500, async () => [
        await get(sim(), '/api/v1/tags'),
        await get(sim(), '/api/v1/tags', other),
        await get(sim(), '/api/v1/tags'),
        await get(sim(), '/api/v1/tags', other),
      ]);
      expect([a, b, c, d].map((r) => r.status)).toEqual([200, 200, 200, 429]);
      expect([a, b, c].map((r) => header(r, 'x-ratelimit-remaining-hour'))).toEqual(['2', '1', '0']);
      // The hour is the tighter limit, so the RateLimit-* headers describe it.
      expect(header(c, 'ratelimit-limit')).toBe('3');
      expect(header(c, 'ratelimit-remaining')).toBe('0');
      expect(d.body).toEqual({ message: 'API rate limit exceeded' });
      expect(header(d, 'ratelimit-limit')).toBe('3');
      const retryAfter = Number(header(d, 'retry-after'));
      expect(retryAfter).toBeGreaterThanOrEqual(1);
      expect(retryAfter).toBeLessThanOrEqual(2);
      expect(header(d, 'ratelimit-reset')).toBe(String(retryAfter));

      await windowStart(1500);
      const fresh = await get(sim(), '/api/v1/tags', other);
      expect(fresh.status).toBe(200);
      expect(header(fresh, 'x-ratelimit-remaining-hour')).toBe('2');
    });

    it('counts unauthenticated requests but not Kong 404s or the control endpoints', async () => {
      const unauthenticated = await inOneWindow(1500, async () => {
        expect((await get(sim(), '/elsewhere', null)).status).toBe(404);
        expect((await fetch(`${sim().url}/_sim/stats`)).status).toBe(200);
        return get(sim(), '/api/v1/tags', null);
      });
      expect(unauthenticated.status).toBe(401);
      expect(header(unauthenticated, 'x-ratelimit-remaining-hour')).toBe('2');
    });
  });

  describe('per hour, on the tenant’s clock', () => {
    // A real hour: only moving the tenant's clock can refill it within the test.
    const sim = useSimulator({ devices: 50, seed: 2, rateLimit: { perSecond: 100, perHour: 3 } });

    it('gives a fresh hourly budget when the tenant’s clock moves a day, and none when it does not', async () => {
      const statuses = async (n: number) => {
        const out: number[] = [];
        for (let i = 0; i < n; i++) out.push((await get(sim(), '/api/v1/tags')).status);
        return out;
      };
      expect(await statuses(4)).toEqual([200, 200, 200, 429]);
      // Wall-clock time alone (a second) does not refill an hour.
      await sleep(1000);
      expect(await statuses(1)).toEqual([429]);
      sim().advance(24);
      const fresh = await get(sim(), '/api/v1/tags');
      expect(fresh.status).toBe(200);
      expect(header(fresh, 'x-ratelimit-remaining-hour')).toBe('2');
      expect(await statuses(3)).toEqual([200, 200, 429]);
      // An hour of the tenant's clock is enough too.
      sim().advance(1);
      expect(await statuses(1)).toEqual([200]);
    });
  });
});
