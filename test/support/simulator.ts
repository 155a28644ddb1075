/**
 * Test fixture: a simulated tenant on a free loopback port, closed after the suite.
 */
import { afterAll, beforeAll } from 'vitest';
import { startSimulator, type Simulator, type SimulatorOptions } from '../../simulator/server.ts';

/** Start a simulator for the enclosing `describe` and return a getter for it. */
export function useSimulator(options: Partial<SimulatorOptions> = {}): () => Simulator {
  let sim: Simulator | undefined;
  beforeAll(async () => {
    sim = await startSimulator({ devices: 300, seed: 7, ...options });
  });
  afterAll(async () => {
    await sim?.close();
  });
  return () => {
    if (!sim) throw new Error('simulator not started');
    return sim;
  };
}

/** GET a path on the simulator with its main token; returns status, headers and parsed JSON (or text). */
export async function get(sim: Simulator, path: string, token: string | null = sim.token) {
  const res = await fetch(sim.url + path, { headers: token === null ? {} : { Authorization: `Bearer ${token}` } });
  const text = await res.text();
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch {
    // HTML and empty bodies stay text
  }
  return { status: res.status, headers: res.headers, body: body as any, text };
}
