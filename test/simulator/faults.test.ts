/**
 * Seeded fault injection: the configured shares hold within sampling error, and each kind of fault looks from the
 * client's side as it would on the wire (a 5xx, a 429, a reset connection, a body cut short, a request that hangs).
 */
import { request } from 'node:http';
import { describe, expect, it } from 'vitest';
import type { FaultOptions } from '../../simulator/faults.ts';
import type { Simulator } from '../../simulator/server.ts';
import { get, useSimulator } from '../support/simulator.ts';
import { UNLIMITED } from './helpers.ts';

type RawResult =
  | {
      kind: 'response';
      status: number;
      contentLength: number;
      received: number;
      complete: boolean;
      body: string;
      headers: Record<string, string | string[] | undefined>;
    }
  | { kind: 'error'; code: string };

/** One GET on a fresh connection, reporting exactly what arrived: a full response, a cut one, or a socket error. */
function rawGet(sim: Simulator, path: string): Promise<RawResult> {
  return new Promise((resolve) => {
    const req = request(`${sim.url}${path}`, { agent: false, headers: { Authorization: `Bearer ${sim.token}` } }, (res) => {
      const chunks: Buffer[] = [];
      const done = (complete: boolean) => {
        const body = Buffer.concat(chunks);
        resolve({
          kind: 'response',
          status: res.statusCode ?? 0,
          contentLength: Number(res.headers['content-length']),
          received: body.length,
          complete,
          body: body.toString('utf8'),
          headers: res.headers,
        });
      };
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => done(res.complete));
      res.on('error', () => done(false));
      res.on('aborted', () => done(false));
    });
    req.on('error', (e: NodeJS.ErrnoException) => resolve({ kind: 'error', code: e.code ?? e.message }));
    req.end();
  });
}

/** `n` requests, `width` at a time. */
async function burst<T>(n: number, width: number, one: (i: number) => Promise<T>): Promise<T[]> {
  const out: T[] = [];
  for (let i = 0; i < n; i += width) out.push(...(await Promise.all(Array.from({ length: Math.min(width, n - i) }, (_, k) => one(i + k)))));
  return out;
}

/** Binomial tolerance: n·p within `z` standard deviations. */
function expectShare(count: number, n: number, p: number, z = 4.5) {
  const sd = Math.sqrt(n * p * (1 - p));
  expect(count).toBeGreaterThanOrEqual(Math.floor(n * p - z * sd));
  expect(count).toBeLessThanOrEqual(Math.ceil(n * p + z * sd));
}

describe('faults', () => {
  const sim = useSimulator({ devices: 50, seed: 9, ...UNLIMITED });
  const withFaults = async (faults: FaultOptions, test: () => Promise<void>) => {
    sim().setFaults(faults);
    try {
      await test();
    } finally {
      sim().setFaults({});
    }
  };

  it('answers about serverError of 2000 requests with 500, 502 or 503', () =>
    withFaults({ serverError: 0.1 }, async () => {
      sim().resetStats();
      const results = await burst(2000, 25, () => get(sim(), '/api/v1/settings/licensing'));
      const failed = results.filter((r) => r.status >= 500);
      expectShare(failed.length, 2000, 0.1);
      expect(results.filter((r) => r.status !== 200 && r.status < 500)).toEqual([]);
      const by = (status: number) => failed.filter((r) => r.status === status);
      for (const status of [500, 502, 503]) expectShare(by(status).length, failed.length, 1 / 3);
      expect(by(500).every((r) => r.body.detail === 'A server error occurred.')).toBe(true);
      expect(by(503).every((r) => r.body.detail === 'Service temporarily unavailable, try again later.')).toBe(true);
      expect(by(502).every((r) => r.headers.get('content-type') === 'text/html' && r.text.includes('502 Bad Gateway'))).toBe(true);
      expect(sim().stats().faults).toBe(failed.length);
      expect(sim().stats().byEndpoint['GET /settings/licensing']?.faults).toBe(failed.length);
    }));

  it('throttles about its share with 429, half of them without Retry-After', () =>
    withFaults({ throttle: 0.2 }, async () => {
      const results = await burst(1000, 25, () => get(sim(), '/api/v1/tags'));
      const throttled = results.filter((r) => r.status === 429);
      expectShare(throttled.length, 1000, 0.2);
      expect(throttled.every((r) => r.body.message === 'API rate limit exceeded')).toBe(true);
      const withRetry = throttled.filter((r) => r.headers.get('retry-after') !== null);
      expect(withRetry.every((r) => r.headers.get('retry-after') === '1')).toBe(true);
      expectShare(withRetry.length, throttled.length, 0.5);
    }));

  it('shows resets and truncations on the wire, at their shares', () =>
    withFaults({ reset: 0.05, truncate: 0.05 }, async () => {
      const results = await burst(1000, 20, () => rawGet(sim(), '/api/v1/blueprints'));
      const resets = results.filter((r) => r.kind === 'error');
      const cut = results.filter((r): r is Extract<RawResult, { kind: 'response' }> => r.kind === 'response' && !r.complete);
      const whole = results.filter((r): r is Extract<RawResult, { kind: 'response' }> => r.kind === 'response' && r.complete);
      expectShare(resets.length, 1000, 0.05);
      expectShare(cut.length, 1000, 0.05);
      expect(resets.every((r) => r.kind === 'error' && ['ECONNRESET', 'socket hang up'].includes(r.code))).toBe(true);
      for (const r of cut) {
        expect(r.status).toBe(200);
        expect(r.headers.via).toMatch(/^kong\//);
        expect(r.received).toBeLessThan(r.contentLength);
        expect(() => JSON.parse(r.body)).toThrow();
      }
      expect(whole.every((r) => r.status === 200 && r.received === r.contentLength && JSON.parse(r.body).count === 11)).toBe(true);
    }));

  it('makes fetch throw on a reset and on a truncated body', async () => {
    await withFaults({ reset: 1 }, async () => {
      await expect(fetch(`${sim().url}/api/v1/tags`, { headers: { Authorization: `Bearer ${sim().token}` } })).rejects.toThrow(TypeError);
    });
    await withFaults({ truncate: 1 }, async () => {
      const res = await fetch(`${sim().url}/api/v1/tags`, { headers: { Authorization: `Bearer ${sim().token}` } });
      expect(res.status).toBe(200);
      await expect(res.text()).rejects.toThrow();
    });
    expect(
      sim()
        .log.slice(-2)
        .map((l) => l.status),
    ).toEqual(['reset', 'truncated']);
  });

  it('truncates the real answer: its status and content type, half its bytes', () =>
    withFaults({ truncate: 1 }, async () => {
      const r = await rawGet(sim(), '/api/v1/library/custom-apps/00000000-0000-4000-8000-000000000000');
      expect(r).toMatchObject({ kind: 'response', status: 404, complete: false });
      if (r.kind !== 'response') return;
      expect(r.headers['content-type']).toBe('text/html; charset=utf-8');
      expect(r.received).toBe(Math.floor(r.contentLength / 2));
    }));

  it('stalls: a client timeout fires first, else the socket drops after stallMs', () =>
    withFaults({ stall: 1, stallMs: 300 }, async () => {
      const headers = { Authorization: `Bearer ${sim().token}` };
      const timedOut = fetch(`${sim().url}/api/v1/tags`, { headers, signal: AbortSignal.timeout(100) });
      await expect(timedOut).rejects.toMatchObject({ name: 'TimeoutError' });
      const started = Date.now();
      await expect(fetch(`${sim().url}/api/v1/tags`, { headers })).rejects.toThrow(TypeError);
      expect(Date.now() - started).toBeGreaterThanOrEqual(290);
    }));

  it('spares the paths in sparePaths, and never faults a request the gateway refused', () =>
    withFaults({ serverError: 1, sparePaths: ['/api/v1/settings'] }, async () => {
      for (let i = 0; i < 20; i++) {
        expect((await get(sim(), '/api/v1/settings/licensing')).status).toBe(200);
        expect((await get(sim(), '/api/v1/tags')).status).toBeGreaterThanOrEqual(500);
      }
      expect((await get(sim(), '/api/v1/tags', null)).status).toBe(401);
      expect((await get(sim(), '/not-api', null)).status).toBe(404);
    }));

  it('takes fault options over /_sim/faults', async () => {
    const set = await fetch(`${sim().url}/_sim/faults`, { method: 'POST', body: JSON.stringify({ serverError: 1 }) });
    expect(await set.json()).toEqual({ serverError: 1 });
    expect(await (await fetch(`${sim().url}/_sim/faults`)).json()).toEqual({ serverError: 1 });
    expect((await get(sim(), '/api/v1/tags')).status).toBeGreaterThanOrEqual(500);
    await fetch(`${sim().url}/_sim/faults`, { method: 'POST', body: '{}' });
    expect((await get(sim(), '/api/v1/tags')).status).toBe(200);
    expect((await fetch(`${sim().url}/_sim/faults`, { method: 'POST', body: 'nope' })).status).toBe(400);
  });
});
