/**
 * The CLI as an orchestrator meets it: spec, check, discover and a full read against the simulated tenant, every
 * line validated against Airbyte's protocol schema; bad configuration, catalog and state files; the token in no
 * output at all.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { STREAMS } from '../../streams/index.ts';
import { REPO, tempFile } from '../support/cli.ts';
import { catalogFile, configFile, expectNoToken, keyOf, run, stateFile } from '../support/connector.ts';
import { get, useSimulator } from '../support/simulator.ts';

describe('source-kandji against the simulated tenant', () => {
  const sim = useSimulator({ devices: 600, seed: 11, rateLimit: { perSecond: 100_000, perHour: 1_000_000 } });
  afterAll(() => expectNoToken(sim().token));

  it('spec prints exactly one SPEC, the committed spec.json', async () => {
    const out = await run(['spec']);
    expect(out.code).toBe(0);
    expect(out.messages).toHaveLength(1);
    expect(out.messages[0].spec).toEqual(JSON.parse(readFileSync(join(REPO, 'spec.json'), 'utf8')));
  });

  it('check succeeds and says every stream is readable', async () => {
    const out = await run(['check', '--config', configFile(sim())]);
    expect(out.code).toBe(0);
    expect(out.messages).toHaveLength(1);
    expect(out.messages[0].connectionStatus.status).toBe('SUCCEEDED');
    expect(out.messages[0].connectionStatus.message).toContain(`can read ${STREAMS.length} of ${STREAMS.length} streams`);
  });

  it('check names the streams an under-permitted token cannot read and the permission each needs', async () => {
    const token = sim().addToken(['Device list', 'Device details', 'Device apps', 'Blueprints', 'Users', 'Tags', 'Library items']);
    const out = await run(['check', '--config', configFile(sim(), { api_token: token })]);
    expect(out.code).toBe(0);
    const status = out.messages[0].connectionStatus;
    expect(status.status).toBe('SUCCEEDED');
    expect(status.message).toContain('audit_events (needs "Audit log")');
    const prism = STREAMS.filter((s) => s.permission === 'Prism' && !s.fallback).map((s) => s.name);
    expect(status.message).toContain(`${prism.join(', ')} (needs "Prism")`);
    expect(status.message).toContain('device_apps will be read per device');
    expect(status.message).not.toMatch(/device_apps[^;]*needs/);
  });

  it('check fails with exit 0 and says what to fix', async () => {
    const cases: [Record<string, unknown>, RegExp][] = [
      [{ api_token: '00000000-0000-4000-8000-000000000000' }, /rejected the API token \(HTTP 401\)/],
      [{ api_token: sim().addToken(['Prism']) }, /lacks the "Device list" permission/],
      [{ api_url: 'http://127.0.0.1:1' }, /Could not get an answer from 127\.0\.0\.1:1/],
      [{ api_url: 'acme.kandji.io' }, /web app, not the API/],
    ];
    for (const [overrides, pattern] of cases) {
      const out = await run(['check', '--config', configFile(sim(), overrides)]);
      expect(out.code, JSON.stringify(overrides)).toBe(0);
      expect(out.messages).toHaveLength(1);
      expect(out.messages[0].connectionStatus.status).toBe('FAILED');
      expect(out.messages[0].connectionStatus.message).toMatch(pattern);
    }
  });

  it('discover prints one catalog with every stream', async () => {
    const out = await run(['discover', '--config', configFile(sim())]);
    expect(out.code).toBe(0);
    expect(out.messages).toHaveLength(1);
    expect(out.messages[0].catalog.streams.map((s: { name: string }) => s.name)).toEqual(STREAMS.map((s) => s.name));
  });

  it('a full read returns exactly the tenant’s data, with unique keys, honest counts and ordered statuses', async () => {
    const out = await run(['read', '--config', configFile(sim()), '--catalog', catalogFile('full_refresh')]);
    expect(out.code, out.stderr).toBe(0);
    expect(out.errors).toEqual([]);
    const tenant = sim().tenant;
    const count = async (category: string) => (await get(sim(), `/api/v1/prism/count?category=${category}`)).body.count as number;
    const expected: Record<string, number> = {
      devices: tenant.liveDevices,
      device_details: tenant.liveDevices,
      users: tenant.userCount,
      blueprints: 11,
      library_items: 55,
      tags: 12,
    };
    for (const s of STREAMS) if (s.plan.kind === 'prism') expected[s.name] = await count(s.plan.category);
    for (const [stream, n] of Object.entries(expected)) expect(out.records.get(stream)?.length ?? 0, stream).toBe(n);
    expect(new Set(out.records.get('devices')?.map((d) => d.device_id))).toEqual(
      new Set([...tenant.deviceIndices()].map((i) => tenant.deviceId(i))),
    );
    expect(out.records.get('audit_events')?.length).toBeGreaterThan(0);

    for (const declaration of STREAMS) {
      const records = out.records.get(declaration.name) ?? [];
      expect(new Set(records.map((r) => keyOf(declaration.primaryKey, r))).size, `${declaration.name} keys unique`).toBe(records.length);
      const counted = out.states
        .filter((s) => s.stream.stream_descriptor.name === declaration.name)
        .reduce((n, s) => n + s.sourceStats.recordCount, 0);
      expect(counted, `${declaration.name} recordCount`).toBe(records.length);
      const statuses = out.statuses.get(declaration.name) ?? [];
      expect(statuses[0]).toBe('STARTED');
      expect(statuses.at(-1)).toBe('COMPLETE');
      expect(statuses.slice(1, -1).every((s) => s === 'RUNNING')).toBe(true);
    }
    // The summary goes to stderr, never stdout.
    expect(out.stderr).toMatch(/device_details\s+complete\s+600\s+600/);
  });

  it('normalises the API’s quirks and keeps unknown fields', async () => {
    const out = await run(['read', '--config', configFile(sim()), '--catalog', catalogFile('full_refresh', ['devices', 'device_details'])]);
    const devices = out.records.get('devices') ?? [];
    const unassigned = devices.find((d) => d.user === null);
    expect(unassigned, 'a device with user "" becomes user null').toBeDefined();
    for (const d of devices) {
      expect(d.last_check_in).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$/);
      expect(d.first_enrollment).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$/);
    }
    const api = (await get(sim(), '/api/v1/devices?limit=300')).body as Record<string, unknown>[];
    const extra = api.find((d) => 'external_token' in d);
    if (extra) expect(devices.find((d) => d.device_id === extra.device_id)).toHaveProperty('external_token');
    const mac = (out.records.get('device_details') ?? []).find((d: any) => d.general?.platform === 'Mac') as any;
    expect(typeof mac.mdm.mdm_enabled).toBe('boolean');
    expect(typeof mac.kandji_agent.agent_installed).toBe('boolean');
    expect(mac.volumes[0].capacity_bytes).toBeGreaterThan(1e9);
    expect(mac.volumes[0].percent_used_number).toBe(Number(String(mac.volumes[0].percent_used).replace('%', '')));
    expect(mac.hardware_overview.number_of_processors).toBe(1);
    const tv = (out.records.get('device_details') ?? []).find((d: any) => d.general?.platform === 'AppleTV') as any;
    expect(tv.network).toBeNull();
  });

  it('refuses bad input with a config error and exit 1, never a stack trace', async () => {
    const config = configFile(sim());
    const catalog = catalogFile('full_refresh', ['tags']);
    const cases: [string[], RegExp][] = [
      [['read', '--config', tempFile('c.json', '{"api_url": '), '--catalog', catalog], /not valid JSON/],
      [['read', '--config', tempFile('c.json', ''), '--catalog', catalog], /is empty/],
      [['read', '--config', tempFile('c.json', []), '--catalog', catalog], /not a JSON object/],
      [['read', '--config', config, '--catalog', tempFile('cat.json', { streams: 'all' })], /no "streams" list/],
      [['read', '--config', config, '--catalog', REPO], /is a directory/],
      [['read', '--config', config, '--catalog', catalog, '--state', tempFile('s.json', { devices: { cursor: 1 } })], /legacy/],
      [['read', '--config', config, '--catalog', catalog, '--state', tempFile('s.json', '[{')], /state file .* not valid JSON/],
      [['discover', '--config', tempFile('c.json', { api_url: sim().url })], /api_token/],
    ];
    for (const [args, pattern] of cases) {
      const out = await run(args);
      expect(out.code, args.join(' ')).toBe(1);
      const traces = out.messages.filter((m) => m.type === 'TRACE' && m.trace.type === 'ERROR');
      expect(traces).toHaveLength(1);
      expect(traces[0].trace.error.failure_type).toBe('config_error');
      expect(traces[0].trace.error.message).toMatch(pattern);
      expect(traces[0].trace.error.stack_trace).toBeUndefined();
    }
  });

  it('reports a catalog stream it does not have with a TRACE error and still reads the others', async () => {
    const catalog = tempFile('cat.json', {
      streams: [
        {
          stream: { name: '__AIRBYTE__stream_that_does_not_exist', json_schema: {}, supported_sync_modes: ['full_refresh'] },
          sync_mode: 'INVALID',
          destination_sync_mode: 'INVALID',
        },
        {
          stream: { name: 'tags', json_schema: {}, supported_sync_modes: ['full_refresh'] },
          sync_mode: 'full_refresh',
          destination_sync_mode: 'append',
        },
      ],
    });
    const out = await run(['read', '--config', configFile(sim()), '--catalog', catalog]);
    expect(out.code).toBe(1);
    expect(out.errors).toHaveLength(1);
    expect(out.errors[0].failure_type).toBe('config_error');
    expect(out.statuses.get('__AIRBYTE__stream_that_does_not_exist')).toEqual(['STARTED', 'INCOMPLETE']);
    expect(out.records.get('tags')).toHaveLength(12);
  });

  it('usage mistakes exit 2 with the usage on stderr and nothing on stdout', async () => {
    const out = await run(['read', '--config', configFile(sim())]);
    expect(out.code).toBe(2);
    expect(out.stdout).toBe('');
    expect(out.stderr).toMatch(/required option '--catalog <file>'/);
  });

  it('a stream the token may not read fails alone, with the permission named, and the read exits 1', async () => {
    const token = sim().addToken(['Device list', 'Tags']);
    const out = await run([
      'read',
      '--config',
      configFile(sim(), { api_token: token }),
      '--catalog',
      catalogFile('full_refresh', ['tags', 'users']),
    ]);
    expect(out.code).toBe(1);
    expect(out.records.get('tags')).toHaveLength(12);
    expect(out.statuses.get('users')).toEqual(['STARTED', 'INCOMPLETE']);
    expect(out.errors).toHaveLength(1);
    expect(out.errors[0]).toMatchObject({ failure_type: 'config_error', stream_descriptor: { name: 'users' } });
    expect(out.errors[0].message).toContain('enable "Users"');
  });

  it('reads device_apps per device when the token lacks Prism, with a warning', async () => {
    const token = sim().addToken(['Device list', 'Device apps']);
    const out = await run([
      'read',
      '--config',
      configFile(sim(), { api_token: token }),
      '--catalog',
      catalogFile('full_refresh', ['device_apps']),
    ]);
    expect(out.code, out.stderr).toBe(0);
    const withPrism = await run(['read', '--config', configFile(sim()), '--catalog', catalogFile('full_refresh', ['device_apps'])]);
    const key = (r: Record<string, unknown>) => `${r.device_id}|${r.bundle_id}`;
    expect(new Set(out.records.get('device_apps')?.map(key))).toEqual(new Set(withPrism.records.get('device_apps')?.map(key)));
    expect(out.messages.some((m) => m.type === 'LOG' && /Falling back to GET \/devices\/\{id\}\/apps/.test(m.log.message))).toBe(true);
  });

  it('a far-future state reads no incremental record and still emits state', async () => {
    const future = '2099-01-01T00:00:00.000000Z';
    const states = STREAMS.filter((s) => s.cursor?.field).map((s) => ({
      type: 'STREAM',
      stream: { stream_descriptor: { name: s.name }, stream_state: { [s.cursor?.field as string]: future } },
    }));
    const names = STREAMS.filter((s) => s.cursor?.field).map((s) => s.name);
    const out = await run([
      'read',
      '--config',
      configFile(sim()),
      '--catalog',
      catalogFile('incremental', names),
      '--state',
      stateFile(states),
    ]);
    expect(out.code, out.stderr).toBe(0);
    expect([...out.records.values()].flat()).toEqual([]);
    for (const name of names)
      expect(
        out.finalState.some((s) => s.stream.stream_descriptor.name === name),
        name,
      ).toBe(true);
  });
});
