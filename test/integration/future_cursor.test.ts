/**
 * The audit cursor never starts or stays in the future (issue 10, item 12): a start_date after the tenant's clock
 * is a config error that names the server's time and saves no bookmark, so correcting it later still backfills; a
 * future occurred_at in a state is pulled back to the sync's anchor, as Prism bookmarks are, so later events are read.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { catalogFile, configFile, expectNoToken, run, stateFile } from '../support/connector.ts';
import { useSimulator } from '../support/simulator.ts';

describe('audit_events and a cursor in the future', () => {
  // The simulated tenant's clock starts at 2026-01-05T12:00:00Z, whatever this machine's date.
  const sim = useSimulator({ devices: 40, seed: 12, rateLimit: { perSecond: 100_000, perHour: 1_000_000 }, keepLog: false });
  afterAll(() => expectNoToken(sim().token));
  const catalog = catalogFile('incremental', ['audit_events']);

  it('refuses a start_date after the server’s clock as a config error naming the field and the server’s time, saving no bookmark', async () => {
    const out = await run(['read', '--config', configFile(sim(), { start_date: '2026-03-01' }), '--catalog', catalog]);
    expect(out.code).toBe(1);
    expect(out.errors).toEqual([
      expect.objectContaining({
        failure_type: 'config_error',
        message: expect.stringContaining(
          "start_date 2026-03-01T00:00:00.000Z is after the tenant's clock (the server's time is 2026-01-05T12:00:00.000Z)",
        ),
      }),
    ]);
    expect(out.states).toEqual([]);
    // Corrected, the same connection backfills from the new start_date.
    const corrected = await run(['read', '--config', configFile(sim(), { start_date: '2025-12-20' }), '--catalog', catalog]);
    expect(corrected.code, corrected.stderr).toBe(0);
    expect(corrected.records.get('audit_events')?.length).toBeGreaterThan(0);
  });

  it('pulls a future occurred_at back to the sync’s anchor, so the events after it are read by the next sync', async () => {
    const future = [
      {
        type: 'STREAM',
        stream: {
          stream_descriptor: { name: 'audit_events' },
          stream_state: { occurred_at: '2099-01-01T00:00:00.000000Z', ids_at_cursor: [] },
        },
      },
    ];
    const first = await run(['read', '--config', configFile(sim()), '--catalog', catalog, '--state', stateFile(future)]);
    expect(first.code, first.stderr).toBe(0);
    expect(first.records.size).toBe(0);
    expect(first.finalState[0].stream.stream_state.occurred_at).toBe('2026-01-05T12:00:00.000000Z');
    sim().advance(24);
    const next = await run(['read', '--config', configFile(sim()), '--catalog', catalog, '--state', stateFile(first.finalState)]);
    expect(next.code, next.stderr).toBe(0);
    const events = next.records.get('audit_events') ?? [];
    expect(events.length).toBeGreaterThan(0);
    for (const e of events) expect(String(e.occurred_at) >= '2026-01-05T12:00:00').toBe(true);
  });
});
