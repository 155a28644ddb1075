/**
 * The HTTP client against small local servers: the parts of the error table that need a real exchange (the
 * server's wait headers, a DNS lookup that fails, a refused token) and the one queue for connections and rate.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { KandjiClient, type ClientOptions } from '../../core/http/client.ts';
import { TokenRejectedError } from '../../core/http/errors.ts';
import { Pacer } from '../../core/http/pacer.ts';
import { proxyFor } from '../../core/http/proxy.ts';
import { redact } from '../../core/redact.ts';

const TOKEN = '0f8fad5b-d9cb-469f-a165-70867728950e';
const servers: Server[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => new Promise((r) => s.close(r))));
});

async function serve(handler: (req: IncomingMessage, res: ServerResponse) => void): Promise<string> {
  const server = createServer(handler);
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

function client(baseUrl: string, options: Partial<ClientOptions> = {}): KandjiClient {
  return new KandjiClient({ baseUrl, token: TOKEN, maxConcurrency: 2, requestTimeoutMs: 2000, requestBudgetShare: 1, env: {}, ...options });
}

describe('KandjiClient', () => {
  it('reads an empty Retry-After as no wait: our backoff applies, not an immediate retry', async () => {
    let calls = 0;
    const url = await serve((_req, res) => {
      calls++;
      if (calls === 1) res.writeHead(429, { 'retry-after': '' }).end('{"message":"API rate limit exceeded"}');
      else res.writeHead(200, { 'content-type': 'application/json' }).end('[]');
    });
    const waits: number[] = [];
    const c = client(url, { retryBaseMs: 100, onRetry: (info) => waits.push(info.waitMs) });
    expect(await c.get('/devices', {}, { stream: 'devices', endpoint: 'GET /devices' })).toEqual([]);
    await c.close();
    expect(calls).toBe(2);
    expect(waits).toHaveLength(1);
    expect(waits[0]).toBeGreaterThan(0);
  });

  it("waits the server's Retry-After rather than its own backoff", async () => {
    let calls = 0;
    const url = await serve((_req, res) => {
      calls++;
      if (calls === 1) res.writeHead(503, { 'retry-after': '1' }).end();
      else res.writeHead(200).end('{}');
    });
    const waits: number[] = [];
    const c = client(url, { retryBaseMs: 1, onRetry: (info) => waits.push(info.waitMs) });
    await c.get('/blueprints', {}, { stream: 'blueprints', endpoint: 'GET /blueprints' });
    await c.close();
    expect(waits).toEqual([1000]);
  });

  it('after a 401 that nothing answered before, sends no further request', async () => {
    let calls = 0;
    const url = await serve((_req, res) => {
      calls++;
      res.writeHead(401, { 'www-authenticate': 'Bearer' }).end('{"detail":"Invalid token."}');
    });
    const c = client(url);
    const meta = { stream: 'devices', endpoint: 'GET /devices' };
    const first = await c.get('/devices', {}, meta).catch((e: unknown) => e);
    const second = await c.get('/tags', {}, meta).catch((e: unknown) => e);
    await c.close();
    expect(first).toBeInstanceOf(TokenRejectedError);
    expect(second).toBe(first);
    expect(calls).toBe(1);
  });

  it.each([
    [true, 'config_error', /does not exist.*kandji\.invalid resolves.*typo/],
    [false, 'transient_error', /Could not look up acme\.api\.kandji\.invalid, nor kandji\.invalid.*network may be down/],
  ])('a failed DNS lookup while the apex resolves: %s → %s', async (apexResolves, failureType, message) => {
    const asked: string[] = [];
    const c = client('https://acme.api.kandji.invalid', {
      resolves: async (host) => {
        asked.push(host);
        return apexResolves;
      },
    });
    const error = await c.get('/devices', {}, { stream: 'devices', endpoint: 'GET /devices' }).catch((e: unknown) => e);
    await c.close();
    expect(asked).toEqual(['kandji.invalid']);
    expect(error).toMatchObject({ failureType });
    expect((error as Error).message).toMatch(message);
  });
});

describe('proxyFor', () => {
  const origin = new URL('https://acme.api.kandji.io');

  it('takes HTTPS_PROXY in either case, lower case first, and NO_PROXY by host, domain, port or *', () => {
    expect(proxyFor(origin, { HTTPS_PROXY: 'http://upper:3128', https_proxy: 'http://lower:3128' })?.host).toBe('lower:3128');
    expect(proxyFor(origin, { HTTPS_PROXY: 'proxy.corp:8080' })?.uri).toBe('http://proxy.corp:8080/');
    for (const noProxy of ['acme.api.kandji.io', '.kandji.io', 'kandji.io', 'example.com, kandji.io', '*', 'kandji.io:443'])
      expect(proxyFor(origin, { HTTPS_PROXY: 'http://p:1', NO_PROXY: noProxy }), noProxy).toBeUndefined();
    for (const noProxy of ['andji.io', 'kandji.io:8443', 'eu.kandji.io'])
      expect(proxyFor(origin, { HTTPS_PROXY: 'http://p:1', NO_PROXY: noProxy }), noProxy).toBeDefined();
    // HTTP_PROXY is for http origins only.
    expect(proxyFor(origin, { HTTP_PROXY: 'http://p:1' })).toBeUndefined();
  });

  it("keeps the proxy's password out of every line the connector writes", () => {
    const choice = proxyFor(origin, { HTTPS_PROXY: 'http://me:s3cret-pass@proxy.corp:3128' });
    expect(choice?.host).toBe('proxy.corp:3128');
    expect(redact('connect failed: http://me:s3cret-pass@proxy.corp:3128')).not.toContain('s3cret-pass');
  });
});

describe('the one queue for connections and rate', () => {
  it('holds a request until a connection is released, then gives it to a chain before bulk', async () => {
    const pacer = new Pacer({ share: 1, perSecondLimit: 1_000_000, concurrency: 1 });
    await pacer.acquire();
    const order: string[] = [];
    const bulk = pacer.acquire('bulk').then(() => order.push('bulk'));
    const chain = pacer.acquire('chain').then(() => order.push('chain'));
    await new Promise((r) => setTimeout(r, 20));
    expect(order).toEqual([]);
    pacer.release();
    await chain;
    expect(order).toEqual(['chain']);
    pacer.release();
    await bulk;
    expect(order).toEqual(['chain', 'bulk']);
  });
});
