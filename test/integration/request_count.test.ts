/**
 * Requests are the product metric (the tenant's 10,000 an hour are shared by every integration). On a 5,000-device
 * tenant with every stream but the five over budget (see OVER_BUDGET): the first full read makes no per-device call but at most one /details per device, and
 * a daily incremental read after a day in which every device checked in and ~5% changed costs under 10% of it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSimulator, type Simulator } from '../../simulator/server.ts';
import { STREAMS } from '../../streams/index.ts';
import { catalogFile, configFile, expectNoToken, forbidToken, run, stateFile, type ReadOutput } from '../support/connector.ts';

describe('request count on a 5,000-device tenant', () => {
  let sim: Simulator;
  let full: ReadOutput;
  let fullRequests: number;
  let fullByEndpoint: Record<string, { requests: number }>;
  // Every stream but the five that docs/benchmarks.md marks over budget (library_item_statuses re-reads every item's
  // statuses each sync; the per-device histories, parameters and library items cost a request or more per device,
  // capped): the targets below hold for the rest, and the benchmark reports those five per stream as unmet.
  const OVER_BUDGET = ['library_item_statuses', 'device_activity', 'device_commands', 'device_parameters', 'device_library_items'];
  const catalog = catalogFile(
    'incremental',
    STREAMS.map((s) => s.name).filter((name) => !OVER_BUDGET.includes(name)),
  );

  beforeAll(async () => {
    sim = await startSimulator({ devices: 5000, seed: 5, rateLimit: { perSecond: 100_000, perHour: 1_000_000 }, keepLog: false });
    forbidToken(sim.token);
    full = await run(['read', '--config', configFile(sim), '--catalog', catalog], { dropRecords: true });
    const stats = sim.stats();
    fullRequests = stats.requests;
    fullByEndpoint = stats.byEndpoint;
  }, 180_000);
  afterAll(async () => {
    expectNoToken(sim.token);
    await sim.close();
  });

  it('the first full read makes no per-device call but one /details per device', () => {
    expect(full.code, full.stderr).toBe(0);
    expect(full.recordCounts.get('device_details')).toBe(5000);
    const perDevice = Object.entries(fullByEndpoint).filter(([endpoint]) => endpoint.startsWith('GET /devices/{id}'));
    expect(perDevice.map(([endpoint]) => endpoint)).toEqual(['GET /devices/{id}/details']);
    expect(fullByEndpoint['GET /devices/{id}/details']?.requests).toBe(5000);
    // The peers' N+1 design (the device list, then /details and /apps for every device) costs 10,017 requests here.
    expect(fullRequests).toBeLessThan(0.65 * (Math.ceil(5000 / 300) + 2 * 5000));
  });

  it('a daily incremental read costs under 10% of the full read', async () => {
    const change = sim.advance(24);
    // Every active device checked in; about 5% changed.
    expect(change.changed.length / 5000).toBeGreaterThan(0.03);
    expect(change.changed.length / 5000).toBeLessThan(0.07);
    sim.resetStats();
    const daily = await run(['read', '--config', configFile(sim), '--catalog', catalog, '--state', stateFile(full.finalState)], {
      dropRecords: true,
    });
    expect(daily.code, daily.stderr).toBe(0);
    const dailyRequests = sim.stats().requests;
    expect(dailyRequests / fullRequests).toBeLessThan(0.1);
    // Which devices changed comes from Prism's updated_at, not last_check_in (which moved for nearly all).
    expect(daily.recordCounts.get('device_details') ?? 0).toBeLessThan(0.06 * 5000);
  }, 120_000);
});
