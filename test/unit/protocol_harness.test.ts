/**
 * The protocol judge of test/support/protocol.ts, on hand-written messages: it must pass what the platform
 * accepts and catch what the schema alone lets through (docs/airbyte-protocol.md §1.13).
 */
import { describe, expect, it } from 'vitest';
import { connectorSpecification } from '../../source/spec.ts';
import { parseProtocolOutput, ProtocolViolation, validateMessage, type HarnessOptions } from '../support/protocol.ts';

const T0 = Date.UTC(2026, 0, 5, 12);
const RUN: HarnessOptions = { streams: ['devices', 'audit_events'], window: { from: T0, to: T0 + 60_000 } };

const record = (stream = 'devices', emitted_at = T0 + 1000, data: Record<string, unknown> = { device_id: 'd1' }) => ({
  type: 'RECORD',
  record: { stream, data, emitted_at },
});
const state = (name = 'devices', recordCount = 1, stream_state: unknown = { cursor: 'x' }) => ({
  type: 'STATE',
  state: { type: 'STREAM', stream: { stream_descriptor: { name }, stream_state }, sourceStats: { recordCount } },
});
const status = (name: string, s: string) => ({
  type: 'TRACE',
  trace: { type: 'STREAM_STATUS', emitted_at: T0 + 2, stream_status: { stream_descriptor: { name }, status: s } },
});
const errorTrace = (failure_type: unknown = 'config_error') => ({
  type: 'TRACE',
  trace: { type: 'ERROR', emitted_at: T0 + 3, error: { message: 'The API token was refused.', failure_type } },
});
const lines = (...messages: unknown[]) => messages.map((m) => `${JSON.stringify(m)}\n`).join('');

describe('validateMessage passes well-formed messages', () => {
  it.each([
    ['a RECORD in the catalog, inside the run', record()],
    [
      'a RECORD with namespace and meta',
      {
        type: 'RECORD',
        record: {
          stream: 'devices',
          namespace: 'kandji',
          data: {},
          emitted_at: T0,
          meta: { changes: [{ field: '/last_check_in', change: 'NULLED', reason: 'SOURCE_SERIALIZATION_ERROR' }] },
        },
      },
    ],
    ['a RECORD at the very end of the run', record('devices', T0 + 60_000)],
    ['a STREAM STATE with stats', state()],
    [
      'a STATE with zero records and rejected counts',
      {
        ...state('audit_events', 0),
        state: { ...state('audit_events', 0).state, sourceStats: { recordCount: 0, rejectedRecordCount: 0 } },
      },
    ],
    ['a LOG', { type: 'LOG', log: { level: 'WARN', message: 'start_date is in the future' } }],
    ['a TRACE STREAM_STATUS', status('devices', 'STARTED')],
    [
      'a TRACE STREAM_STATUS for a stream not in the catalog (what the CDK reports for unknown streams)',
      status('__AIRBYTE__stream_that_does_not_exist', 'INCOMPLETE'),
    ],
    ['a TRACE ERROR with failure_type', errorTrace('transient_error')],
    [
      'a TRACE ESTIMATE',
      { type: 'TRACE', trace: { type: 'ESTIMATE', emitted_at: T0, estimate: { name: 'devices', type: 'STREAM', row_estimate: 300 } } },
    ],
    ['a CONNECTION_STATUS', { type: 'CONNECTION_STATUS', connectionStatus: { status: 'FAILED', message: 'Wrong token.' } }],
    [
      'a CATALOG',
      {
        type: 'CATALOG',
        catalog: {
          streams: [
            { name: 'devices', json_schema: {}, supported_sync_modes: ['full_refresh'], source_defined_primary_key: [['device_id']] },
          ],
        },
      },
    ],
    ['this connector’s own SPEC', { type: 'SPEC', spec: connectorSpecification }],
    ['unknown extra fields (the protocol allows them)', { ...record(), future_field: 1 }],
  ])('%s', (_, message) => {
    expect(validateMessage(message, RUN)).toEqual([]);
  });

  it('takes the catalog’s stream names as any iterable, a Set included', () => {
    expect(validateMessage(record('devices'), { streams: new Set(['devices']) })).toEqual([]);
    expect(validateMessage(record('users'), { streams: new Set(['devices']) })).toEqual([
      'RECORD for stream users, which is not in the catalog (devices)',
    ]);
  });

  it('skips the catalog and window checks when no catalog or window is given', () => {
    expect(validateMessage(record('anything', 0))).toEqual([]);
    expect(validateMessage(state('anything'))).toEqual([]);
  });
});

describe('validateMessage catches', () => {
  it.each([
    ['a message that is not an object', [1, 2], ['not a JSON object']],
    [
      'an unknown type',
      { type: 'SCHEMA' },
      [
        '/type must be equal to one of the allowed values (RECORD, STATE, LOG, SPEC, CONNECTION_STATUS, CATALOG, TRACE, CONTROL, DESTINATION_CATALOG)',
      ],
    ],
    ['a message without type', { record: record().record }, ["/ must have required property 'type'"]],
    ['a RECORD without its payload', { type: 'RECORD' }, ['RECORD has no record object']],
    ['a STATE carrying a record', { type: 'STATE', record: record().record }, ['STATE has no state object', 'STATE also carries record']],
    ['a RECORD that also carries a log', { ...record(), log: { level: 'INFO', message: 'x' } }, ['RECORD also carries log']],
    ['a fractional emitted_at', record('devices', T0 + 0.5), ['/record/emitted_at must be integer']],
    [
      'a RECORD without emitted_at',
      { type: 'RECORD', record: { stream: 'devices', data: {} } },
      ["/record must have required property 'emitted_at'"],
    ],
    [
      'RECORD data that is not an object',
      { type: 'RECORD', record: { stream: 'devices', data: [1], emitted_at: T0 } },
      ['/record/data must be object'],
    ],
    [
      'a RECORD for a stream not in the catalog',
      record('blueprints'),
      ['RECORD for stream blueprints, which is not in the catalog (devices, audit_events)'],
    ],
    [
      'a RECORD from before the run',
      record('devices', T0 - 1),
      [
        'RECORD emitted_at 1767614399999 (2026-01-05T11:59:59.999Z) is outside the run, 2026-01-05T12:00:00.000Z – 2026-01-05T12:01:00.000Z',
      ],
    ],
    [
      'a RECORD emitted_at in seconds, not ms',
      record('devices', Math.floor(T0 / 1000)),
      [expect.stringMatching(/^RECORD emitted_at 1767614400 \(1970-01-21T.*\) is outside the run/)],
    ],
    [
      'an untyped (LEGACY) STATE',
      { type: 'STATE', state: { data: { cursor: 1 } } },
      [
        'STATE must be of type STREAM, not untyped (LEGACY)',
        'STATE has no stream.stream_descriptor.name',
        'STATE has no sourceStats.recordCount',
      ],
    ],
    [
      'a GLOBAL STATE',
      { type: 'STATE', state: { type: 'GLOBAL', global: { stream_states: [] }, sourceStats: { recordCount: 0 } } },
      ['STATE must be of type STREAM, not "GLOBAL"', 'STATE has no stream.stream_descriptor.name'],
    ],
    [
      'PER_STREAM, which is not a state type',
      { ...state(), state: { ...state().state, type: 'PER_STREAM' } },
      ['/state/type must be equal to one of the allowed values (GLOBAL, STREAM, LEGACY)', 'STATE must be of type STREAM, not "PER_STREAM"'],
    ],
    [
      'a STATE without sourceStats',
      { type: 'STATE', state: { type: 'STREAM', stream: { stream_descriptor: { name: 'devices' }, stream_state: {} } } },
      ['STATE has no sourceStats.recordCount'],
    ],
    [
      'a STATE with a fractional or negative count',
      state('devices', -1),
      ['STATE sourceStats.recordCount -1 is not a whole number of records'],
    ],
    [
      'a STATE for a stream not in the catalog',
      state('users'),
      ['STATE for stream users, which is not in the catalog (devices, audit_events)'],
    ],
    [
      'a STATE without a stream name',
      { type: 'STATE', state: { type: 'STREAM', stream: { stream_descriptor: { name: '' } }, sourceStats: { recordCount: 0 } } },
      ['STATE has no stream.stream_descriptor.name'],
    ],
    [
      'a TRACE ERROR without failure_type',
      { type: 'TRACE', trace: { type: 'ERROR', emitted_at: T0, error: { message: 'boom' } } },
      ['TRACE ERROR has no error.failure_type'],
    ],
    [
      'a TRACE ERROR with an unknown failure_type',
      errorTrace('user_error'),
      ['/trace/error/failure_type must be equal to one of the allowed values (system_error, config_error, transient_error)'],
    ],
    [
      'a LOG with an unknown level',
      { type: 'LOG', log: { level: 'WARNING', message: 'x' } },
      ['/log/level must be equal to one of the allowed values (FATAL, ERROR, WARN, INFO, DEBUG, TRACE)'],
    ],
    [
      'a CONNECTION_STATUS in snake_case',
      { type: 'CONNECTION_STATUS', connection_status: { status: 'SUCCEEDED' } },
      ['CONNECTION_STATUS has no connectionStatus object'],
    ],
    [
      'a SPEC without connectionSpecification',
      { type: 'SPEC', spec: { documentationUrl: 'https://example.com' } },
      ["/spec must have required property 'connectionSpecification'"],
    ],
    [
      'a DESTINATION_CATALOG from a source',
      { type: 'DESTINATION_CATALOG', destination_catalog: { operations: [] } },
      ['a source never emits DESTINATION_CATALOG'],
    ],
  ])('%s', (_, message, problems) => {
    expect(validateMessage(message, RUN)).toEqual(problems);
  });
});

describe('parseProtocolOutput', () => {
  it('sorts a read’s output by kind, keeping order', () => {
    const stdout = lines(
      status('devices', 'STARTED'),
      record('devices', T0 + 1, { device_id: 'a' }),
      record('devices', T0 + 2, { device_id: 'b' }),
      state('devices', 2),
      status('devices', 'COMPLETE'),
      { type: 'LOG', log: { level: 'INFO', message: 'read 2 records' } },
    );
    const out = parseProtocolOutput(stdout, RUN);
    expect(out.messages).toHaveLength(6);
    expect(out.records.map((r) => r.data.device_id)).toEqual(['a', 'b']);
    expect(out.recordsByStream).toEqual({
      devices: [record('devices', T0 + 1, { device_id: 'a' }).record, record('devices', T0 + 2, { device_id: 'b' }).record],
      audit_events: [],
    });
    expect(out.states).toEqual([state('devices', 2).state]);
    expect(out.traces.map((t) => t.stream_status?.status)).toEqual(['STARTED', 'COMPLETE']);
    expect(out.logs).toEqual([{ level: 'INFO', message: 'read 2 records' }]);
    expect(out.spec).toBeUndefined();
    expect(out.catalog).toBeUndefined();
    expect(out.connectionStatus).toBeUndefined();
  });

  it('returns the single SPEC, CATALOG or CONNECTION_STATUS of the other commands', () => {
    expect(parseProtocolOutput(lines({ type: 'SPEC', spec: connectorSpecification })).spec).toEqual(connectorSpecification);
    expect(parseProtocolOutput(lines({ type: 'CONNECTION_STATUS', connectionStatus: { status: 'SUCCEEDED' } })).connectionStatus).toEqual({
      status: 'SUCCEEDED',
    });
    const catalog = { streams: [{ name: 'devices', json_schema: {}, supported_sync_modes: ['full_refresh'] }] };
    expect(parseProtocolOutput(lines({ type: 'CATALOG', catalog })).catalog).toEqual(catalog);
  });

  it('accepts empty output and output without a final newline', () => {
    expect(parseProtocolOutput('').messages).toEqual([]);
    expect(parseProtocolOutput(JSON.stringify(record())).records).toHaveLength(1);
  });

  it('lists every problem by line: non-JSON, blank lines, invalid messages, repeated singletons', () => {
    const stdout = [
      JSON.stringify(record()),
      'Starting sync...',
      '',
      JSON.stringify(record('users')),
      JSON.stringify({ type: 'CONNECTION_STATUS', connectionStatus: { status: 'SUCCEEDED' } }),
      JSON.stringify({ type: 'CONNECTION_STATUS', connectionStatus: { status: 'FAILED' } }),
      '{"type":"RECORD", "record": {"stream": "devices", "data": {}, "emitted_at": 1}} {"type":"LOG"}',
      '',
    ].join('\n');
    let error: unknown;
    try {
      parseProtocolOutput(stdout, RUN);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ProtocolViolation);
    expect((error as ProtocolViolation).problems).toEqual([
      'line 2: not JSON: Starting sync...',
      'line 3: not JSON: ',
      'line 4: RECORD for stream users, which is not in the catalog (devices, audit_events)',
      'line 6: a second CONNECTION_STATUS message',
      'line 7: not JSON: {"type":"RECORD", "record": {"stream": "devices", "data": {}, "emitted_at": 1}} {"type":"LOG"}',
    ]);
    expect((error as Error).message).toContain(
      "The connector's stdout breaks the Airbyte protocol:\n  line 2: not JSON: Starting sync...\n",
    );
  });

  it('shortens a long non-JSON line in the report', () => {
    expect(() => parseProtocolOutput('x'.repeat(500))).toThrow(`line 1: not JSON: ${'x'.repeat(117)}...`);
  });
});
