/**
 * The simulated Kandji tenant as a real HTTP server on loopback.
 *
 * A request passes the gateway the way it does at Kandji: route match (Kong's 404 for unknown routes), the tenant's
 * rate limits (429 + Retry-After), the bearer token (401), the token's permission for the endpoint (403), then the
 * configured faults and latency, then the endpoint itself. Every request is counted per endpoint for tests and
 * benchmarks. `/_sim/*` is the simulator's own control surface (advance the clock, read counters, set faults); it
 * is not part of the Kandji API, needs no token and is not rate limited or counted.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { driftBody, type DriftedRecord, type DriftOptions } from './drift.ts';
import { drawFault, type Fault, type FaultOptions } from './faults.ts';
import { uuid } from './random.ts';
import { RateLimiter, type RateLimitOptions } from './rate_limit.ts';
import { matchRoute, type Reply, type RouteContext } from './routes.ts';
import { PERMISSION_NAMES, type Permission } from '../core/permissions.ts';
import { Tenant, type AdvanceSummary, type TenantOptions } from './tenant.ts';

export interface SimulatorOptions extends TenantOptions {
  /** Port to listen on; 0 picks a free one. Default 0. */
  port?: number;
  /** Interface to bind. Default 127.0.0.1 (loopback only). */
  host?: string;
  rateLimit?: RateLimitOptions;
  faults?: FaultOptions;
  /** Added to every API response, in ms. Default 0. */
  latencyMs?: number;
  /** Keep a log line per request (method, path, status, fault) besides the counters. Default true. */
  keepLog?: boolean;
  /** Mutate a seeded share of the records in every 200 response (unknown keys, missing keys, null, "", bad timestamps). Default off. */
  drift?: DriftOptions;
  /**
   * Build `next` links on this origin instead of the one the request came in on, e.g. `http://127.0.0.1:4000`: an API
   * whose links point at another host (the real /users already points at the console host). Default off.
   */
  linkOrigin?: string;
  /** Answer API requests whose path starts with one of `paths` with a redirect to the same path and query on `location` (an origin). Default off. */
  redirect?: { paths: string[]; location: string; status?: 301 | 302 | 303 | 307 | 308 };
  /**
   * Answer API requests whose path starts with one of `paths` with `status` and an error body that echoes the request's
   * Authorization header back (plain, and base64 as some gateways log it), as a careless API or proxy might. Default off.
   */
  reflectAuthorization?: { status: number; paths: string[] };
  /**
   * Called for every API request that passed the gateway (route, rate limit, token, permission), before it is
   * answered: tests change the tenant mid-read here (delete or enroll devices after the Nth /devices page).
   */
  onRequest?: (request: { seq: number; endpoint: string; url: URL }, tenant: Tenant) => void;
}

export interface EndpointStats {
  requests: number;
  statuses: Record<string, number>;
  faults: number;
}

export interface RequestLogEntry {
  seq: number;
  method: string;
  /** Path and query as received. */
  url: string;
  endpoint: string;
  status: number | 'reset' | 'stall' | 'truncated';
  token: 'valid' | 'invalid' | 'missing';
}

export interface SimulatorStats {
  requests: number;
  byEndpoint: Record<string, EndpointStats>;
  rateLimited: number;
  faults: number;
}

export interface Simulator {
  /** Base URL to put in a connector config as `api_url`, e.g. `http://127.0.0.1:51234`. */
  readonly url: string;
  /** The API token with every permission. */
  readonly token: string;
  readonly tenant: Tenant;
  readonly log: RequestLogEntry[];
  /** With `drift`: every record drifted so far and how, by request path and record identity. */
  readonly drifted: ReadonlyMap<string, DriftedRecord>;
  /** Issue another token with only these permissions (an under-permitted token, as users create by mistake). */
  addToken(permissions: readonly Permission[]): string;
  /** Revoke a token: it then gets 401, like a deleted token. */
  revokeToken(token: string): void;
  advance(hours: number): AdvanceSummary;
  stats(): SimulatorStats;
  resetStats(): void;
  setFaults(faults: FaultOptions): void;
  setLatency(ms: number): void;
  close(): Promise<void>;
}

const json = (status: number, body: unknown): Reply => ({ status, body });

export async function startSimulator(options: SimulatorOptions): Promise<Simulator> {
  const tenant = new Tenant(options);
  const limiter = new RateLimiter(options.rateLimit);
  const tokens = new Map<string, ReadonlySet<Permission>>();
  const mainToken = uuid(tenant.seed, 'api-token');
  tokens.set(mainToken, new Set(PERMISSION_NAMES));
  let faults: FaultOptions = options.faults ?? {};
  let latencyMs = options.latencyMs ?? 0;
  const keepLog = options.keepLog ?? true;
  const log: RequestLogEntry[] = [];
  let stats: SimulatorStats = { requests: 0, byEndpoint: {}, rateLimited: 0, faults: 0 };
  let sequence = 0;
  let extraTokens = 0;
  const memo = new Map<string, unknown>();
  const stalled = new Set<ServerResponse>();
  const drifted = new Map<string, DriftedRecord>();

  const memoize: RouteContext['memo'] = (key, build) => {
    const full = `${tenant.version}|${key}`;
    if (!memo.has(full)) {
      // Cached values belong to one clock version; drop older ones so the cache stays bounded.
      for (const k of memo.keys()) if (!k.startsWith(`${tenant.version}|`)) memo.delete(k);
      memo.set(full, build());
    }
    return memo.get(full) as ReturnType<typeof build>;
  };

  function count(endpoint: string, status: RequestLogEntry['status'], fault: boolean) {
    stats.byEndpoint[endpoint] ??= { requests: 0, statuses: {}, faults: 0 };
    const e = stats.byEndpoint[endpoint];
    e.requests++;
    e.statuses[String(status)] = (e.statuses[String(status)] ?? 0) + 1;
    if (fault) {
      e.faults++;
      stats.faults++;
    }
  }

  /** The bytes and headers of a reply, as `send` puts them on the wire. */
  function encode(reply: Reply, headers: Record<string, string>): { payload: Buffer; head: Record<string, string> } {
    const isText = typeof reply.body === 'string' && reply.contentType !== undefined;
    const payload = Buffer.from(reply.body === undefined ? '' : isText ? (reply.body as string) : JSON.stringify(reply.body), 'utf8');
    const head = {
      ...headers,
      ...reply.headers,
      'Content-Type': reply.contentType ?? 'application/json',
      'Content-Length': String(payload.length),
      // The tenant's own clock: clients that anchor their bookmarks to server time see simulated time move.
      Date: new Date(tenant.now).toUTCString(),
      Via: 'kong/3.2.2, 1.1 varnish',
    };
    return { payload, head };
  }

  function send(res: ServerResponse, reply: Reply, headers: Record<string, string>) {
    const { payload, head } = encode(reply, headers);
    res.writeHead(reply.status, head);
    res.end(payload);
  }

  function control(req: IncomingMessage, res: ServerResponse, url: URL) {
    const reply = (status: number, body: unknown) => send(res, json(status, body), {});
    switch (url.pathname) {
      case '/_sim/advance': {
        const hours = Number(url.searchParams.get('hours'));
        if (!(hours > 0)) return reply(400, { detail: 'hours must be a positive number' });
        const summary = tenant.advance(hours);
        return reply(200, {
          now: new Date(tenant.now).toISOString(),
          changed: summary.changed.length,
          enrolled: summary.enrolled.length,
          deleted: summary.deleted.length,
          users_moved: summary.usersMoved.length,
        });
      }
      case '/_sim/stats':
        return reply(200, { ...stats, now: new Date(tenant.now).toISOString(), devices: tenant.liveDevices });
      case '/_sim/reset-stats':
        stats = { requests: 0, byEndpoint: {}, rateLimited: 0, faults: 0 };
        log.length = 0;
        return reply(200, { ok: true });
      case '/_sim/faults': {
        if (req.method !== 'POST') return reply(200, faults);
        let body = '';
        req.on('data', (chunk: Buffer) => (body += chunk.toString('utf8')));
        req.on('end', () => {
          try {
            faults = JSON.parse(body || '{}') as FaultOptions;
            reply(200, faults);
          } catch {
            reply(400, { detail: 'body must be JSON fault options' });
          }
        });
        return;
      }
      default:
        return reply(404, { detail: 'unknown control endpoint' });
    }
  }

  function handle(req: IncomingMessage, res: ServerResponse) {
    const url = new URL(req.url ?? '/', `http://${req.headers.host ?? '127.0.0.1'}`);
    if (url.pathname.startsWith('/_sim/')) return control(req, res, url);

    const seq = ++sequence;
    stats.requests++;
    const matched = matchRoute(url.pathname);
    const endpoint = matched ? matched.route.name : 'unmatched';
    const auth = req.headers.authorization ?? '';
    const presented = /^Bearer\s+(.+)$/i.exec(auth)?.[1]?.trim();
    const permissions = presented ? tokens.get(presented) : undefined;
    const tokenState: RequestLogEntry['token'] = presented === undefined ? 'missing' : permissions ? 'valid' : 'invalid';
    const finish = (status: RequestLogEntry['status'], fault = false) => {
      count(endpoint, status, fault);
      if (keepLog) log.push({ seq, method: req.method ?? 'GET', url: url.pathname + url.search, endpoint, status, token: tokenState });
    };
    const reply = (r: Reply, headers: Record<string, string> = {}, fault = false) => {
      finish(r.status, fault);
      send(res, r, headers);
    };

    // Kong answers routes it does not know before any plugin runs.
    if (!url.pathname.startsWith('/api/v1/')) {
      return reply(
        json(404, { message: 'no Route matched with those values', request_id: uuid(tenant.seed, 'request', seq).replace(/-/g, '') }),
      );
    }
    // The hour windows run on the tenant's clock (the wall clock plus every hour advance() added), so moving the
    // tenant a day gives a fresh hourly budget; the per-second windows stay on the wall clock (real-time pacing).
    const wall = Date.now();
    const rate = limiter.take(wall, wall + (tenant.now - tenant.epoch));
    if (!rate.allowed) {
      stats.rateLimited++;
      return reply(json(429, { message: 'API rate limit exceeded' }), rate.headers);
    }
    if (!permissions) {
      return reply(json(401, { detail: presented === undefined ? 'Authentication credentials were not provided.' : 'Invalid token.' }), {
        ...rate.headers,
        'WWW-Authenticate': 'Bearer',
      });
    }
    if (!matched) return reply(json(404, { detail: 'Not found.' }), rate.headers);
    if (req.method !== 'GET') return reply(json(405, { detail: `Method "${req.method}" not allowed.` }), rate.headers);
    if (!permissions.has(matched.route.permission)) {
      return reply(json(403, { detail: 'You do not have permission to perform this action.' }), rate.headers);
    }

    options.onRequest?.({ seq, endpoint, url }, tenant);
    const redirect = options.redirect;
    if (redirect?.paths.some((p) => url.pathname.startsWith(p))) {
      return reply(
        {
          status: redirect.status ?? 302,
          body: { detail: 'Moved.' },
          headers: { Location: new URL(url.pathname + url.search, redirect.location).toString() },
        },
        rate.headers,
      );
    }
    const reflect = options.reflectAuthorization;
    if (reflect?.paths.some((p) => url.pathname.startsWith(p))) {
      return reply(
        json(reflect.status, {
          detail: `Request rejected: Authorization: ${auth}`,
          headers: { authorization: auth, token: presented, encoded: Buffer.from(auth).toString('base64') },
        }),
        rate.headers,
      );
    }

    const fault: Fault | undefined = drawFault(tenant.seed, seq, url.pathname, faults);
    const handled = (): Reply => {
      const ctx: RouteContext = { tenant, url, params: matched.params, origin: options.linkOrigin ?? url.origin, memo: memoize };
      let r: Reply;
      try {
        r = matched.route.handle(ctx);
      } catch (error) {
        return json(500, { detail: 'Internal simulator error', error: String(error) });
      }
      if (options.drift && r.status === 200 && r.contentType === undefined)
        r = { ...r, body: driftBody(tenant.seed, url.pathname, r.body, options.drift, drifted) };
      return r;
    };
    const respond = () => {
      if (fault) return inject(fault, rate.headers);
      reply(handled(), rate.headers);
    };

    function inject(f: Fault, headers: Record<string, string>) {
      switch (f.kind) {
        case 'throttle': {
          const { 'Retry-After': _omit, ...rest } = headers;
          return reply(json(429, { message: 'API rate limit exceeded' }), f.retryAfter ? { ...rest, 'Retry-After': '1' } : rest, true);
        }
        case 'serverError':
          return reply(
            f.status === 502
              ? { status: 502, contentType: 'text/html', body: '<html><body><h1>502 Bad Gateway</h1></body></html>' }
              : json(
                  f.status,
                  f.status === 503
                    ? { detail: 'Service temporarily unavailable, try again later.' }
                    : { detail: 'A server error occurred.' },
                ),
            headers,
            true,
          );
        case 'reset':
          finish('reset', true);
          return req.socket.destroy();
        case 'stall': {
          finish('stall', true);
          stalled.add(res);
          const timer = setTimeout(() => {
            stalled.delete(res);
            req.socket.destroy();
          }, f.ms);
          res.on('close', () => clearTimeout(timer));
          return;
        }
        case 'truncate': {
          // The real answer's status and headers, then half its bytes: Content-Length promises more than arrives.
          const real = handled();
          const { payload, head } = encode(real, headers);
          finish('truncated', true);
          res.writeHead(real.status, head);
          res.write(payload.subarray(0, Math.max(1, Math.floor(payload.length / 2))));
          return setImmediate(() => req.socket.destroy());
        }
      }
    }

    if (latencyMs > 0) setTimeout(respond, latencyMs);
    else respond();
  }

  const server: Server = createServer({ keepAliveTimeout: 30_000 }, handle);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => resolve());
  });
  const address = server.address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;

  return {
    url: `http://${host}:${address.port}`,
    token: mainToken,
    tenant,
    log,
    drifted,
    addToken(permissions) {
      const token = uuid(tenant.seed, 'extra-token', ++extraTokens);
      tokens.set(token, new Set(permissions));
      return token;
    },
    revokeToken(token) {
      tokens.delete(token);
    },
    advance: (hours) => tenant.advance(hours),
    stats: () => structuredClone(stats),
    resetStats() {
      stats = { requests: 0, byEndpoint: {}, rateLimited: 0, faults: 0 };
      log.length = 0;
    },
    setFaults(next) {
      faults = next;
    },
    setLatency(ms) {
      latencyMs = ms;
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const res of stalled) res.socket?.destroy();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
