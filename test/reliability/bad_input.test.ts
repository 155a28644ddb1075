/**
 * Bad input through the real CLI (issue 6): every file a user or orchestrator can get wrong gets a message that
 * says what is wrong, one TRACE ERROR with the right failure_type, a non-zero exit where the protocol asks for one
 * (`check` reports a bad config as CONNECTION_STATUS FAILED and exits 0), and never a stack trace, on stdout or
 * stderr. test/integration/protocol.test.ts covers the first few cases (a config that is not JSON, empty or an
 * array, a catalog without streams or that is a directory, a legacy or unparseable state); these are the rest.
 *
 * Decisions this suite pins down:
 * - a state file that is empty, `[]` or `{}` means "no state" (docs/airbyte-protocol.md §1.5 recommends accepting them);
 * - state for a stream this connector does not have is ignored with a WARN (§1.5: "ignore entries for streams that
 *   are not in the catalog"), and the read goes on;
 * - a bookmark of the wrong type fails that stream alone with a config error naming the field.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSimulator, type Simulator } from '../../simulator/server.ts';
import { tempFile } from '../support/cli.ts';
import { catalogFile, configFile, expectNoToken, run, type ReadOutput } from '../support/connector.ts';

const STACK = /\n\s+at .+(:\d+:\d+\)?|\(node:)/;
const stream = (name: string, streamState: unknown) => ({
  type: 'STREAM',
  stream: { stream_descriptor: { name }, stream_state: streamState },
});

/** Run cases a few at a time: each is a process start, mostly idle. */
async function inBatches<T, R>(items: T[], size: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out: R[] = [];
  for (let i = 0; i < items.length; i += size) out.push(...(await Promise.all(items.slice(i, i + size).map(fn))));
  return out;
}

function expectNoStackTrace(out: ReadOutput, label: string): void {
  expect(out.stderr, `${label}: stack trace on stderr`).not.toMatch(STACK);
  for (const m of out.messages) {
    if (m.type === 'TRACE' && m.trace.type === 'ERROR') expect(m.trace.error.stack_trace, `${label}: stack_trace`).toBeUndefined();
    if (m.type === 'LOG') expect(m.log.message, label).not.toMatch(STACK);
  }
}

describe('bad input files', () => {
  let sim: Simulator;
  let config: string;
  let catalog: string;
  const empty = mkdtempSync(join(tmpdir(), 'source-kandji-dir-'));

  beforeAll(async () => {
    sim = await startSimulator({ devices: 50, seed: 12, rateLimit: { perSecond: 100_000, perHour: 1_000_000 }, keepLog: false });
    config = configFile(sim);
    catalog = catalogFile('incremental', ['tags', 'audit_events']);
  });
  afterAll(async () => {
    expectNoToken(sim.token);
    await sim.close();
  });

  it('a config, catalog or state the run cannot start with: one config_error, exit 1, no stack trace', async () => {
    const c = (content: unknown) => tempFile('config.json', content);
    const k = (content: unknown) => tempFile('catalog.json', content);
    const s = (content: unknown) => tempFile('state.json', content);
    const read = (cfg: string, cat: string, state?: string) => [
      'read',
      '--config',
      cfg,
      '--catalog',
      cat,
      ...(state ? ['--state', state] : []),
    ];
    const cases: [string, string[], RegExp][] = [
      // config
      ['config: missing file', read(join(empty, 'nope.json'), catalog), /config file .*nope\.json does not exist/],
      ['config: a directory', read(empty, catalog), /config path .* is a directory/],
      ['config: null', read(c('null'), catalog), /holds null, not a JSON object/],
      [
        'config: wrong types',
        read(c({ api_url: sim.url, api_token: sim.token, max_concurrency: 'four', request_budget_share: 5, region: 'mars' }), catalog),
        /^(?=.*max_concurrency must be an integer from 1 to 16, not "four")(?=.*request_budget_share must be a number from 0\.01 to 1, not 5)(?=.*region must be one of)/,
      ],
      ['config: token of the wrong type', read(c({ api_url: sim.url, api_token: 12345678 }), catalog), /api_token must be a string\./],
      // catalog
      ['catalog: missing file', read(config, join(empty, 'nope.json')), /catalog file .* does not exist/],
      ['catalog: empty file', read(config, k('')), /catalog file .* is empty/],
      ['catalog: not JSON', read(config, k('{"streams": [')), /catalog file .* is not valid JSON/],
      ['catalog: an array', read(config, k([])), /no "streams" list/],
      [
        'catalog: an entry without stream.name',
        read(config, k({ streams: [{ stream: 'tags', sync_mode: 'full_refresh' }] })),
        /streams\[0\] has no stream\.name/,
      ],
      [
        'catalog: a stream twice',
        read(config, k({ streams: [{ stream: { name: 'tags' } }, { stream: { name: 'tags' } }] })),
        /names the stream tags twice/,
      ],
      // state
      ['state: missing file', read(config, catalog, join(empty, 'nope.json')), /state file .* does not exist\. Leave out --state/],
      ['state: a directory', read(config, catalog, empty), /state path .* is a directory/],
      ['state: a number', read(config, catalog, s('42')), /holds a number, not a list of states/],
      [
        'state: GLOBAL',
        read(config, catalog, s([{ type: 'GLOBAL', global: { stream_states: [] } }])),
        /GLOBAL state; this connector keeps STREAM state/,
      ],
      ['state: LEGACY message', read(config, catalog, s([{ type: 'LEGACY', data: { tags: {} } }])), /LEGACY state/],
      [
        'state: stream_state of the wrong type',
        read(config, catalog, s([stream('audit_events', 'yesterday')])),
        /stream_state of audit_events must be an object/,
      ],
      [
        'state: entry without a stream name',
        read(config, catalog, s([{ type: 'STREAM', stream: { stream_state: {} } }])),
        /lacks stream\.stream_descriptor\.name/,
      ],
      // discover takes the config too
      ['discover: wrong types', ['discover', '--config', c({ api_url: 5, api_token: sim.token })], /api_url must be a string, not 5/],
    ];
    await inBatches(cases, 4, async ([label, args, pattern]) => {
      const out = await run(args);
      expect(out.code, `${label}: exit code\n${out.stderr}`).toBe(1);
      const errors = out.messages.filter((m) => m.type === 'TRACE' && m.trace.type === 'ERROR');
      expect(errors, label).toHaveLength(1);
      expect(errors[0].trace.error.failure_type, label).toBe('config_error');
      expect(errors[0].trace.error.message, label).toMatch(pattern);
      // Nothing was read: the run stopped before its first request.
      expect(
        out.messages.filter((m) => m.type === 'RECORD' || m.type === 'STATE'),
        label,
      ).toEqual([]);
      expectNoStackTrace(out, label);
    });
  }, 120_000);

  it('check reports a bad config as FAILED with the reason, exit 0; a missing config file too', async () => {
    const cases: [string, RegExp][] = [
      [
        tempFile('config.json', { api_url: sim.url, api_token: sim.token, request_timeout_seconds: 0 }),
        /request_timeout_seconds must be an integer from 1 to 300/,
      ],
      [tempFile('config.json', '{"api_url": "acme", '), /not valid JSON/],
      [join(empty, 'nope.json'), /does not exist/],
    ];
    await inBatches(cases, 3, async ([path, pattern]) => {
      const out = await run(['check', '--config', path]);
      expect(out.code).toBe(0);
      expect(out.messages).toHaveLength(1);
      expect(out.messages[0].connectionStatus.status).toBe('FAILED');
      expect(out.messages[0].connectionStatus.message).toMatch(pattern);
      expectNoStackTrace(out, path);
    });
  });

  it('an empty state file, [] and {} mean "no state": the read starts from scratch', async () => {
    const states = ['', '[]', '{}', '  \n'];
    const outs = await inBatches(states, 4, (text) =>
      run(['read', '--config', config, '--catalog', catalog, '--state', tempFile('state.json', text)]),
    );
    for (const [i, out] of outs.entries()) {
      expect(out.code, JSON.stringify(states[i])).toBe(0);
      expect(out.records.get('tags'), JSON.stringify(states[i])).toHaveLength(12);
      expect(out.records.get('audit_events')?.length).toBeGreaterThan(0);
    }
  });

  it('state for a stream this connector does not have is ignored with a WARN; the streams it has read on', async () => {
    const state = tempFile('state.json', [stream('no_such_stream', { cursor: 1 }), stream('tags', { __ab_no_cursor_state_message: true })]);
    const out = await run(['read', '--config', config, '--catalog', catalog, '--state', state]);
    expect(out.code, out.stderr).toBe(0);
    expect(out.errors).toEqual([]);
    const warnings = out.messages.filter((m) => m.type === 'LOG' && m.log.level === 'WARN').map((m) => m.log.message);
    expect(
      warnings.some((w) => /state names a stream "no_such_stream" that this connector does not have; its state is ignored/.test(w)),
    ).toBe(true);
    expect(out.records.get('tags')).toHaveLength(12);
  });

  it('a catalog naming only unknown streams or modes: each refused with a config_error, exit 1', async () => {
    const cat = tempFile('catalog.json', {
      streams: [
        {
          stream: { name: 'secrets', json_schema: {}, supported_sync_modes: ['full_refresh'] },
          sync_mode: 'full_refresh',
          destination_sync_mode: 'append',
        },
        {
          stream: { name: 'tags', json_schema: {}, supported_sync_modes: ['full_refresh'] },
          sync_mode: 'sometimes',
          destination_sync_mode: 'append',
        },
      ],
    });
    const out = await run(['read', '--config', config, '--catalog', cat]);
    expect(out.code).toBe(1);
    expect(out.errors.map((e) => [e.stream_descriptor?.name, e.failure_type])).toEqual([
      ['secrets', 'config_error'],
      ['tags', 'config_error'],
    ]);
    expect(out.errors[0].message).toMatch(/does not have\. Run discover/);
    expect(out.errors[1].message).toMatch(/tags has sync_mode "sometimes"; use full_refresh\./);
    expectNoStackTrace(out, 'unknown streams');
  });

  it('a bookmark of the wrong type fails that stream alone, naming the field; the others complete', async () => {
    const state = tempFile('state.json', [stream('audit_events', { occurred_at: 5, ids_at_cursor: [] })]);
    const out = await run(['read', '--config', config, '--catalog', catalog, '--state', state]);
    expect(out.code).toBe(1);
    expect(out.errors).toHaveLength(1);
    expect(out.errors[0]).toMatchObject({ failure_type: 'config_error', stream_descriptor: { name: 'audit_events' } });
    expect(out.errors[0].message).toMatch(/audit_events has occurred_at = 5, which is not an ISO-8601 date-time/);
    expect(out.statuses.get('tags')?.at(-1)).toBe('COMPLETE');
    expectNoStackTrace(out, 'wrong bookmark');
  });
});
