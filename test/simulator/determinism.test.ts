/**
 * Same seed, same tenant, byte for byte: two simulators started alike serve identical bodies, before and after the
 * same advance(), and meet the same faults in the same request order. A different seed gives a different tenant.
 */
import { describe, expect, it } from 'vitest';
import type { Simulator } from '../../simulator/server.ts';
import { get, useSimulator } from '../support/simulator.ts';
import { ok, UNLIMITED } from './helpers.ts';

/**
 * Bodies as text, for a set of endpoints chosen from the tenant's own first records. `next` links carry the
 * simulator's own address (a free port), the one thing two simulators cannot share; it is written as `SIM`.
 */
async function bodies(sim: Simulator): Promise<Map<string, string>> {
  const devices = (await ok(sim, '/api/v1/devices?limit=300')) as any[];
  const user = (await ok(sim, '/api/v1/users')).results[3].id;
  const picks = [devices[0], devices.find((d) => d.platform === 'iPhone'), devices.find((d) => d.platform === 'AppleTV'), devices.at(-1)];
  const paths = [
    '/api/v1/devices?limit=300',
    '/api/v1/devices?limit=300&offset=300&ordering=-last_check_in',
    ...picks.flatMap((d) => [
      `/api/v1/devices/${d.device_id}`,
      `/api/v1/devices/${d.device_id}/details`,
      `/api/v1/devices/${d.device_id}/apps`,
      `/api/v1/devices/${d.device_id}/library-items`,
    ]),
    '/api/v1/blueprints',
    '/api/v1/users',
    `/api/v1/users/${user}`,
    '/api/v1/audit/events?limit=500&sort_by=-occurred_at',
    '/api/v1/prism/device_information?limit=300',
    '/api/v1/prism/apps?limit=300',
    '/api/v1/prism/local_users?limit=300',
    '/api/v1/prism/count?category=installed_profiles',
    '/api/v1/library/custom-apps',
    '/api/v1/library/custom-scripts',
    '/api/v1/tags',
    '/api/v1/settings/licensing',
  ];
  const out = new Map<string, string>();
  for (const path of paths) {
    const res = await get(sim, path);
    expect(res.status, path).toBe(200);
    out.set(path, res.text.replaceAll(sim.url, 'SIM'));
  }
  return out;
}

describe('determinism', () => {
  const a = useSimulator({ devices: 800, seed: 42, ...UNLIMITED });
  const b = useSimulator({ devices: 800, seed: 42, ...UNLIMITED });
  const other = useSimulator({ devices: 800, seed: 43, ...UNLIMITED });

  it('issues the same token for the same seed', () => {
    expect(a().token).toBe(b().token);
    expect(other().token).not.toBe(a().token);
  });

  it('serves byte-identical bodies for the same seed', async () => {
    const [x, y] = [await bodies(a()), await bodies(b())];
    expect([...x.keys()]).toEqual([...y.keys()]);
    for (const [path, text] of x) expect(y.get(path), path).toBe(text);
  });

  it('serves a different tenant for a different seed', async () => {
    const x = await bodies(a());
    const z = await bodies(other());
    const same = [
      '/api/v1/devices?limit=300',
      '/api/v1/users',
      '/api/v1/prism/apps?limit=300',
      '/api/v1/audit/events?limit=500&sort_by=-occurred_at',
      '/api/v1/blueprints',
    ].filter((path) => x.get(path) === z.get(path));
    expect(same).toEqual([]);
    const ids = (text: string | undefined) => new Set((JSON.parse(text ?? '[]') as any[]).map((d) => d.device_id));
    const overlap = [...ids(x.get('/api/v1/devices?limit=300'))].filter((id) => ids(z.get('/api/v1/devices?limit=300')).has(id));
    expect(overlap).toEqual([]);
  });

  it('stays identical through the same advance() calls', async () => {
    const sa = [a().advance(24), a().advance(7.5)];
    const sb = [b().advance(24), b().advance(7.5)];
    expect(sa).toEqual(sb);
    const [x, y] = [await bodies(a()), await bodies(b())];
    for (const [path, text] of x) expect(y.get(path), path).toBe(text);
    expect((await get(a(), '/api/v1/tags')).headers.get('date')).toBe((await get(b(), '/api/v1/tags')).headers.get('date'));
  });

  const c = useSimulator({ devices: 50, seed: 42, ...UNLIMITED });
  const d = useSimulator({ devices: 50, seed: 42, ...UNLIMITED });

  it('meets the same faults in the same request order', async () => {
    const run = async (sim: Simulator) => {
      sim.setFaults({ serverError: 0.2, throttle: 0.1 });
      sim.resetStats();
      const statuses: number[] = [];
      for (let i = 0; i < 100; i++) statuses.push((await get(sim, '/api/v1/tags')).status);
      sim.setFaults({});
      return statuses;
    };
    // Fresh simulators: the fault drawn depends on the request's sequence number, so both start from the same one.
    const [x, y] = [await run(c()), await run(d())];
    expect(x).toEqual(y);
    expect(new Set(x)).toEqual(new Set([200, 429, 500, 502, 503]));
  });
});
