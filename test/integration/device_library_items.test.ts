/**
 * device_library_items through the real CLI: one call per device, every item in its scope with its raw and
 * normalised status, the EDR item (threat-security-policy) with its edr_status on Macs, the sync's time as
 * refreshed_at; the next read only for the devices that checked in since the bookmark; and a token without
 * "Device library items" that fails only that stream, as a config error.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSimulator, type Simulator } from '../../simulator/server.ts';
import { catalogFile, configFile, expectNoToken, run, stateFile } from '../support/connector.ts';

const limits = { perSecond: 100_000, perHour: 1_000_000 };
const ENDPOINT = 'GET /devices/{id}/library-items';
const READ = ['devices', 'device_library_items'];

describe('device_library_items', () => {
  let sim: Simulator;

  beforeAll(async () => {
    sim = await startSimulator({ devices: 120, seed: 93, rateLimit: limits, keepLog: false });
  });
  afterAll(async () => {
    expectNoToken(sim.token);
    await sim.close();
  });

  it('reads each device once, the EDR item on Macs, then only devices that checked in', async () => {
    const catalog = catalogFile('incremental', READ);
    const first = await run(['read', '--config', configFile(sim), '--catalog', catalog]);
    expect(first.code, first.stderr).toBe(0);
    const devices = first.records.get('devices') ?? [];
    expect(sim.stats().byEndpoint[ENDPOINT]?.requests).toBe(devices.length);
    const rows = first.records.get('device_library_items') ?? [];
    const macs = devices.filter((d) => d.platform === 'Mac').map((d) => String(d.device_id));
    const edr = rows.filter((r) => r.type === 'threat-security-policy');
    expect(new Set(edr.map((r) => r.device_id))).toEqual(new Set(macs));
    expect(edr.every((r) => r.name === 'Avert')).toBe(true);
    // A running EDR item reports its status; one that failed its audit or has no agent to run it reports none.
    const enabled = edr.filter((r) => (r.edr_status as { status?: string } | null)?.status === 'enabled');
    expect(enabled.length).toBeGreaterThan(macs.length / 2);
    expect(enabled.every((r) => r.status_normalized !== 'fail')).toBe(true);
    expect(edr.filter((r) => r.status === 'ERROR').every((r) => r.edr_status === null)).toBe(true);
    const pairs = new Set(rows.map((r) => `${r.status}→${r.status_normalized}`));
    for (const pair of ['PASS→pass', 'ERROR→fail', 'PENDING→pending']) expect(pairs, pair).toContain(pair);
    expect(new Set(rows.filter((r) => r.type === 'profile').map((r) => r.device_id)).size).toBeGreaterThan(devices.length / 2);
    expect(new Set(rows.map((r) => r.refreshed_at))).toEqual(new Set([new Date(sim.tenant.now).toISOString().replace('Z', '000Z')]));

    const anchor = sim.tenant.now;
    sim.advance(24);
    sim.resetStats();
    const second = await run(['read', '--config', configFile(sim), '--catalog', catalog, '--state', stateFile(first.finalState)]);
    expect(second.code, second.stderr).toBe(0);
    const checkedIn = (second.records.get('devices') ?? [])
      .filter((d) => Date.parse(String(d.last_check_in)) >= anchor)
      .map((d) => String(d.device_id));
    expect(checkedIn.length).toBeGreaterThan(0);
    expect(checkedIn.length).toBeLessThan((second.records.get('devices') ?? []).length);
    expect(new Set((second.records.get('device_library_items') ?? []).map((r) => r.device_id))).toEqual(new Set(checkedIn));
    expect(sim.stats().byEndpoint[ENDPOINT]?.requests).toBe(checkedIn.length);
  });

  it('without its permission fails only that stream, as a config error naming it', async () => {
    const token = sim.addToken(['Device list']);
    const out = await run(['read', '--config', configFile(sim, { api_token: token }), '--catalog', catalogFile('incremental', READ)]);
    expect(out.code).toBe(1);
    expect(out.statuses.get('device_library_items')?.at(-1)).toBe('INCOMPLETE');
    expect(out.statuses.get('devices')?.at(-1)).toBe('COMPLETE');
    expect(out.errors[0]).toMatchObject({ failure_type: 'config_error', stream_descriptor: { name: 'device_library_items' } });
    expect(out.errors[0].message).toContain('"Device library items"');
  });
});
