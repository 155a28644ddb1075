/**
 * Late and deleted rows, through the real CLI. Late: Prism shows a row only some minutes after its `updated_at`
 * (the simulator's ingestion lag), so a sync can end without a row whose time lies before its anchor; the next sync,
 * looking back `lookback_minutes` before its bookmark, reads it, and without the lookback it is lost. Deleted: a
 * first sync reads every Prism category in full and its manifest says `full_read: true`; an incremental sync the same
 * day reads only changes and says `full_read: false`, while full-refresh streams always say true.
 */
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSimulator, type Simulator } from '../../simulator/server.ts';
import { catalogFile, configFile, expectNoToken, run, stateFile, type ReadOutput } from '../support/connector.ts';
import { runCli } from '../support/cli.ts';
import { get } from '../support/simulator.ts';

const limits = { perSecond: 100_000, perHour: 1_000_000 };

describe('a row that shows after its sync (ingestion lag)', () => {
  let sim: Simulator;
  const catalog = catalogFile('incremental', ['device_information']);
  let first: ReadOutput;
  let late: { device_id: string; updated_at: string };
  let lookback: number;

  beforeAll(async () => {
    sim = await startSimulator({ devices: 300, seed: 12, rateLimit: limits, keepLog: false });
    first = await run(['read', '--config', configFile(sim), '--catalog', catalog]);
    const since = sim.tenant.now;
    sim.advance(24);
    // The row that changed last in the day: hide it as if Prism had not ingested it yet.
    const filter = encodeURIComponent(JSON.stringify({ updated_at: { gte: new Date(since).toISOString() } }));
    const rows: { device_id: string; updated_at: string }[] = [];
    let cursor: string | null = null;
    do {
      const res = await get(sim, `/api/v1/prism/device_information?limit=300&filter=${filter}${cursor ? `&cursor=${cursor}` : ''}`);
      rows.push(...res.body.data);
      cursor = res.body.cursor;
    } while (cursor);
    const at = (r: { updated_at: string }) => Date.parse(r.updated_at);
    late = rows.reduce((a, b) => (at(b) > at(a) ? b : a));
    sim.tenant.prismLagMs = sim.tenant.now - at(late) + 1000;
    lookback = Math.ceil(sim.tenant.prismLagMs / 60_000) + 1;
  });
  afterAll(async () => {
    expectNoToken(sim.token);
    await sim.close();
  });

  it('the next sync reads it with the lookback, and loses it without', async () => {
    expect(first.code, first.stderr).toBe(0);
    const config = configFile(sim, { lookback_minutes: lookback });
    const second = await run(['read', '--config', config, '--catalog', catalog, '--state', stateFile(first.finalState)]);
    expect(second.code, second.stderr).toBe(0);
    const ids = (out: ReadOutput) => new Set((out.records.get('device_information') ?? []).map((r) => r.device_id));
    expect(ids(second).has(late.device_id), 'hidden during the sync').toBe(false);
    expect(ids(second).size).toBeGreaterThan(0);

    // Ingested now: the clock has not moved, so the row's time lies before the second sync's anchor.
    sim.tenant.prismLagMs = 0;
    const third = await run(['read', '--config', config, '--catalog', catalog, '--state', stateFile(second.finalState)]);
    expect(third.code, third.stderr).toBe(0);
    expect(ids(third).has(late.device_id)).toBe(true);

    const without = await run([
      'read',
      '--config',
      configFile(sim, { lookback_minutes: 0 }),
      '--catalog',
      catalog,
      '--state',
      stateFile(second.finalState),
    ]);
    expect(without.code, without.stderr).toBe(0);
    expect(ids(without).has(late.device_id), 'lost without the lookback').toBe(false);
  });
});

describe('full reads in the run manifest', () => {
  let sim: Simulator;
  const out = mkdtempSync(join(tmpdir(), 'late-data-'));
  const catalog = catalogFile('incremental', ['devices', 'filevault', 'installed_profiles']);
  const manifests = () =>
    readdirSync(join(out, '_runs'))
      .sort()
      .map((f) => JSON.parse(readFileSync(join(out, '_runs', f), 'utf8')));

  beforeAll(async () => {
    sim = await startSimulator({ devices: 150, seed: 13, rateLimit: limits, keepLog: false });
  });
  afterAll(async () => {
    expectNoToken(sim.token);
    await sim.close();
  });

  it('says full_read for a first Prism read and a full refresh, not for an incremental read of changes', async () => {
    const config = configFile(sim, { prism_full_read_every_days: 7 });
    for (let i = 0; i < 2; i++) {
      const result = await runCli(['sync', '--config', config, '--out', out, '--format', 'jsonl', '--catalog', catalog], { text: true });
      expect(result.code, result.stderr).toBe(0);
    }
    const [first, second] = manifests();
    expect(first.streams.filevault).toMatchObject({ status: 'complete', sync_mode: 'incremental', full_read: true });
    expect(first.streams.installed_profiles).toMatchObject({ full_read: true });
    expect(first.streams.devices).toMatchObject({ sync_mode: 'full_refresh', full_read: true });
    // Same day, same tenant: only changes (none), and not a full read.
    expect(second.streams.filevault).toMatchObject({ status: 'complete', records: 0, full_read: false });
    expect(second.streams.devices).toMatchObject({ full_read: true, records: 150 });
  });
});
