/**
 * HTTPS_PROXY and NO_PROXY. A CONNECT proxy written here, on loopback, stands between the connector and the API;
 * it records everything it is asked and every byte it carries. The API is the simulator behind a TLS front with a
 * test certificate for acme.api.kandji.io (test/fixtures/tls/), which the connector trusts via NODE_EXTRA_CA_CERTS:
 * the proxy "resolves" acme.api.kandji.io to that front, so no outside DNS is needed, as behind a corporate proxy.
 *
 * What a proxy can see: for an https target only the CONNECT line (host and port) and TLS bytes, so the token must
 * not appear in anything it recorded. A plain-http target would be readable by the proxy; the only such target is
 * the simulator on loopback, which the connector never sends through a proxy.
 */
import { readFileSync } from 'node:fs';
import { createServer as createHttpServer, type Server } from 'node:http';
import { connect, type AddressInfo, type Server as NetServer, type Socket } from 'node:net';
import { createServer as createTlsServer } from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KandjiClient } from '../../core/http/client.ts';
import { startSimulator, type Simulator } from '../../simulator/server.ts';
import { REPO, runCli, tempFile } from '../support/cli.ts';
import { catalogFile } from '../support/connector.ts';

const CERT = `${REPO}/test/fixtures/tls/cert.pem`;
const KEY = `${REPO}/test/fixtures/tls/key.pem`;

interface Proxy {
  url: string;
  /** CONNECT targets, and the absolute-form URLs of plain requests, in order. */
  asked: string[];
  /** Every byte the proxy received or carried, both directions. */
  bytes: Buffer[];
  close(): Promise<void>;
}

const port = (server: Server | NetServer) => (server.address() as AddressInfo).port;
const listen = (server: Server | NetServer) => new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
const close = (server: Server | NetServer) => new Promise((r) => server.close(r));

/** A CONNECT proxy that sends every tunnel to `upstreamPort` on loopback, whatever host it was asked for. */
async function startProxy(upstreamPort: number): Promise<Proxy> {
  const asked: string[] = [];
  const bytes: Buffer[] = [];
  const sockets = new Set<Socket>();
  const server = createHttpServer((req, res) => {
    // A plain request through the proxy (absolute form): the proxy would see all of it, headers included.
    asked.push(`${req.method} ${req.url}`);
    bytes.push(Buffer.from(JSON.stringify(req.headers)));
    res.writeHead(502).end();
  });
  server.on('connect', (req, client: Socket, head: Buffer) => {
    asked.push(`CONNECT ${req.url}`);
    bytes.push(Buffer.from(JSON.stringify(req.headers)), head);
    const upstream = connect(upstreamPort, '127.0.0.1', () => {
      client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
      upstream.write(head);
      client.on('data', (chunk: Buffer) => bytes.push(chunk));
      upstream.on('data', (chunk: Buffer) => bytes.push(chunk));
      client.pipe(upstream).pipe(client);
    });
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.on('error', () => s.destroy());
      s.on('close', () => sockets.delete(s));
    }
  });
  await listen(server);
  return {
    url: `http://127.0.0.1:${port(server)}`,
    asked,
    bytes,
    close: async () => {
      for (const s of sockets) s.destroy();
      await close(server);
    },
  };
}

/** TLS in front of the simulator, with the test certificate for acme.api.kandji.io. */
async function startTlsFront(simPort: number): Promise<NetServer> {
  const server = createTlsServer({ cert: readFileSync(CERT), key: readFileSync(KEY) }, (tls) => {
    const plain = connect(simPort, '127.0.0.1');
    tls.pipe(plain).pipe(tls);
    tls.on('error', () => plain.destroy());
    plain.on('error', () => tls.destroy());
  });
  await listen(server);
  return server;
}

describe('HTTPS_PROXY', () => {
  let sim: Simulator;
  let front: NetServer;
  let proxy: Proxy;

  beforeAll(async () => {
    sim = await startSimulator({ devices: 20, seed: 21, keepLog: false });
    front = await startTlsFront(Number(new URL(sim.url).port));
    proxy = await startProxy(port(front));
  });
  afterAll(async () => {
    await proxy.close();
    await close(front);
    await sim.close();
  });

  it('reads https://acme.api.kandji.io through a CONNECT tunnel: the proxy sees the host, never the token', async () => {
    const config = tempFile('config.json', { api_url: 'acme.api.kandji.io', api_token: sim.token, request_timeout_seconds: 5 });
    const out = await runCli(['read', '--config', config, '--catalog', catalogFile('full_refresh', ['tags', 'devices'])], {
      env: { HTTPS_PROXY: proxy.url, NO_PROXY: 'example.com', NODE_EXTRA_CA_CERTS: CERT },
    });
    expect(out.code, out.stderr).toBe(0);
    expect(out.recordCounts.get('tags')).toBe(12);
    expect(out.recordCounts.get('devices')).toBe(20);
    expect(sim.stats().requests).toBe(2);
    expect(new Set(proxy.asked)).toEqual(new Set(['CONNECT acme.api.kandji.io:443']));
    const seen = Buffer.concat(proxy.bytes);
    expect(seen.length).toBeGreaterThan(1000);
    for (const form of [sim.token, Buffer.from(sim.token).toString('base64'), 'authorization', 'Bearer'])
      expect(seen.includes(Buffer.from(form)), form).toBe(false);
    expect(out.stdout + out.stderr).not.toContain(sim.token);
  });

  it('never sends a loopback api_url (the simulator over plain http) through the proxy', async () => {
    const before = proxy.asked.length;
    const config = tempFile('config.json', { api_url: sim.url, api_token: sim.token });
    const out = await runCli(['read', '--config', config, '--catalog', catalogFile('full_refresh', ['tags'])], {
      env: { HTTP_PROXY: proxy.url, http_proxy: proxy.url, HTTPS_PROXY: proxy.url },
    });
    expect(out.code, out.stderr).toBe(0);
    expect(out.recordCounts.get('tags')).toBe(12);
    expect(proxy.asked.length).toBe(before);
  });

  it('goes direct for a host NO_PROXY names (lower case too), and through the proxy otherwise', async () => {
    const meta = { stream: 'check', endpoint: 'GET /tags' };
    const attempt = async (env: Record<string, string>) => {
      const client = new KandjiClient({
        baseUrl: 'https://acme.api.kandji.invalid',
        token: sim.token,
        maxConcurrency: 1,
        requestTimeoutMs: 2000,
        requestBudgetShare: 1,
        maxAttempts: 1,
        env,
        resolves: async () => false,
      });
      const error = (await client.get('/tags', {}, meta).catch((e: unknown) => e)) as Error;
      await client.close();
      return { error, proxy: client.proxy };
    };
    const before = proxy.asked.length;
    const direct = await attempt({ https_proxy: proxy.url, no_proxy: '.kandji.invalid' });
    expect(direct.proxy).toBeUndefined();
    // Direct, the name does not resolve here: the DNS row of the error table, not the proxy's.
    expect(direct.error.message).toMatch(/Could not look up acme\.api\.kandji\.invalid/);
    expect(proxy.asked.length).toBe(before);
    const proxied = await attempt({ HTTPS_PROXY: proxy.url, NO_PROXY: 'kandji.io' });
    expect(proxied.proxy).toBe(new URL(proxy.url).host);
    expect(proxy.asked.slice(before)).toEqual(['CONNECT acme.api.kandji.invalid:443']);
    // The tunnel leads to the TLS front, whose certificate is for acme.api.kandji.io: refused, and said with the proxy.
    expect(proxied.error.message).toMatch(
      /TLS certificate of acme\.api\.kandji\.invalid through the proxy 127\.0\.0\.1:\d+ could not be verified/,
    );
  });
});
