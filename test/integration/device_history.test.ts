/**
 * device_activity and device_commands through the real CLI: paged per device (a chatty device's history spans pages),
 * every entry on a first read, then only the devices that checked in since the bookmark and only their entries since
 * it; and a token without "Device activity" that fails only that stream, as a config error.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSimulator, type Simulator } from '../../simulator/server.ts';
import { catalogFile, configFile, expectNoToken, run, stateFile, type ReadOutput } from '../support/connector.ts';
import { get } from '../support/simulator.ts';

const limits = { perSecond: 100_000, perHour: 1_000_000 };
/** The streams this test reads: the ones it is about, and the devices list they hang from. */
const READ = ['devices', 'device_activity', 'device_commands'];

/** Every activity entry of a device, paged from the simulator directly. */
async function activityOf(sim: Simulator, id: string): Promise<Record<string, unknown>[]> {
  const rows: Record<string, unknown>[] = [];
  for (let offset = 0; ; offset += 300) {
    const page = (await get(sim, `/api/v1/devices/${id}/activity?limit=300&offset=${offset}`)).body.activity;
    rows.push(...page.results);
    if (!page.next) return rows;
  }
}

describe('device_activity and device_commands', () => {
  let sim: Simulator;
  let first: ReadOutput;
  const catalog = catalogFile('incremental', READ);

  beforeAll(async () => {
    sim = await startSimulator({ devices: 250, seed: 61, rateLimit: limits, keepLog: false });
    first = await run(['read', '--config', configFile(sim), '--catalog', catalog]);
  });
  afterAll(async () => {
    expectNoToken(sim.token);
    await sim.close();
  });

  it('a first read pages each device to the end and reads every entry', async () => {
    expect(first.code, first.stderr).toBe(0);
    const devices = (first.records.get('devices') ?? []).map((d) => String(d.device_id));
    let expected = 0;
    let pages = 0;
    for (const id of devices) {
      const count = (await get(sim, `/api/v1/devices/${id}/activity?limit=1`)).body.activity.count as number;
      expected += count;
      pages += Math.max(1, Math.ceil(count / 300));
    }
    expect(pages).toBeGreaterThan(devices.length); // some device needs more than one page
    const activity = first.records.get('device_activity') ?? [];
    expect(activity).toHaveLength(expected);
    expect(new Set(activity.map((r) => `${r.device_id}|${r.id}`)).size).toBe(expected);
    expect(first.records.get('device_commands')).toHaveLength(expected);
    expect(activity.every((r) => (r.computer as { id: string }).id === r.device_id)).toBe(true);
  });

  it('the next read takes only devices that checked in, and only their entries since the bookmark', async () => {
    const anchor = sim.tenant.now;
    sim.advance(24);
    sim.resetStats();
    const second = await run(['read', '--config', configFile(sim), '--catalog', catalog, '--state', stateFile(first.finalState)]);
    expect(second.code, second.stderr).toBe(0);
    const requests = sim.stats().byEndpoint['GET /devices/{id}/activity']?.requests ?? 0;

    const checkedIn = (second.records.get('devices') ?? [])
      .filter((d) => Date.parse(String(d.last_check_in)) >= anchor)
      .map((d) => String(d.device_id));
    expect(checkedIn.length).toBeGreaterThan(0);
    expect(checkedIn.length).toBeLessThan(250);
    const expected = new Set<string>();
    for (const id of checkedIn)
      for (const r of await activityOf(sim, id)) if (Date.parse(String(r.created_at)) >= anchor) expected.add(`${id}|${r.id}`);
    const got = second.records.get('device_activity') ?? [];
    expect(new Set(got.map((r) => `${r.device_id}|${r.id}`))).toEqual(expected);
    expect(expected.size).toBeGreaterThan(0);
    expect(requests).toBeGreaterThanOrEqual(checkedIn.length);
    expect(requests).toBeLessThan(checkedIn.length + 10);
  });
});

describe('device_activity without its permission', () => {
  let sim: Simulator;

  beforeAll(async () => {
    sim = await startSimulator({ devices: 30, seed: 62, rateLimit: limits, keepLog: false });
  });
  afterAll(async () => {
    expectNoToken(sim.token);
    await sim.close();
  });

  it('fails only that stream, as a config error naming the permission', async () => {
    const token = sim.addToken(['Device list', 'Device commands']);
    const out = await run(['read', '--config', configFile(sim, { api_token: token }), '--catalog', catalogFile('incremental', READ)]);
    expect(out.code).toBe(1);
    expect(out.statuses.get('device_activity')?.at(-1)).toBe('INCOMPLETE');
    expect(out.statuses.get('device_commands')?.at(-1)).toBe('COMPLETE');
    expect(out.statuses.get('devices')?.at(-1)).toBe('COMPLETE');
    expect(out.errors).toHaveLength(1);
    expect(out.errors[0]).toMatchObject({ failure_type: 'config_error', stream_descriptor: { name: 'device_activity' } });
    expect(out.errors[0].message).toContain('"Device activity"');
  });
});
