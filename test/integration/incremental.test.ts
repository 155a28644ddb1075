/**
 * Incremental reads against a tenant whose clock moves: nothing new on an unchanged tenant, exactly the changed
 * records after advance(), no record lost when a read resumes from any intermediate STATE, and the same records
 * when 5% of requests fail.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSimulator, type Simulator } from '../../simulator/server.ts';
import { STREAMS } from '../../streams/index.ts';
import { catalogFile, changedByPrism, configFile, expectNoToken, keyOf, run, stateFile, type ReadOutput } from '../support/connector.ts';
import { get } from '../support/simulator.ts';

const incrementalStreams = STREAMS.filter((s) => s.cursor?.field);
const declaration = (name: string) => STREAMS.find((s) => s.name === name) as (typeof STREAMS)[number];
const keys = (out: ReadOutput, stream: string) =>
  new Set((out.records.get(stream) ?? []).map((r) => keyOf(declaration(stream).primaryKey, r)));
const limits = { perSecond: 100_000, perHour: 1_000_000 };

/** Every row of a Prism category updated at or after `since`, paged from the simulator directly. */
async function prismRowsSince(sim: Simulator, category: string, since: number): Promise<Record<string, unknown>[]> {
  const filter = encodeURIComponent(JSON.stringify({ updated_at: { gte: new Date(since).toISOString() } }));
  const rows: Record<string, unknown>[] = [];
  let cursor: string | null = null;
  do {
    const res = await get(
      sim,
      `/api/v1/prism/${category}?limit=300&filter=${filter}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`,
    );
    rows.push(...res.body.data);
    cursor = res.body.cursor;
  } while (cursor);
  return rows;
}

describe('incremental reads', () => {
  let sim: Simulator;
  let config: string;
  let first: ReadOutput;
  const catalog = catalogFile('incremental');

  beforeAll(async () => {
    sim = await startSimulator({ devices: 600, seed: 21, rateLimit: limits, keepLog: false });
    config = configFile(sim);
    first = await run(['read', '--config', config, '--catalog', catalog]);
  });
  afterAll(async () => {
    expectNoToken(sim.token);
    await sim.close();
  });

  it('a first read completes every stream', () => {
    expect(first.code, first.stderr).toBe(0);
    expect(first.errors).toEqual([]);
    expect(first.records.get('device_details')).toHaveLength(600);
  });

  it('a second read with the first read’s state returns nothing new on an unchanged tenant', async () => {
    const second = await run(['read', '--config', config, '--catalog', catalog, '--state', stateFile(first.finalState)]);
    expect(second.code, second.stderr).toBe(0);
    for (const s of incrementalStreams) expect(second.records.get(s.name)?.length ?? 0, s.name).toBe(0);
    // Full-refresh streams read everything again.
    expect(second.records.get('devices')).toHaveLength(600);
  });

  it('after advance() it returns exactly the changed records', async () => {
    const anchor = sim.tenant.now;
    const change = sim.advance(24);
    expect(change.changed.length).toBeGreaterThan(10);
    const out = await run(['read', '--config', config, '--catalog', catalog, '--state', stateFile(first.finalState)]);
    expect(out.code, out.stderr).toBe(0);

    const tenant = [...out.records.values()].flat()[0]?.tenant_id;
    const detailsChangedBy = changedByPrism('device_details');
    const detailDevices = new Set<string>();
    for (const s of STREAMS.filter((x) => x.plan.kind === 'prism')) {
      const category = s.plan.kind === 'prism' ? s.plan.category : '';
      const rows = await prismRowsSince(sim, category, anchor);
      // The API's rows carry no tenant; the connector stamps its tenant_id (the same on every record) in front of the key.
      expect(keys(out, s.name), s.name).toEqual(new Set(rows.map((r) => keyOf(s.primaryKey, { tenant_id: tenant, ...r }))));
      if (detailsChangedBy.includes(category)) for (const r of rows) detailDevices.add(String(r.device_id));
    }
    expect(new Set(out.records.get('device_details')?.map((r) => r.device_id))).toEqual(detailDevices);
    // Changed devices are the ones advance() said changed, plus enrolments; check-ins alone change nothing.
    const changedIds = new Set(
      [...change.changed.map((c) => c.device), ...change.enrolled].filter((i) => sim.tenant.exists(i)).map((i) => sim.tenant.deviceId(i)),
    );
    for (const id of detailDevices) expect(changedIds.has(id), id).toBe(true);
    expect(detailDevices.size).toBeLessThan(60);

    const audit = out.records.get('audit_events') ?? [];
    expect(audit.length).toBeGreaterThan(0);
    const firstIds = keys(first, 'audit_events');
    for (const e of audit) {
      expect(Date.parse(String(e.occurred_at))).toBeGreaterThanOrEqual(anchor - 60 * 60_000);
      expect(firstIds.has(keyOf([['id']], e)), `event ${e.id} re-emitted`).toBe(false);
    }
    expect(audit.some((e) => e.target_type === 'device' && (e.action === 'create' || e.action === 'delete'))).toBe(true);
  });
});

describe('resuming and faults', () => {
  let sim: Simulator;
  let config: string;
  let reference: ReadOutput;
  const catalog = catalogFile('incremental');

  beforeAll(async () => {
    sim = await startSimulator({ devices: 400, seed: 33, rateLimit: limits, keepLog: false });
    config = configFile(sim, { device_details_max_per_sync: 100_000 });
    reference = await run(['read', '--config', config, '--catalog', catalog]);
  });
  afterAll(async () => {
    expectNoToken(sim.token);
    await sim.close();
  });

  it('resuming from any intermediate STATE loses no record', async () => {
    const stateIndexes = reference.messages.flatMap((m, i) => (m.type === 'STATE' ? [i] : []));
    // Six checkpoints spread over the read, each resumed as an orchestrator would after a crash there.
    const picks = [0.1, 0.25, 0.4, 0.55, 0.7, 0.9].map((f) => stateIndexes[Math.floor(f * (stateIndexes.length - 1))] as number);
    for (const at of picks) {
      const before = reference.messages.slice(0, at + 1);
      const latest = new Map<string, any>();
      for (const m of before)
        if (m.type === 'STATE') latest.set(m.state.stream.stream_descriptor.name, { type: 'STREAM', stream: m.state.stream });
      const resumed = await run(['read', '--config', config, '--catalog', catalog, '--state', stateFile([...latest.values()])]);
      expect(resumed.code, resumed.stderr).toBe(0);
      for (const s of incrementalStreams) {
        const seen = new Set(
          before.filter((m) => m.type === 'RECORD' && m.record.stream === s.name).map((m) => keyOf(s.primaryKey, m.record.data)),
        );
        for (const k of keys(resumed, s.name)) seen.add(k);
        const missing = [...keys(reference, s.name)].filter((k) => !seen.has(k));
        expect(missing, `${s.name} after resuming at message ${at}`).toEqual([]);
      }
    }
    // Six reads of every stream, the per-device ones included: about a minute on a quiet machine.
  }, 180_000);

  it('reads the same records with 5% of requests failing as without', async () => {
    const faulty = await startSimulator({
      devices: 400,
      seed: 33,
      rateLimit: limits,
      keepLog: false,
      faults: { throttle: 0.01, serverError: 0.015, reset: 0.01, truncate: 0.01, stall: 0.005, stallMs: 3_000 },
    });
    try {
      const out = await run(['read', '--config', configFile(faulty, { request_timeout_seconds: 1 }), '--catalog', catalog]);
      expect(out.code, out.stderr).toBe(0);
      expect(faulty.stats().faults).toBeGreaterThan(10);
      for (const s of STREAMS) {
        const sort = (list: Record<string, unknown>[] = []) => list.map((r) => JSON.stringify(r)).sort();
        expect(sort(out.records.get(s.name)), s.name).toEqual(sort(reference.records.get(s.name)));
      }
      expect(out.stderr).toMatch(/retry 1 of GET/);
      expectNoToken(faulty.token);
    } finally {
      await faulty.close();
    }
  });
});
