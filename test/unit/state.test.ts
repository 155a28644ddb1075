import { describe, expect, it } from 'vitest';
import {
  isoMicros,
  readAuditBookmark,
  readDetailsBookmark,
  readPrismBookmark,
  writeAuditBookmark,
  writeDetailsBookmark,
  writePrismBookmark,
} from '../../state/bookmarks.ts';
import { parseState } from '../../state/input.ts';
import { ConfigError } from '../../core/errors.ts';

const stream = (name: string, streamState: unknown) => ({
  type: 'STREAM',
  stream: { stream_descriptor: { name }, stream_state: streamState },
});

describe('state input', () => {
  it('reads the array of STREAM states Airbyte passes', () => {
    const state = parseState([
      stream('audit_events', { occurred_at: '2026-01-01T00:00:00.000000Z' }),
      stream('filevault', { updated_at: null }),
    ]);
    expect([...state.keys()]).toEqual(['audit_events', 'filevault']);
    expect(state.get('audit_events')).toEqual({ occurred_at: '2026-01-01T00:00:00.000000Z' });
  });

  it('treats [], {}, null and a null stream_state as no state', () => {
    expect(parseState([]).size).toBe(0);
    expect(parseState({}).size).toBe(0);
    expect(parseState(null).size).toBe(0);
    expect(parseState([stream('devices', null)]).size).toBe(0);
  });

  it.each([
    [{ cursor: 1 }, /legacy/],
    [[{ type: 'LEGACY', data: {} }], /LEGACY/],
    [[{ data: {} }], /LEGACY/],
    [[{ type: 'GLOBAL', global: {} }], /GLOBAL/],
    [[{ type: 'STREAM', stream: {} }], /stream_descriptor\.name/],
    [[stream('devices', [1])], /must be an object/],
    [['x'], /not an object/],
  ])('refuses %j with a config error', (input, pattern) => {
    expect(() => parseState(input)).toThrow(ConfigError);
    expect(() => parseState(input)).toThrow(pattern);
  });
});

describe('bookmarks', () => {
  it('round-trips each kind in the records’ ISO format', () => {
    const at = Date.UTC(2026, 0, 5, 12, 0, 0, 123);
    expect(isoMicros(at)).toBe('2026-01-05T12:00:00.123000Z');
    const prism = writePrismBookmark({ since: at, resume: { cursor: 'abc', anchor: at + 1000 } });
    expect(prism).toEqual({ updated_at: '2026-01-05T12:00:00.123000Z', resume: { cursor: 'abc', anchor: '2026-01-05T12:00:01.123000Z' } });
    expect(readPrismBookmark('filevault', prism)).toEqual({ since: at, resume: { cursor: 'abc', anchor: at + 1000 } });
    const audit = writeAuditBookmark({ since: at, idsAtCursor: ['01A'] });
    expect(readAuditBookmark('audit_events', audit)).toEqual({ since: at, idsAtCursor: ['01A'] });
    const details = writeDetailsBookmark({ refreshedAt: at, pendingAfter: 'f0', pendingSince: at + 5 });
    expect(details).toEqual({
      refreshed_at: '2026-01-05T12:00:00.123000Z',
      pending_after: 'f0',
      pending_since: '2026-01-05T12:00:00.128000Z',
    });
    expect(readDetailsBookmark('device_details', details)).toEqual({ refreshedAt: at, pendingAfter: 'f0', pendingSince: at + 5 });
  });

  it('refuses malformed cursor values with a message naming the stream and field', () => {
    expect(() => readPrismBookmark('filevault', { updated_at: 'yesterday' })).toThrow(/filevault has updated_at = "yesterday"/);
    expect(() => readAuditBookmark('audit_events', { occurred_at: 5 })).toThrow(ConfigError);
    expect(() => readAuditBookmark('audit_events', { ids_at_cursor: 'x' })).toThrow(/ids_at_cursor/);
    expect(() => readDetailsBookmark('device_details', { pending_after: 'x' })).toThrow(/only one of pending_after/);
  });
});
