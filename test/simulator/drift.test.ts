/**
 * The opt-in drift of simulator/drift.ts: off, no response changes; on, the same request gets the same drift every
 * time, about `share` of the records are mutated, and key fields are never touched.
 */
import { describe, expect, it } from 'vitest';
import { KEY_FIELDS } from '../../simulator/drift.ts';
import { get, useSimulator } from '../support/simulator.ts';
import { ok, UNLIMITED } from './helpers.ts';

const PATHS = [
  '/api/v1/devices?limit=300',
  '/api/v1/prism/apps?limit=300',
  '/api/v1/users',
  '/api/v1/audit/events?limit=500',
  '/api/v1/prism/installed_profiles?limit=300',
];

describe('drift', () => {
  const plain = useSimulator({ devices: 300, seed: 3, ...UNLIMITED });
  const off = useSimulator({ devices: 300, seed: 3, ...UNLIMITED, drift: { share: 0 } });
  const on = useSimulator({ devices: 300, seed: 3, ...UNLIMITED, drift: { share: 0.2 } });
  const rows = (body: any): any[] => (Array.isArray(body) ? body : (body.results ?? body.data));

  it('off (or share 0), every body is byte-identical to a simulator without the option', async () => {
    // `next` links carry each simulator's own address, the one thing two simulators cannot share.
    const text = async (sim: typeof plain, path: string) => (await get(sim(), path)).text.split(sim().url).join('SIM');
    for (const path of PATHS) expect(await text(off, path), path).toBe(await text(plain, path));
    expect(off().drifted.size).toBe(0);
  });

  it('on, the same request gets the same drift, about share of the records, and key fields are untouched', async () => {
    let records = 0;
    let drifted = 0;
    for (const path of PATHS) {
      const first = await get(on(), path);
      expect((await get(on(), path)).text, path).toBe(first.text);
      const clean = rows(await ok(plain(), path));
      const got = rows(first.body);
      expect(got).toHaveLength(clean.length);
      for (const [i, row] of got.entries()) {
        for (const key of KEY_FIELDS) if (key in clean[i]) expect(row[key], `${path} ${key}`).toEqual(clean[i][key]);
        records++;
        if (JSON.stringify(row) !== JSON.stringify(clean[i])) drifted++;
      }
    }
    expect(drifted / records).toBeGreaterThan(0.12);
    expect(drifted / records).toBeLessThan(0.28);
    // Every mutated record is in the log, under its path and identity (a few mutations, like null on a null, change nothing).
    expect(on().drifted.size).toBeGreaterThanOrEqual(drifted);
    expect(on().drifted.size).toBeLessThan(drifted * 1.1);
  });

  it('drifts /details without touching general.device_id', async () => {
    const id = (await ok(plain(), '/api/v1/devices?limit=300'))[0].device_id;
    for (let k = 0; k < 3; k++) expect((await ok(on(), `/api/v1/devices/${id}/details`)).general.device_id).toBe(id);
  });
});
