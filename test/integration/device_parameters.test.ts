/**
 * device_parameters through the real CLI: one call per Mac and none for other platforms, every parameter with its raw
 * and normalised status and the sync's time as refreshed_at; the next read only for Macs whose security posture
 * changed in Prism since the bookmark.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSimulator, type Simulator } from '../../simulator/server.ts';
import { catalogFile, changedByPrism, configFile, expectNoToken, run, stateFile } from '../support/connector.ts';
import { get } from '../support/simulator.ts';

const limits = { perSecond: 100_000, perHour: 1_000_000 };
const ENDPOINT = 'GET /devices/{id}/parameters';

describe('device_parameters', () => {
  let sim: Simulator;

  beforeAll(async () => {
    sim = await startSimulator({ devices: 200, seed: 91, rateLimit: limits, keepLog: false, dailyChangeRate: 0.2 });
  });
  afterAll(async () => {
    expectNoToken(sim.token);
    await sim.close();
  });

  it('reads each Mac once, then only Macs whose posture changed', async () => {
    const catalog = catalogFile('incremental', ['devices', 'device_parameters']);
    const first = await run(['read', '--config', configFile(sim), '--catalog', catalog]);
    expect(first.code, first.stderr).toBe(0);
    const macs = (first.records.get('devices') ?? []).filter((d) => d.platform === 'Mac').map((d) => String(d.device_id));
    expect(macs.length).toBeLessThan(200);
    expect(sim.stats().byEndpoint[ENDPOINT]?.requests).toBe(macs.length);
    const rows = first.records.get('device_parameters') ?? [];
    expect(new Set(rows.map((r) => r.device_id))).toEqual(new Set(macs));
    expect(rows).toHaveLength(macs.length * 6);
    const pairs = new Set(rows.map((r) => `${r.status}→${r.status_normalized}`));
    for (const pair of ['PASS→pass', 'ERROR→fail', 'WARNING→muted', 'REMEDIATED→pass']) expect(pairs, pair).toContain(pair);
    expect(new Set(rows.map((r) => r.refreshed_at))).toEqual(new Set([new Date(sim.tenant.now).toISOString().replace('Z', '000Z')]));

    const anchor = sim.tenant.now;
    sim.advance(24);
    sim.resetStats();
    const second = await run(['read', '--config', configFile(sim), '--catalog', catalog, '--state', stateFile(first.finalState)]);
    expect(second.code, second.stderr).toBe(0);
    const changed = new Set<string>();
    const filter = encodeURIComponent(JSON.stringify({ updated_at: { gte: new Date(anchor).toISOString() } }));
    for (const category of changedByPrism('device_parameters'))
      for (const r of (await get(sim, `/api/v1/prism/${category}?limit=300&filter=${filter}`)).body.data) changed.add(r.device_id);
    expect(changed.size).toBeGreaterThan(0);
    expect(new Set((second.records.get('device_parameters') ?? []).map((r) => r.device_id))).toEqual(changed);
  });
});
