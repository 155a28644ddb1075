/**
 * licensing, ade_tokens and ade_devices through the real CLI: one licensing row per sync with the fleet's counts;
 * the ADE tokens with their expiry and status; every ADE device, paged by `page`, the ones awaiting enrollment with
 * `mdm_device: null`; and a token without "Automated Device Enrollment" that fails only the ADE streams.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSimulator, type Simulator } from '../../simulator/server.ts';
import { catalogFile, configFile, expectNoToken, run } from '../support/connector.ts';

const limits = { perSecond: 100_000, perHour: 1_000_000 };
/** The streams this test reads: the ones it is about, and the devices list. */
const READ = ['devices', 'licensing', 'ade_tokens', 'ade_devices'];

describe('licensing and ADE', () => {
  let sim: Simulator;

  beforeAll(async () => {
    sim = await startSimulator({ devices: 400, seed: 71, rateLimit: limits, keepLog: false });
  });
  afterAll(async () => {
    expectNoToken(sim.token);
    await sim.close();
  });

  it('reads one licensing row, the tokens and every ADE device across pages', async () => {
    sim.resetStats();
    const out = await run(['read', '--config', configFile(sim), '--catalog', catalogFile('full_refresh', READ)]);
    expect(out.code, out.stderr).toBe(0);
    const devices = out.records.get('devices') ?? [];
    const [licence, ...more] = out.records.get('licensing') ?? [];
    expect(more).toEqual([]);
    expect(licence).toMatchObject({ id: 'licensing', counts: { computers_count: devices.length } });

    const tokens = out.records.get('ade_tokens') ?? [];
    expect(tokens.map((t) => t.status).sort()).toEqual(['BROKEN', 'SUCCESS']);
    expect(tokens.every((t) => Number.isInteger(t.days_left))).toBe(true);

    const ade = out.records.get('ade_devices') ?? [];
    const enrolled = ade.filter((d) => d.mdm_device !== null);
    const awaiting = ade.filter((d) => d.mdm_device === null);
    expect(enrolled).toHaveLength(devices.length); // every simulated device is an Apple one here
    expect(new Set(enrolled.map((d) => (d.mdm_device as { id: string }).id))).toEqual(new Set(devices.map((d) => d.device_id)));
    expect(awaiting.length).toBeGreaterThan(0);
    expect(awaiting.every((d) => d.profile_status === 'assigned')).toBe(true);
    expect(sim.stats().byEndpoint['GET /integrations/apple/ade/devices']?.requests).toBe(Math.ceil(ade.length / 300));
    expect(ade.length).toBeGreaterThan(300);
  });

  it('without the ADE permission only the ADE streams fail, as config errors', async () => {
    const token = sim.addToken(['Device list', 'Licensing']);
    const out = await run(['read', '--config', configFile(sim, { api_token: token }), '--catalog', catalogFile('full_refresh', READ)]);
    expect(out.code).toBe(1);
    expect(out.statuses.get('licensing')?.at(-1)).toBe('COMPLETE');
    expect(out.statuses.get('devices')?.at(-1)).toBe('COMPLETE');
    expect(out.errors.map((e) => [e.stream_descriptor?.name, e.failure_type]).sort()).toEqual([
      ['ade_devices', 'config_error'],
      ['ade_tokens', 'config_error'],
    ]);
  });
});
