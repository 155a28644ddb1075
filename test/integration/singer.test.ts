/**
 * Singer mode against the simulated tenant, judged by the Singer spec (singer-io/getting-started docs/SPEC.md 0.3.0,
 * docs/airbyte-protocol.md §4): stdout holds only SCHEMA, RECORD and STATE, one JSON object a line; each message has its
 * required fields; a stream's SCHEMA comes before its first RECORD and every record fits it; STATE is
 * `{bookmarks: {<stream>: …}}` and read back with `--state` resumes where the last read ended. Run both ways a
 * Singer user meets it: `read --protocol singer` and the bare `--config … [--discover]` form Meltano calls.
 */
import { Ajv, type ValidateFunction } from 'ajv';
import { beforeAll, describe, expect, it } from 'vitest';
import { STREAMS } from '../../streams/index.ts';
import { runCli, tempFile, type CliRun } from '../support/cli.ts';
import { catalogFile, configFile, expectNoToken, forbidToken, keyOf, run } from '../support/connector.ts';
import { useSimulator } from '../support/simulator.ts';

const incremental = STREAMS.filter((s) => s.cursor?.field).map((s) => s.name);
const isObject = (v: unknown): v is Record<string, any> => typeof v === 'object' && v !== null && !Array.isArray(v);
const RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;

interface SingerRun extends CliRun {
  schemas: Map<string, Record<string, any>>;
  records: Map<string, Record<string, unknown>[]>;
  states: Record<string, any>[];
}

/** Run the CLI and check every stdout line against the Singer spec; sort the messages by kind. */
async function singer(args: string[]): Promise<SingerRun> {
  const out = await runCli(args);
  const ajv = new Ajv({ strict: false, allErrors: true, validateFormats: false });
  const validators = new Map<string, ValidateFunction>();
  const schemas = new Map<string, Record<string, any>>();
  const records = new Map<string, Record<string, unknown>[]>();
  const states: Record<string, any>[] = [];
  const problems: string[] = [];
  for (const msg of out.messages) {
    const where = JSON.stringify(msg).slice(0, 200);
    if (!isObject(msg)) {
      problems.push(`not an object: ${where}`);
      continue;
    }
    if (msg.type === 'SCHEMA') {
      if (typeof msg.stream !== 'string' || !isObject(msg.schema) || !Array.isArray(msg.key_properties))
        problems.push(`SCHEMA lacks stream, schema or key_properties: ${where}`);
      const properties = msg.schema?.properties ?? {};
      for (const key of msg.key_properties ?? [])
        if (typeof key !== 'string' || !(key in properties))
          problems.push(`${msg.stream}: key property ${key} is not a top-level property`);
      for (const key of msg.bookmark_properties ?? [])
        if (!(key in properties)) problems.push(`${msg.stream}: bookmark property ${key} is not a top-level property`);
      schemas.set(msg.stream, msg);
      validators.set(msg.stream, ajv.compile(msg.schema));
    } else if (msg.type === 'RECORD') {
      if (typeof msg.stream !== 'string' || !isObject(msg.record)) problems.push(`RECORD lacks stream or record: ${where}`);
      const validate = validators.get(msg.stream);
      if (!validate) problems.push(`RECORD of ${msg.stream} before its SCHEMA`);
      else if (!validate(msg.record)) problems.push(`${msg.stream} record does not fit its SCHEMA: ${ajv.errorsText(validate.errors)}`);
      const at = Date.parse(msg.time_extracted);
      if (!RFC3339.test(msg.time_extracted) || at < out.startedAt - 1 || at > out.endedAt + 1)
        problems.push(`time_extracted ${msg.time_extracted} is not an RFC 3339 time within the run`);
      records.set(msg.stream, [...(records.get(msg.stream) ?? []), msg.record]);
    } else if (msg.type === 'STATE') {
      if (!isObject(msg.value) || !isObject(msg.value.bookmarks)) problems.push(`STATE value has no bookmarks object: ${where}`);
      states.push(msg.value);
    } else {
      problems.push(`unexpected message type ${msg.type}: ${where}`);
    }
  }
  expect(problems.slice(0, 10)).toEqual([]);
  return { ...out, schemas, records, states };
}

describe('Singer mode', () => {
  const sim = useSimulator({ devices: 300, seed: 17, rateLimit: { perSecond: 100_000, perHour: 1_000_000 }, keepLog: false });
  let config: string;
  let first: SingerRun;

  beforeAll(async () => {
    forbidToken(sim().token);
    config = configFile(sim());
    first = await singer(['read', '--protocol', 'singer', '--config', config]);
    // Every stream of 300 devices, the per-device histories included.
  }, 180_000);

  it('discover prints one Singer catalog, the same in both invocations', async () => {
    const out = await runCli(['discover', '--protocol', 'singer', '--config', config], { text: true });
    expect(out.code, out.stderr).toBe(0);
    // One JSON document, indented: Meltano reads discovery output with a 64 KiB line limit.
    const catalog = JSON.parse(out.stdout);
    expect(Math.max(...out.stdout.split('\n').map((l) => l.length))).toBeLessThan(1024);
    expect(catalog.streams.map((s: any) => s.tap_stream_id)).toEqual(STREAMS.map((s) => s.name));
    for (const entry of catalog.streams) {
      const declaration = STREAMS.find((s) => s.name === entry.tap_stream_id)!;
      new Ajv({ strict: false, validateFormats: false }).compile(entry.schema);
      const top = entry.metadata.find((m: any) => m.breadcrumb.length === 0).metadata;
      expect(top['table-key-properties']).toEqual(declaration.primaryKey.map((p) => p[0]));
      expect(top['valid-replication-keys']).toEqual(declaration.cursor?.field ? [declaration.cursor?.field] : []);
      if (!declaration.cursor?.field) expect(top['forced-replication-method']).toBe('FULL_TABLE');
      const fields = entry.metadata.filter((m: any) => m.breadcrumb[0] === 'properties').map((m: any) => m.breadcrumb[1]);
      expect(fields).toEqual(Object.keys(entry.schema.properties));
    }
    const bare = await runCli(['--config', config, '--discover'], { text: true });
    expect(bare.code).toBe(0);
    expect(JSON.parse(bare.stdout)).toEqual(catalog);
  });

  it('a read prints valid SCHEMA, RECORD and STATE messages, a SCHEMA for every stream before its records', () => {
    expect(first.code, first.stderr).toBe(0);
    expect([...first.schemas.keys()].sort()).toEqual(STREAMS.map((s) => s.name).sort());
    for (const declaration of STREAMS) {
      const schema = first.schemas.get(declaration.name)!;
      expect(schema.key_properties).toEqual(declaration.primaryKey.map((p) => p[0]));
      expect(schema.bookmark_properties).toEqual(declaration.cursor?.field ? [declaration.cursor?.field] : []);
      const keys = (first.records.get(declaration.name) ?? []).map((r) => keyOf(declaration.primaryKey, r));
      expect(new Set(keys).size, declaration.name).toBe(keys.length);
    }
    expect(first.records.get('devices')).toHaveLength(300);
    expect(first.records.get('device_details')).toHaveLength(300);
    // People's lines stay on stderr: the summary is there, stdout had nothing else (checked above).
    expect(first.stderr).toMatch(/INFO \d+ records in/);
  });

  it('reads exactly the records an Airbyte read of the same tenant returns', async () => {
    const airbyte = await run(['read', '--config', config, '--catalog', catalogFile('incremental')]);
    expect(airbyte.code).toBe(0);
    for (const declaration of STREAMS) {
      const keys = (records: Record<string, unknown>[] | undefined) =>
        new Set((records ?? []).map((r) => keyOf(declaration.primaryKey, r)));
      expect(keys(first.records.get(declaration.name)), declaration.name).toEqual(keys(airbyte.records.get(declaration.name)));
    }
  });

  it('STATE carries every stream’s bookmark, its cursor under the cursor field in the records’ format', () => {
    const last = first.states.at(-1)!;
    expect(Object.keys(last.bookmarks).sort()).toEqual(STREAMS.map((s) => s.name).sort());
    for (const name of incremental) {
      const cursor = STREAMS.find((s) => s.name === name)!.cursor!.field;
      expect(last.bookmarks[name][cursor], name).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$/);
    }
    // Each STATE holds the bookmarks of everything read so far: they only grow.
    for (let i = 1; i < first.states.length; i++)
      expect(Object.keys(first.states[i]!.bookmarks).length).toBeGreaterThanOrEqual(Object.keys(first.states[i - 1]!.bookmarks).length);
  });

  it('the last STATE value given back with --state (as Meltano calls it) reads nothing new on an unchanged tenant', async () => {
    const last = first.states.at(-1)!;
    const second = await singer(['--config', config, '--state', tempFile('state.json', last)]);
    expect(second.code, second.stderr).toBe(0);
    for (const name of incremental) expect(second.records.get(name)?.length ?? 0, name).toBe(0);
    expect(second.records.get('devices')).toHaveLength(300);
    expect(second.states.at(-1)!.bookmarks).toEqual(last.bookmarks);
    // A whole STATE message and Airbyte's array of STREAM states are accepted as well.
    const message = await singer([
      'read',
      '--protocol',
      'singer',
      '--config',
      config,
      '--catalog',
      catalogFile('incremental', ['audit_events']),
      '--state',
      tempFile('state.json', { type: 'STATE', value: last }),
    ]);
    expect(message.records.get('audit_events')?.length ?? 0).toBe(0);
  });

  it('bookmarks of streams not read this time are carried forward', async () => {
    const last = first.states.at(-1)!;
    const out = await singer([
      'read',
      '--protocol',
      'singer',
      '--config',
      config,
      '--catalog',
      catalogFile('incremental', ['tags']),
      '--state',
      tempFile('state.json', last),
    ]);
    expect(out.code).toBe(0);
    expect([...out.schemas.keys()]).toEqual(['tags']);
    expect(out.states.at(-1)!.bookmarks).toEqual(last.bookmarks);
  });

  it('honours a Singer catalog’s selections: streams, fields, and replication-method', async () => {
    const discovered = JSON.parse((await runCli(['--config', config, '--discover'], { text: true })).stdout);
    for (const entry of discovered.streams) {
      const top = entry.metadata.find((m: any) => m.breadcrumb.length === 0).metadata;
      top.selected = ['devices', 'audit_events'].includes(entry.tap_stream_id);
      if (entry.tap_stream_id === 'audit_events') top['replication-method'] = 'FULL_TABLE';
      if (entry.tap_stream_id === 'devices') {
        for (const m of entry.metadata)
          if (m.breadcrumb[1] === 'serial_number' || m.breadcrumb[1] === 'device_id') m.metadata.selected = false;
      }
    }
    const out = await singer([
      '--config',
      config,
      '--catalog',
      tempFile('catalog.json', discovered),
      '--state',
      tempFile('state.json', first.states.at(-1)),
    ]);
    expect(out.code, out.stderr).toBe(0);
    expect([...out.schemas.keys()].sort()).toEqual(['audit_events', 'devices']);
    // FULL_TABLE ignores the bookmark: the whole audit log again.
    expect(out.records.get('audit_events')).toHaveLength(first.records.get('audit_events')!.length);
    expect(out.schemas.get('audit_events')!.bookmark_properties).toEqual([]);
    // A deselected field is gone from schema and records; the key (inclusion: automatic) stays.
    expect(out.schemas.get('devices')!.schema.properties).not.toHaveProperty('serial_number');
    const device = out.records.get('devices')![0]!;
    expect(device).not.toHaveProperty('serial_number');
    expect(device).toHaveProperty('device_id');
  });

  it('a failure exits non-zero, with the error on stderr and nothing but Singer messages on stdout', async () => {
    const bad = await runCli(['read', '--protocol', 'singer', '--config', tempFile('c.json', { api_url: sim().url })]);
    expect(bad.code).toBe(1);
    expect(bad.stdout).toBe('');
    expect(bad.stderr).toMatch(/ERROR The configuration is invalid: .*api_token/);

    const badState = await runCli(['--config', config, '--state', tempFile('s.json', { bookmarks: [] })]);
    expect(badState.code).toBe(1);
    expect(badState.stderr).toMatch(/no "bookmarks" object/);

    const token = sim().addToken(['Device list', 'Tags']);
    const partial = await singer([
      'read',
      '--protocol',
      'singer',
      '--config',
      configFile(sim(), { api_token: token }),
      '--catalog',
      catalogFile('full_refresh', ['tags', 'users']),
    ]);
    expect(partial.code).toBe(1);
    expect(partial.records.get('tags')).toHaveLength(12);
    expect(partial.stderr).toMatch(/ERROR users: .*enable "Users"/);
  });

  it('never prints the token', () => {
    expectNoToken(sim().token);
    for (const out of [first.stdout, first.stderr]) expect(out).not.toContain(sim().token);
  });
});
