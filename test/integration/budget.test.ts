/**
 * The request budget (docs/kandji-api.md §2; core/http/pacer.ts): a read keeps to `request_budget_share` of the tenant's
 * hourly limit, and when that is spent it stops cleanly — every unfinished stream checkpoints and ends INCOMPLETE
 * with a RATE_LIMITED reason and the time the quota resets, a WARN log says when to run again, and the exit code is
 * 0. Resuming from the emitted state once the budget has refilled completes the read without losing a record. The
 * tenant's budget is shared: what another integration spent first (X-RateLimit-Remaining-Hour) is not ours to use.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSimulator, type Simulator } from '../../simulator/server.ts';
import { STREAMS } from '../../streams/index.ts';
import { PRISM, type PrismCategory } from '../../simulator/prism.ts';
import { catalogFile, configFile, expectNoToken, forbidToken, keyOf, run, stateFile, type ReadOutput } from '../support/connector.ts';
import { get } from '../support/simulator.ts';

const HOUR = 3_600_000;
/** No per-second limit in these tests: only the hourly budget is under test. */
const PER_SECOND = 1_000_000;

interface StatusTrace {
  stream: string;
  status: string;
  reasons?: { type: string; rate_limited?: { quota_reset?: number } }[];
}

function statusTraces(out: ReadOutput): StatusTrace[] {
  return out.messages
    .filter((m) => m.type === 'TRACE' && m.trace.type === 'STREAM_STATUS')
    .map((m) => ({
      stream: m.trace.stream_status.stream_descriptor.name,
      status: m.trace.stream_status.status,
      reasons: m.trace.stream_status.reasons,
    }));
}

/** The last status of every stream. */
function finalStatuses(out: ReadOutput): Map<string, StatusTrace> {
  const last = new Map<string, StatusTrace>();
  for (const t of statusTraces(out)) last.set(t.stream, t);
  return last;
}

function warnings(out: ReadOutput): string[] {
  return out.messages.filter((m) => m.type === 'LOG' && m.log.level === 'WARN').map((m) => m.log.message as string);
}

const catalog = catalogFile('incremental');

describe('a read that runs out of its share of the hourly budget', () => {
  let sim: Simulator;
  let out: ReadOutput;
  let requests: number;

  beforeAll(async () => {
    // 600 devices need ~790 requests; half of a 200-an-hour tenant allows 100.
    sim = await startSimulator({
      devices: 600,
      seed: 31,
      rateLimit: { perHour: 200, perSecond: PER_SECOND, hourMs: HOUR },
      keepLog: false,
    });
    forbidToken(sim.token);
    out = await run(['read', '--config', configFile(sim, { request_budget_share: 0.5 }), '--catalog', catalog]);
    requests = sim.stats().requests;
  });
  afterAll(async () => {
    expectNoToken(sim.token);
    await sim.close();
  });

  it('stops at its share, about 100 requests, and exits 0', () => {
    expect(out.code, out.stderr).toBe(0);
    expect(out.errors).toEqual([]);
    expect(requests).toBeGreaterThanOrEqual(95);
    expect(requests).toBeLessThanOrEqual(104);
    // Nothing was refused: the connector stopped before the gateway had to.
    expect(sim.stats().rateLimited).toBe(0);
  });

  it('ends every unfinished stream INCOMPLETE with a RATE_LIMITED reason and the quota reset', () => {
    const last = finalStatuses(out);
    const unfinished = [...last.values()].filter((t) => t.status !== 'COMPLETE');
    expect(unfinished.length).toBeGreaterThan(1);
    expect(last.size).toBe(STREAMS.length);
    for (const t of unfinished) {
      expect(t.status, t.stream).toBe('INCOMPLETE');
      expect(t.reasons?.[0]?.type, t.stream).toBe('RATE_LIMITED');
      const reset = t.reasons?.[0]?.rate_limited?.quota_reset as number;
      // The simulator's hour window ends within the hour.
      expect(reset, t.stream).toBeGreaterThan(out.startedAt);
      expect(reset, t.stream).toBeLessThanOrEqual(out.endedAt + HOUR);
    }
    // Each unfinished stream left a state to resume from, or is a full refresh that starts over.
    const withState = new Set(out.finalState.map((s) => s.stream.stream_descriptor.name));
    for (const t of unfinished) {
      const declaration = STREAMS.find((s) => s.name === t.stream);
      if (declaration?.cursor?.field && (out.records.get(t.stream)?.length ?? 0) > 0) expect(withState.has(t.stream), t.stream).toBe(true);
    }
  });

  it('says in a WARN log when to run again', () => {
    const resume = warnings(out).filter((w) => /run it again after \d{4}-\d{2}-\d{2}T/.test(w));
    expect(resume.length).toBeGreaterThan(0);
    expect(resume[0]).toMatch(/request budget/);
  });
});

describe("the tenant's remaining budget after another integration's requests", () => {
  let sim: Simulator;

  beforeAll(async () => {
    sim = await startSimulator({
      devices: 600,
      seed: 32,
      rateLimit: { perHour: 200, perSecond: PER_SECOND, hourMs: HOUR },
      keepLog: false,
    });
  });
  afterAll(async () => {
    await sim.close();
  });

  it('leaves the share reserved for others: 60 used elsewhere leaves this read 40', async () => {
    // Another integration of the same tenant, with its own token, spends 60 of the 200 first.
    const other = sim.addToken(['Device list']);
    for (let i = 0; i < 60; i++) expect((await get(sim, '/api/v1/devices?limit=1', other)).status).toBe(200);
    sim.resetStats();
    const out = await run(['read', '--config', configFile(sim, { request_budget_share: 0.5 }), '--catalog', catalog]);
    expect(out.code, out.stderr).toBe(0);
    const requests = sim.stats().requests;
    // 200 - 60 = 140 remain; 100 stay reserved for the others. Our own count alone would have allowed 100.
    expect(requests).toBeGreaterThanOrEqual(36);
    expect(requests).toBeLessThanOrEqual(44);
    expect(sim.stats().rateLimited).toBe(0);
    const limited = [...finalStatuses(out).values()].filter((t) => t.status === 'INCOMPLETE');
    expect(limited.length).toBeGreaterThan(0);
    for (const t of limited) expect(t.reasons?.[0]?.type).toBe('RATE_LIMITED');
  });
});

describe('resuming after the budget refills', () => {
  let limited: Simulator;
  let unlimited: Simulator;
  let reference: ReadOutput;
  const rounds: ReadOutput[] = [];

  beforeAll(async () => {
    // The same tenant twice: one behind a 600-an-hour gateway whose "hour" lasts 2 s, one without limits. A round
    // (half the hour's budget) must hold the largest full-refresh stream, which starts over in each round:
    // library_item_statuses, one request per library item here, besides what every round reads again.
    const tenant = { devices: 200, seed: 33, keepLog: false };
    limited = await startSimulator({ ...tenant, rateLimit: { perHour: 600, perSecond: PER_SECOND, hourMs: 2000 } });
    unlimited = await startSimulator({ ...tenant, rateLimit: { perHour: 1_000_000, perSecond: PER_SECOND } });
    reference = await run(['read', '--config', configFile(unlimited), '--catalog', catalog]);
    const config = configFile(limited, { request_budget_share: 0.5 });
    let state: any[] = [];
    for (let round = 0; round < 20; round++) {
      const out = await run(['read', '--config', config, '--catalog', catalog, ...(state.length ? ['--state', stateFile(state)] : [])]);
      rounds.push(out);
      expect(out.code, out.stderr).toBe(0);
      // Carry every stream's latest state forward, as an orchestrator does.
      const merged = new Map(state.map((s) => [s.stream.stream_descriptor.name, s]));
      for (const s of out.finalState) merged.set(s.stream.stream_descriptor.name, s);
      state = [...merged.values()];
      const resets = statusTraces(out).flatMap((t) =>
        t.reasons?.[0]?.rate_limited?.quota_reset ? [t.reasons[0].rate_limited.quota_reset] : [],
      );
      if (resets.length === 0) break;
      // Wait for the reset the read announced.
      await new Promise((r) => setTimeout(r, Math.max(...resets) - Date.now() + 50));
    }
  }, 120_000);
  afterAll(async () => {
    await limited.close();
    await unlimited.close();
  });

  it('takes several rounds, each within its share, and the last completes every stream', () => {
    expect(reference.code).toBe(0);
    expect(rounds.length).toBeGreaterThan(2);
    const last = rounds[rounds.length - 1] as ReadOutput;
    for (const [stream, t] of finalStatuses(last)) expect(t.status, stream).toBe('COMPLETE');
    expect(limited.stats().rateLimited).toBe(0);
  });

  it('loses no record: the rounds together hold every record of an unlimited read', () => {
    for (const declaration of STREAMS) {
      const expected = new Set((reference.records.get(declaration.name) ?? []).map((r) => keyOf(declaration.primaryKey, r)));
      // A Prism category no simulated device reports (kernel_extensions, whose saved example is empty) has no rows.
      const none = declaration.plan.kind === 'prism' && PRISM[declaration.plan.category as PrismCategory]?.platforms.length === 0;
      if (!none) expect(expected.size, declaration.name).toBeGreaterThan(0);
      // Incremental streams: the union over the rounds. Full-refresh streams: the round that completed them.
      const sources = declaration.cursor?.field ? rounds : [rounds[rounds.length - 1] as ReadOutput];
      const got = new Set(sources.flatMap((out) => (out.records.get(declaration.name) ?? []).map((r) => keyOf(declaration.primaryKey, r))));
      expect(
        [...expected].filter((key) => !got.has(key)),
        declaration.name,
      ).toEqual([]);
    }
  });
});
