import { describe, expect, it } from 'vitest';
import {
  isoMicros,
  readAuditBookmark,
  readRollingBookmark,
  readPrismBookmark,
  writeAuditBookmark,
  writeRollingBookmark,
  writePrismBookmark,
} from '../../state/bookmarks.ts';
import { parseState } from '../../state/input.ts';
import { checkStateOwner, ownerMismatch } from '../../state/owner.ts';
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
    [
      [stream('tags', { __ab_no_cursor_state_message: true }), stream('audit_events', null), stream('audit_events', { occurred_at: null })],
      /the state lists stream audit_events twice \(entries 1 and 2\)\. Keep one state per stream/,
    ],
  ])('refuses %j with a config error', (input, pattern) => {
    expect(() => parseState(input)).toThrow(ConfigError);
    expect(() => parseState(input)).toThrow(pattern);
  });
});

describe('bookmarks', () => {
  it('round-trips each kind in the records’ ISO format', () => {
    const at = Date.UTC(2026, 0, 5, 12, 0, 0, 123);
    expect(isoMicros(at)).toBe('2026-01-05T12:00:00.123000Z');
    const prism = writePrismBookmark('updated_at', {
      since: at,
      fullReadAt: undefined,
      resume: { cursor: 'abc', anchor: at + 1000, full: false },
    });
    expect(prism).toEqual({ updated_at: '2026-01-05T12:00:00.123000Z', resume: { cursor: 'abc', anchor: '2026-01-05T12:00:01.123000Z' } });
    expect(readPrismBookmark('filevault', 'updated_at', prism)).toEqual({
      since: at,
      fullReadAt: undefined,
      resume: { cursor: 'abc', anchor: at + 1000, full: false },
    });
    const audit = writeAuditBookmark('occurred_at', { since: at, idsAtCursor: ['01A'] });
    expect(readAuditBookmark('audit_events', 'occurred_at', audit)).toEqual({ since: at, idsAtCursor: ['01A'] });
    const details = writeRollingBookmark('refreshed_at', { refreshedAt: at, pendingAfter: 'f0', pendingSince: at + 5 });
    expect(details).toEqual({
      refreshed_at: '2026-01-05T12:00:00.123000Z',
      pending_after: 'f0',
      pending_since: '2026-01-05T12:00:00.128000Z',
    });
    expect(readRollingBookmark('device_details', 'refreshed_at', details)).toEqual({
      refreshedAt: at,
      pendingAfter: 'f0',
      pendingSince: at + 5,
    });
  });

  it('refuses malformed cursor values with a message naming the stream and field', () => {
    expect(() => readPrismBookmark('filevault', 'updated_at', { updated_at: 'yesterday' })).toThrow(
      /filevault has updated_at = "yesterday"/,
    );
    expect(() => readAuditBookmark('audit_events', 'occurred_at', { occurred_at: 5 })).toThrow(ConfigError);
    expect(() => readAuditBookmark('audit_events', 'occurred_at', { ids_at_cursor: 'x' })).toThrow(/ids_at_cursor/);
    expect(() => readRollingBookmark('device_details', 'refreshed_at', { pending_after: 'x' })).toThrow(/only one of pending_after/);
  });
});

describe('state owner', () => {
  const state = (entries: [string, Record<string, unknown>][]) => new Map(entries);

  it('accepts a state of the configured host, or one that names none (written before owners were recorded)', () => {
    expect(() => checkStateOwner(state([['tags', { api_host: 'ACME.api.kandji.io' }]]), { api_host: 'acme.api.kandji.io' })).not.toThrow();
    expect(() => checkStateOwner(state([['tags', { __ab_no_cursor_state_message: true }]]), { api_host: 'x.api.kandji.io' })).not.toThrow();
  });

  it('refuses another host, another tenant label, or a state whose streams disagree', () => {
    expect(() => checkStateOwner(state([['tags', { api_host: '127.0.0.1:4010' }]]), { api_host: 'acme.api.kandji.io' })).toThrow(
      'The state was read from 127.0.0.1:4010, but the configuration points at acme.api.kandji.io.',
    );
    expect(ownerMismatch({ api_host: 'h', tenant: 'acme' }, { api_host: 'h', tenant: 'globex' })).toBe(
      'belongs to tenant "acme", but the configuration names tenant "globex"',
    );
    expect(ownerMismatch({ api_host: 'h' }, { api_host: 'h', tenant: 'globex' })).toBeUndefined();
    expect(() =>
      checkStateOwner(
        state([
          ['tags', { api_host: 'a.api.kandji.io' }],
          ['users', { api_host: 'b.api.kandji.io' }],
        ]),
        { api_host: 'a.api.kandji.io' },
      ),
    ).toThrow(/The state mixes tenants: tags was read from a\.api\.kandji\.io and users from b\.api\.kandji\.io/);
  });
});
