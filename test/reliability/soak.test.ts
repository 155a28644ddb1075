/**
 * Soak (issue 6): a read of a 2,000-device tenant with 10% of requests failing — 429 with and without Retry-After,
 * 500/502/503, connection resets, stalls past the request timeout, JSON bodies cut off halfway — completes, and
 * reads exactly the records of a clean read of the same tenant, stream by stream.
 *
 * Faults are drawn from (seed, request number), so a run meets the same mix every time; which request meets which
 * fault varies with the interleaving of concurrent requests, and the claim holds for any of them.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSimulator, type Simulator } from '../../simulator/server.ts';
import { STREAMS } from '../../streams/index.ts';
import { catalogFile, configFile, expectNoToken } from '../support/connector.ts';
import { digestRead, duplicates, expectSameRecords, type DigestedRead } from '../support/reliability.ts';

const DEVICES = 2000;
const SEED = 606;
const limits = { perSecond: 100_000, perHour: 10_000_000 };
/** 10% of requests: the mix `simulate --fault-rate` uses. Stalls hang 2 s, past the 1 s request timeout. */
const FAULTS = { throttle: 0.03, serverError: 0.03, reset: 0.015, stall: 0.01, truncate: 0.015, stallMs: 2_000 };

describe(`soak: ${DEVICES} devices, 10% of requests failing`, () => {
  let clean: Simulator;
  let faulty: Simulator;
  let reference: DigestedRead;
  let soaked: DigestedRead;

  beforeAll(async () => {
    clean = await startSimulator({ devices: DEVICES, seed: SEED, rateLimit: limits, keepLog: false });
    faulty = await startSimulator({ devices: DEVICES, seed: SEED, rateLimit: limits, keepLog: false, faults: FAULTS });
    const catalog = catalogFile('incremental');
    // Side by side: the clean read is bound by CPU, the faulty one mostly waits out backoffs and timeouts.
    [reference, soaked] = await Promise.all([
      digestRead(['read', '--config', configFile(clean), '--catalog', catalog]),
      digestRead(['read', '--config', configFile(faulty, { request_timeout_seconds: 1, max_concurrency: 16 }), '--catalog', catalog]),
    ]);
  }, 150_000);

  afterAll(async () => {
    expectNoToken(clean.token);
    await Promise.all([clean.close(), faulty.close()]);
  });

  it('the faulty read completes every stream, exit 0', () => {
    expect(reference.code, reference.stderr.slice(-2000)).toBe(0);
    expect(soaked.code, soaked.stderr.slice(-2000)).toBe(0);
    expect(soaked.errors).toEqual([]);
    for (const s of STREAMS) expect(soaked.statuses.get(s.name)?.at(-1), s.name).toBe('COMPLETE');
  });

  it('met every kind of fault, about 10% of its requests', () => {
    const stats = faulty.stats();
    const statuses: Record<string, number> = {};
    for (const e of Object.values(stats.byEndpoint))
      for (const [status, n] of Object.entries(e.statuses)) statuses[status] = (statuses[status] ?? 0) + n;
    for (const kind of ['429', '500', '502', '503', 'reset', 'stall', 'truncated']) expect(statuses[kind] ?? 0, kind).toBeGreaterThan(0);
    expect(stats.faults / stats.requests).toBeGreaterThan(0.07);
    expect(stats.faults / stats.requests).toBeLessThan(0.13);
  });

  it('reads exactly the records of a clean read, stream by stream', () => {
    expect(reference.keys.get('devices')).toHaveLength(DEVICES);
    expect(reference.keys.get('device_details')).toHaveLength(DEVICES);
    expectSameRecords(soaked, reference);
    for (const [stream, keys] of soaked.keys) expect(duplicates(keys), stream).toEqual([]);
  });
});
