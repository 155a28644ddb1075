import { describe, expect, it } from 'vitest';
import { get, useSimulator } from '../support/simulator.ts';

describe('simulator smoke', () => {
  const sim = useSimulator({ devices: 50 });

  it('lists devices as a bare array', async () => {
    const res = await get(sim(), '/api/v1/devices?limit=10');
    expect(res.status).toBe(200);
    expect(Array.isArray(res.body)).toBe(true);
    expect(res.body).toHaveLength(10);
  });
});
