/**
 * Security (issue 6):
 *
 * - the token goes only to the configured Kandji host: `next` links pointing elsewhere are rebuilt on it, links
 *   outside the API are refused, redirects are not followed — proved with a second local server, standing for a
 *   foreign host, that records every request it gets (it must get none);
 * - the token never shows in any output, even when the API echoes the Authorization header back in an error body
 *   (every run here is scanned for it by test/support/connector.ts, stdout and stderr, plain, Bearer and base64);
 * - plain http is refused except to loopback;
 * - device secrets (FileVault keys, bypass codes, unlock PINs, recovery passwords) are never requested;
 * - the lockfile is committed and the runtime dependencies have no high or critical advisory.
 */
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KandjiClient } from '../../core/http/client.ts';
import { PERMISSION_NAMES as PERMISSIONS } from '../../core/permissions.ts';
import { startSimulator, type Simulator, type SimulatorOptions } from '../../simulator/server.ts';
import { STREAMS } from '../../streams/index.ts';
import { REPO } from '../support/cli.ts';
import { catalogFile, configFile, expectNoToken, keyOf, run } from '../support/connector.ts';
import { get } from '../support/simulator.ts';

const exec = promisify(execFile);
const limits = { perSecond: 100_000, perHour: 10_000_000 };
/**
 * A sample of the streams that page by the `next` links the API writes, chosen so that the second pages followed are
 * exactly the ones asserted below (audit log, custom profiles, custom scripts). A test input like a catalog, not a list
 * of the streams that follow links: those are in the declarations, and a new one would add its own second pages.
 */
const LINKED = ['blueprints', 'library_items', 'users', 'audit_events', 'tags'];

/** A server standing for any host other than the configured one: it answers 200 and remembers every request. */
async function foreignHost(): Promise<{
  url: string;
  requests: { url: string; authorization: string | undefined }[];
  close: () => Promise<void>;
}> {
  const requests: { url: string; authorization: string | undefined }[] = [];
  const server: Server = createServer((req: IncomingMessage, res) => {
    requests.push({ url: req.url ?? '', authorization: req.headers.authorization });
    res.writeHead(200, { 'Content-Type': 'application/json' });
    res.end('{"results":[],"next":null}');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

const sims: Simulator[] = [];
async function simulator(options: Partial<SimulatorOptions> = {}): Promise<Simulator> {
  const sim = await startSimulator({ devices: 200, seed: 404, rateLimit: limits, keepLog: true, ...options });
  sims.push(sim);
  return sim;
}

let foreign: Awaited<ReturnType<typeof foreignHost>>;
beforeAll(async () => {
  foreign = await foreignHost();
});
afterAll(async () => {
  // Nothing, from any scenario of this file, reached the foreign host.
  expect(foreign.requests).toEqual([]);
  for (const sim of sims) expectNoToken(sim.token);
  await Promise.all([foreign.close(), ...sims.map((s) => s.close())]);
});

describe('the token goes only to the configured host', () => {
  it('next links on another host are rebuilt on the configured host: same records, no request elsewhere', async () => {
    const clean = await simulator();
    const linked = await simulator({ linkOrigin: foreign.url });
    // The simulator really points its links at the foreign host.
    const page = await get(linked, '/api/v1/library/custom-profiles');
    expect(String(page.body.next)).toMatch(new RegExp(`^${foreign.url}/api/v1/library/custom-profiles\\?`));
    const catalog = catalogFile('full_refresh', LINKED);
    const [want, got] = await Promise.all([
      run(['read', '--config', configFile(clean), '--catalog', catalog]),
      run(['read', '--config', configFile(linked), '--catalog', catalog]),
    ]);
    expect(got.code, got.stderr).toBe(0);
    for (const name of LINKED) {
      const declaration = STREAMS.find((s) => s.name === name) as (typeof STREAMS)[number];
      const keys = (out: typeof got) => (out.records.get(name) ?? []).map((r) => keyOf(declaration.primaryKey, r)).sort();
      expect(keys(got), name).toEqual(keys(want));
    }
    // Second pages were followed (audit log, custom profiles, custom scripts), every one of them on the simulator.
    const followed = linked.log.filter((e) => e.url.includes('cursor=') || e.url.includes('page=')).map((e) => e.endpoint);
    expect(new Set(followed)).toEqual(new Set(['GET /audit/events', 'GET /library/custom-profiles', 'GET /library/custom-scripts']));
    expect(foreign.requests).toEqual([]);
  });

  it('the client sends a link on any host to the configured origin, and refuses a link outside the API', async () => {
    const sim = await simulator();
    const client = new KandjiClient({
      baseUrl: sim.url,
      token: sim.token,
      maxConcurrency: 1,
      requestTimeoutMs: 2_000,
      requestBudgetShare: 1,
      maxAttempts: 1,
    });
    const meta = { stream: 'tags', endpoint: 'GET /tags' };
    try {
      for (const link of [`${foreign.url}/api/v1/tags`, `https://evil.example/api/v1/tags?x=1`, `http://acme.kandji.io/api/v1/tags`]) {
        const body = await client.get<{ results: unknown[] }>(link, {}, meta);
        expect(body.results.length, link).toBeGreaterThan(0);
      }
      await expect(client.get(`${foreign.url}/collect?steal=1`, {}, meta)).rejects.toThrow(/outside the API/);
    } finally {
      await client.close();
    }
    expect(sim.log.filter((e) => e.url.startsWith('/api/v1/tags'))).toHaveLength(3);
    expect(foreign.requests).toEqual([]);
  });

  it.each([301, 302, 307, 308] as const)(
    'a %i redirect to another host is not followed: the stream fails, the others complete',
    async (status) => {
      const sim = await simulator({ redirect: { paths: ['/api/v1/tags'], location: foreign.url, status } });
      const out = await run(['read', '--config', configFile(sim), '--catalog', catalogFile('full_refresh', ['tags', 'blueprints'])]);
      expect(out.code).toBe(1);
      expect(out.records.get('blueprints')?.length).toBeGreaterThan(0);
      expect(out.statuses.get('tags')?.at(-1)).toBe('INCOMPLETE');
      expect(out.errors).toHaveLength(1);
      expect(out.errors[0]).toMatchObject({ stream_descriptor: { name: 'tags' } });
      expect(out.errors[0].message).toMatch(/redirect \(HTTP 30\d\); the connector does not follow redirects/);
      expect(foreign.requests).toEqual([]);
    },
  );

  it('refuses plain http to anything but loopback, before any request', async () => {
    const sim = await simulator();
    const check = await run(['check', '--config', configFile(sim, { api_url: 'http://acme.api.kandji.io' })]);
    expect(check.code).toBe(0);
    expect(check.messages[0].connectionStatus).toMatchObject({ status: 'FAILED' });
    expect(check.messages[0].connectionStatus.message).toMatch(/plain http is only allowed to loopback.*https:\/\/acme\.api\.kandji\.io/);
    const read = await run([
      'read',
      '--config',
      configFile(sim, { api_url: 'http://acme.api.eu.kandji.io/api/v1' }),
      '--catalog',
      catalogFile('full_refresh', ['tags']),
    ]);
    expect(read.code).toBe(1);
    expect(read.errors[0]).toMatchObject({ failure_type: 'config_error' });
    expect(read.errors[0].message).toMatch(/plain http is only allowed to loopback/);
  });
});

describe('the token is redacted even when the API echoes it back', () => {
  it('a 400 whose body quotes the Authorization header: message and internal_message show it masked', async () => {
    const sim = await simulator({ reflectAuthorization: { status: 400, paths: ['/api/v1/tags'] } });
    // The simulator does echo it (plain and base64), so the redaction below has something to do.
    const echoed = await get(sim, '/api/v1/tags');
    expect(echoed.text).toContain(sim.token);
    expect(echoed.text).toContain(Buffer.from(`Bearer ${sim.token}`).toString('base64'));
    const out = await run(['read', '--config', configFile(sim), '--catalog', catalogFile('full_refresh', ['tags', 'blueprints'])]);
    expect(out.code).toBe(1);
    expect(out.errors).toHaveLength(1);
    const error = out.errors[0];
    expect(error.message).toContain('Authorization: Bearer **********');
    expect(error.internal_message).toContain('Bearer **********');
    expect(error.stack_trace).toBeUndefined();
    // run() already failed the test had any form of the token reached stdout or stderr.
  });

  it('a 401 whose body quotes it: check fails with a masked message', async () => {
    const sim = await simulator({ reflectAuthorization: { status: 401, paths: ['/api/v1/devices'] } });
    const out = await run(['check', '--config', configFile(sim)]);
    expect(out.code).toBe(0);
    expect(out.messages[0].connectionStatus.status).toBe('FAILED');
    expect(JSON.stringify(out.messages)).not.toContain(sim.token);
  });
});

describe('device secrets are never read', () => {
  it('a full read, per-device apps included, asks for no /secrets/ path, and needs no "Device secrets" permission', async () => {
    const sim = await simulator();
    const token = sim.addToken(PERMISSIONS.filter((p) => p !== 'Device secrets'));
    const out = await run(
      [
        'read',
        '--config',
        configFile(sim, { api_token: token, device_apps_source: 'per_device' }),
        '--catalog',
        catalogFile('incremental'),
      ],
      { dropRecords: true },
    );
    expect(out.code, out.stderr).toBe(0);
    expect(out.recordCounts.get('device_apps')).toBeGreaterThan(0);
    expect(sim.log.filter((e) => e.endpoint.startsWith('GET /devices/{id}/')).length).toBeGreaterThan(300);
    expect(sim.log.filter((e) => /\/secrets(\/|$)/.test(e.url))).toEqual([]);
    expect(sim.log.filter((e) => e.status === 403)).toEqual([]);
    expectNoToken(token);
  });

  it('no source file names a secrets endpoint', async () => {
    const { stdout } = await exec(
      'git',
      [
        'grep',
        '-l',
        '-i',
        '-E',
        'secrets/|filevaultkey|bypasscode|unlockpin|recoverypassword',
        '--',
        'source',
        'streams',
        'catalog',
        'state',
      ],
      { cwd: REPO },
    ).catch((e: { stdout: string }) => e);
    expect(stdout.trim()).toBe('');
  });
});

describe('dependencies', () => {
  it('the lockfile is committed and agrees with package.json', async () => {
    const { stdout } = await exec('git', ['ls-files', 'package-lock.json'], { cwd: REPO });
    expect(stdout.trim()).toBe('package-lock.json');
    const pkg = JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8'));
    const lock = JSON.parse(readFileSync(join(REPO, 'package-lock.json'), 'utf8'));
    expect(lock.packages[''].dependencies ?? {}).toEqual(pkg.dependencies ?? {});
    expect(lock.packages[''].devDependencies ?? {}).toEqual(pkg.devDependencies ?? {});
    for (const name of Object.keys(pkg.dependencies ?? {})) expect(lock.packages[`node_modules/${name}`], name).toBeDefined();
  });

  it('npm audit finds no high or critical advisory in the runtime dependencies', async (ctx) => {
    // `npm audit` asks the registry; where the registry offers no audit endpoint (some mirrors) there is nothing to judge.
    const result = await exec('npm', ['audit', '--omit=dev', '--json'], { cwd: REPO, timeout: 60_000 }).catch((e: { stdout?: string }) => ({
      stdout: e.stdout ?? '',
    }));
    let report: { error?: unknown; metadata?: { vulnerabilities?: Record<string, number> } };
    try {
      report = JSON.parse(result.stdout);
    } catch {
      return ctx.skip('npm audit printed no report');
    }
    if (report.error || !report.metadata?.vulnerabilities)
      return ctx.skip(`the registry's audit endpoint is not available: ${JSON.stringify(report.error ?? {}).slice(0, 200)}`);
    expect({ high: report.metadata.vulnerabilities.high, critical: report.metadata.vulnerabilities.critical }).toEqual({
      high: 0,
      critical: 0,
    });
  }, 90_000);
});
