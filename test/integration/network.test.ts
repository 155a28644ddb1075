/**
 * The connector's network behaviour through the real CLI against the simulator: a refused token stops the read
 * after very few requests with one error, a URL without its scheme is named as such, a timeout names its option,
 * `--log-level debug` shows every request and never the token, the JSON summary has fields, and a budget stop is
 * said once with the gateway's reset time.
 *
 * Every line is validated against the protocol, and every output scanned for the simulators' tokens (support/connector.ts).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSimulator, type Simulator } from '../../simulator/server.ts';
import { STREAMS } from '../../streams/index.ts';
import { tempFile, type CliRun } from '../support/cli.ts';
import { catalogFile, forbidToken, run } from '../support/connector.ts';

const HOUR = 3_600_000;

function config(sim: Simulator, overrides: Record<string, unknown> = {}): string {
  return tempFile('config.json', {
    api_url: sim.url,
    api_token: sim.token,
    request_timeout_seconds: 5,
    request_budget_share: 1,
    ...overrides,
  });
}

const errors = (out: CliRun) => out.messages.filter((m) => m.type === 'TRACE' && m.trace.type === 'ERROR').map((m) => m.trace.error);
const lastStatuses = (out: CliRun) => {
  const last = new Map<string, string>();
  for (const m of out.messages)
    if (m.type === 'TRACE' && m.trace.type === 'STREAM_STATUS')
      last.set(m.trace.stream_status.stream_descriptor.name, m.trace.stream_status.status);
  return last;
};
/** Every output of a run, for the token scan. */
const printed = (out: CliRun) => out.stdout + out.stderr;

describe('network behaviour', () => {
  let sim: Simulator;
  const all = catalogFile('full_refresh');

  beforeAll(async () => {
    sim = await startSimulator({ devices: 30, seed: 11, keepLog: false });
    forbidToken(sim.token);
  });
  afterAll(async () => {
    await sim.close();
  });

  it('a refused token: one TRACE config_error naming api_token, every stream INCOMPLETE, very few requests', async () => {
    const bad = '11111111-2222-4333-8444-555555555555';
    forbidToken(bad);
    sim.resetStats();
    const out = await run(['read', '--config', config(sim, { api_token: bad }), '--catalog', all]);
    expect(out.code).toBe(1);
    const traces = errors(out);
    expect(traces).toHaveLength(1);
    expect(traces[0]).toMatchObject({ failure_type: 'config_error' });
    expect(traces[0].message).toMatch(/rejected the API token \(HTTP 401\).*api_token/);
    const statuses = lastStatuses(out);
    expect(statuses.size).toBe(STREAMS.length);
    for (const [stream, status] of statuses) expect(status, stream).toBe('INCOMPLETE');
    // At most the requests already in flight (max_concurrency, 4) when the first 401 came back, and one GET /devices.
    expect(sim.stats().requests).toBeLessThanOrEqual(5);
    expect(printed(out)).not.toContain(bad);
  });

  it('a token that is not a UUID is sent, with a warning, not refused before any request', async () => {
    const odd = 'kandji-token-of-another-shape-0123456789';
    forbidToken(odd);
    sim.resetStats();
    const out = await run(['read', '--config', config(sim, { api_token: odd }), '--catalog', catalogFile('full_refresh', ['tags'])]);
    const warnings = out.messages.filter((m) => m.type === 'LOG' && m.log.level === 'WARN').map((m) => m.log.message);
    expect(warnings.some((w) => /api_token is not shaped like a Kandji API token.*sent as given/.test(w))).toBe(true);
    // The tags page, and the GET /devices that tells a bad token from a missing permission: both 401.
    expect(sim.stats().requests).toBe(2);
    expect(errors(out).map((e) => e.failure_type)).toEqual(['config_error']);
    expect(printed(out)).not.toContain(odd);
  });

  it('a loopback api_url without its scheme is read as https: the message says the host speaks plain HTTP', async () => {
    const host = new URL(sim.url).host;
    const out = await run(['read', '--config', config(sim, { api_url: host }), '--catalog', catalogFile('full_refresh', ['tags'])]);
    expect(out.code).toBe(1);
    const traces = errors(out);
    expect(traces).toHaveLength(1);
    expect(traces[0]).toMatchObject({ failure_type: 'config_error' });
    expect(traces[0].message).toContain(`does not speak HTTPS`);
    expect(traces[0].message).toContain(`http://${host}`);
    expect(traces[0].message).not.toMatch(/having trouble/);
  });

  it('a request that times out names request_timeout_seconds', async () => {
    sim.setFaults({ stall: 1, stallMs: 3000 });
    try {
      const out = await run(['check', '--config', config(sim, { request_timeout_seconds: 1 })]);
      const status = out.messages.find((m) => m.type === 'CONNECTION_STATUS')?.connectionStatus;
      expect(status?.status).toBe('FAILED');
      expect(status?.message).toMatch(/within request_timeout_seconds \(1 s\).*raise request_timeout_seconds/);
    } finally {
      sim.setFaults({});
    }
  });

  it('--log-level debug logs every request: method, path, status, time; never the token', async () => {
    sim.resetStats();
    const out = await run([
      'read',
      '--config',
      config(sim),
      '--catalog',
      catalogFile('full_refresh', ['devices', 'tags']),
      '--log-level',
      'debug',
    ]);
    expect(out.code, out.stderr).toBe(0);
    const lines = out.stderr.split('\n').filter((l) => / DEBUG GET \/api\/v1\//.test(l));
    expect(lines.length).toBe(sim.stats().requests);
    expect(lines.some((l) => / DEBUG GET \/api\/v1\/tags → 200 in \d+ ms \(tags, attempt 1\)$/.test(l))).toBe(true);
    expect(printed(out)).not.toContain(sim.token);
    expect(printed(out)).not.toContain(Buffer.from(sim.token).toString('base64'));
    // check goes through the same client, and logs the same way.
    const check = await run(['check', '--config', config(sim), '--log-level', 'debug']);
    expect(check.stderr).toMatch(/ DEBUG GET \/api\/v1\/devices\?limit=1 → 200 in \d+ ms \(check, attempt 1\)/);
    expect(printed(check)).not.toContain(sim.token);
  });

  it('--log-format json: the summary is one line whose fields hold the figures', async () => {
    sim.resetStats();
    const out = await run([
      'read',
      '--config',
      config(sim),
      '--catalog',
      catalogFile('full_refresh', ['tags', 'blueprints']),
      '--log-format',
      'json',
    ]);
    expect(out.code, out.stderr).toBe(0);
    const lines = out.stderr
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    const summary = lines.find((l) => l.message === 'read summary');
    expect(summary).toMatchObject({
      level: 'info',
      records: 12 + (out.recordCounts.get('blueprints') ?? 0),
      requests: sim.stats().requests,
      retries: 0,
      throttled: 0,
      failed: false,
      streams: { tags: { status: 'complete', records: 12, requests: 1, retries: 0, throttled: 0 } },
    });
    expect(summary.streams.tags.waited_s).toBeTypeOf('number');
    // No text table besides it.
    expect(lines.filter((l) => /^stream\s+status/.test(l.message))).toEqual([]);
  });
});

describe('a 401 for a missing permission', () => {
  let sim: Simulator;

  beforeAll(async () => {
    // Kandji may answer a missing permission with 401, not 403 (docs/kandji-api.md §3): here every Prism request is refused so.
    sim = await startSimulator({ devices: 10, seed: 13, keepLog: false, reflectAuthorization: { status: 401, paths: ['/api/v1/prism'] } });
    forbidToken(sim.token);
  });
  afterAll(async () => {
    await sim.close();
  });

  it('as the first answer of a read: the token reads GET /devices, so only the stream fails, naming the permission', async () => {
    const out = await run(['read', '--config', config(sim), '--catalog', catalogFile('full_refresh', ['device_information'])]);
    expect(out.code).toBe(1);
    const traces = errors(out);
    expect(traces).toHaveLength(1);
    expect(traces[0]).toMatchObject({ failure_type: 'config_error', stream_descriptor: { name: 'device_information' } });
    expect(traces[0].message).toMatch(/not allowed to call GET \/prism\/device_information \(HTTP 401\).*enable "Prism"/);
    // The Prism page, and one GET /devices to tell a missing permission from a bad token.
    expect(sim.stats().byEndpoint).toMatchObject({ 'GET /devices': { requests: 1 }, 'GET /prism/{category}': { requests: 1 } });
    expect(printed(out)).not.toContain(sim.token);
  });
});

describe('a budget stop', () => {
  let sim: Simulator;

  beforeAll(async () => {
    // 300 devices need ~400 requests; half of a 120-an-hour tenant allows 60. The per-second limit stays the real 50, so
    // the gateway's RateLimit-* headers describe the second and never say when the hour resets.
    sim = await startSimulator({ devices: 300, seed: 12, keepLog: false, rateLimit: { perHour: 120 } });
    forbidToken(sim.token);
  });
  afterAll(async () => {
    await sim.close();
  });

  it("is said once, with the gateway's next whole hour, not once per stream an hour from now", async () => {
    const out = await run(['read', '--config', config(sim, { request_budget_share: 0.5 }), '--catalog', catalogFile('full_refresh')]);
    expect(out.code, out.stderr).toBe(0);
    const warnings = out.messages.filter((m) => m.type === 'LOG' && /run it again after/.test(m.log.message)).map((m) => m.log.message);
    expect(warnings).toHaveLength(1);
    const at = Date.parse(/after (\S+?) to continue/.exec(warnings[0])?.[1] ?? '');
    // The end of the hour window the read ended in (a read straddling the hour may name either); RateLimit-Reset
    // counts whole seconds, so a time learnt from it may be up to 1 s later.
    const hours = [Math.floor(out.startedAt / HOUR) + 1, Math.floor(out.endedAt / HOUR) + 1].map((h) => h * HOUR);
    const nearHour = (t: number) => hours.some((h) => t >= h && t <= h + 1000);
    expect(nearHour(at), new Date(at).toISOString()).toBe(true);
    const limited = out.messages.filter((m) => m.type === 'TRACE' && m.trace.stream_status?.reasons?.[0]?.type === 'RATE_LIMITED');
    expect(limited.length).toBeGreaterThan(1);
    for (const m of limited) expect(nearHour(m.trace.stream_status.reasons[0].rate_limited.quota_reset)).toBe(true);
  });
});
