/**
 * threats and behavioral_detections through the real CLI: every detection on a first read (zone-less T7 dates read
 * as UTC), only the ones detected since the bookmark after the tenant's clock moves, and a tenant without the EDR
 * add-on: check names the module, read fails only these streams as config errors.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSimulator, type Simulator } from '../../simulator/server.ts';
import { catalogFile, configFile, expectNoToken, run, stateFile } from '../support/connector.ts';
import { get } from '../support/simulator.ts';

const limits = { perSecond: 100_000, perHour: 1_000_000 };
const EDR = ['threats', 'behavioral_detections'];

describe('threats and behavioral_detections', () => {
  let sim: Simulator;

  beforeAll(async () => {
    sim = await startSimulator({ devices: 1500, seed: 81, rateLimit: limits, keepLog: false, dailyChangeRate: 0.2 });
  });
  afterAll(async () => {
    expectNoToken(sim.token);
    await sim.close();
  });

  it('reads every detection, then only the new ones', async () => {
    const catalog = catalogFile('incremental', EDR);
    const first = await run(['read', '--config', configFile(sim), '--catalog', catalog]);
    expect(first.code, first.stderr).toBe(0);
    const api = (await get(sim, '/api/v1/threat-details?limit=1000')).body as { count: number; results: { detection_date: string }[] };
    expect(api.results[0]?.detection_date).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}$/); // T7: no zone
    const threats = first.records.get('threats') ?? [];
    expect(threats).toHaveLength(api.count);
    expect(first.records.get('behavioral_detections')).toHaveLength(api.count);
    expect(threats[0]?.detection_date).toBe(`${api.results[0]?.detection_date}Z`);

    const anchor = sim.tenant.now;
    sim.advance(72);
    const second = await run(['read', '--config', configFile(sim), '--catalog', catalog, '--state', stateFile(first.finalState)]);
    expect(second.code, second.stderr).toBe(0);
    const now = (await get(sim, '/api/v1/threat-details?limit=1000')).body as { results: { detection_date: string; file_hash: string }[] };
    const fresh = now.results.filter((r) => Date.parse(`${r.detection_date}Z`) >= anchor).map((r) => r.file_hash);
    expect(fresh.length).toBeGreaterThan(0);
    expect((second.records.get('threats') ?? []).map((r) => r.file_hash).sort()).toEqual(fresh.sort());
    expect(second.records.get('behavioral_detections')).toHaveLength(fresh.length);
  });
});

describe('a tenant without EDR', () => {
  let sim: Simulator;

  beforeAll(async () => {
    sim = await startSimulator({ devices: 40, seed: 82, rateLimit: limits, keepLog: false, addOns: { edr: false } });
  });
  afterAll(async () => {
    expectNoToken(sim.token);
    await sim.close();
  });

  it('check names the module; read fails only the EDR streams, as config errors', async () => {
    const config = configFile(sim);
    const check = await run(['check', '--config', config]);
    const message = check.messages.find((m) => m.type === 'CONNECTION_STATUS')?.connectionStatus?.message as string;
    expect(message).toContain(
      'threats: this token cannot read threats: the tenant has no EDR, or the token lacks its "Threats" permission',
    );
    const out = await run(['read', '--config', config, '--catalog', catalogFile('incremental', ['devices', ...EDR])]);
    expect(out.code).toBe(1);
    expect(out.statuses.get('devices')?.at(-1)).toBe('COMPLETE');
    expect(out.errors.map((e) => [e.stream_descriptor?.name, e.failure_type]).sort()).toEqual([
      ['behavioral_detections', 'config_error'],
      ['threats', 'config_error'],
    ]);
    expect(out.errors[0].message).toContain('the tenant has no EDR');
  });
});
