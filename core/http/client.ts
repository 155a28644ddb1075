/**
 * The one HTTP client (STYLE.md §2). Every request the connector makes, `check` and the per-device calls included,
 * goes through `get`: it adds the token, paces against the tenant's limits, applies the timeout, retries what the
 * error table (errors.ts) says to retry (idempotent GETs only: the client sends nothing else), honours the server's
 * wait headers, and counts requests, retries, 429s, bytes and time waited per stream and endpoint.
 *
 * Requests only ever go to the configured API origin: `next` links are reduced to their path and query and sent
 * to that origin, so a link pointing at the console host (a real quirk of /users) or anywhere else can never
 * receive the token. Behind a proxy (`HTTPS_PROXY`), the request to an https origin goes through a CONNECT tunnel:
 * the proxy sees the host name, never the token.
 */
import { lookup } from 'node:dns/promises';
import { Agent, ProxyAgent, type Dispatcher } from 'undici';
import { SystemError, type ConnectorError } from '../errors.ts';
import { BAD_JSON, BudgetExhaustedError, classify, conditionOf, type Condition, type ErrorRow, type Situation } from './errors.ts';
import { Pacer, sleep, type RequestKind } from './pacer.ts';
import { proxyFor } from './proxy.ts';

export type Query = Record<string, string | number | boolean | undefined>;

export interface RequestMeta {
  /** The stream the request is made for (`check` for the connection check). */
  stream: string;
  /** Endpoint label for counters, e.g. `GET /devices/{id}/details`. */
  endpoint: string;
  /** The Kandji permission the endpoint needs, for error messages. */
  permission?: string;
  /** `bulk` for one of many independent per-device calls, which leave the next rate slot to cursor chains. Default `chain`. */
  kind?: RequestKind;
}

export interface EndpointCounters {
  requests: number;
  retries: number;
  throttled: number;
  bytes: number;
  /** Time spent waiting before requests: backoff, Retry-After and pacing, ms. */
  waitedMs: number;
}

/** One answered (or failed) attempt, for the debug log. Never carries the token or a header. */
export interface RequestInfo {
  stream: string;
  method: 'GET';
  /** Path and query on the API origin. */
  path: string;
  /** The HTTP status, or the network error's code. */
  status: number | string;
  ms: number;
  attempt: number;
}

/** One line for the debug log: `GET /api/v1/tags → 200 in 31 ms (tags, attempt 1)`. */
export function describeRequest(r: RequestInfo): string {
  return `${r.method} ${r.path} → ${r.status} in ${r.ms} ms (${r.stream}, attempt ${r.attempt})`;
}

export interface ClientOptions {
  /** API origin, e.g. `https://acme.api.kandji.io` (no path). */
  baseUrl: string;
  token: string;
  /** Requests in flight at once. */
  maxConcurrency: number;
  /** Per request: time to first byte and between body chunks, ms. */
  requestTimeoutMs: number;
  /** Share of the tenant's hourly limit this run may use, 0–1. */
  requestBudgetShare: number;
  /** Attempts per request before giving up on transient faults. Default 8. */
  maxAttempts?: number;
  /** First backoff step, doubled each attempt with full jitter, ms. Default 250. */
  retryBaseMs?: number;
  /** Longest single wait the client will sit out for a 429 before calling the budget spent, ms. Default 120,000. */
  maxWaitMs?: number;
  /** Where the proxy settings come from (`HTTPS_PROXY`, `HTTP_PROXY`, `NO_PROXY`, any case). Default `process.env`. */
  env?: Record<string, string | undefined>;
  /**
   * Whether a host name resolves: asked about the other host (`dnsProbeHost`) when the API host's lookup fails, to
   * tell a typo from a network without DNS. Default: a DNS lookup.
   */
  resolves?: (host: string) => Promise<boolean>;
  /** Told about each retry, for the log. */
  onRetry?: (info: { endpoint: string; attempt: number; why: string; waitMs: number }) => void;
  /** Told about each attempt once it has an answer or an error, for the debug log. */
  onRequest?: (info: RequestInfo) => void;
}

/** What the server answered, or the network condition met instead. */
interface Answer {
  condition: Condition;
  /** The response body as text ('' without a response). */
  text: string;
  /** The parsed body of a 2xx. */
  body?: unknown;
  /** The server's wait for a retry (`Retry-After`, or for a 429 `RateLimit-Reset`), ms. */
  serverWaitMs?: number | undefined;
}

/** What one attempt came to: the answer, the error table's row for it, and what the row's messages may name. */
interface Attempt extends Answer {
  row: ErrorRow;
  situation: Situation;
}

/** A path of plain segments (letters, digits, `-`, `_`, `~`): no dot segments, escapes or query to normalise. */
const PLAIN_PATH = /^(?:\/[A-Za-z0-9_~-]+)+\/?$/;

export const USER_AGENT = 'source-kandji/0.1 (+https://github.com/source-kandji)';

/**
 * The host looked up when the API host's lookup fails: the apex of its domain (`kandji.io` for
 * `acme.api.eu.kandji.io`, `iru.com` for `acme.api.iru.com`), which exists whatever the tenant. When it resolves,
 * DNS works and the API host's name is wrong; when it does not, the network is. None for an IP address.
 */
export function dnsProbeHost(hostname: string): string | undefined {
  if (/^[\d.]+$/.test(hostname) || hostname.includes(':') || hostname.startsWith('[')) return undefined;
  const labels = hostname.split('.');
  return labels.length > 2 ? labels.slice(-2).join('.') : undefined;
}

const lookupResolves = (host: string) =>
  lookup(host).then(
    () => true,
    () => false,
  );

export class KandjiClient {
  private readonly dispatcher: Dispatcher;
  private readonly options: Required<Omit<ClientOptions, 'onRetry' | 'onRequest' | 'env'>> & Pick<ClientOptions, 'onRetry' | 'onRequest'>;
  private readonly origin: URL;
  /** The proxy requests go through, as `host:port` (never its credentials); undefined when none. */
  readonly proxy: string | undefined;
  readonly pacer: Pacer;
  /** Counters per stream, then per endpoint. */
  readonly counters = new Map<string, Map<string, EndpointCounters>>();
  /** The server's clock (its `Date` header) at the first response. */
  firstServerTime: number | undefined;
  /** Some request has been answered 2xx: a later 401 is about a permission, not the token. */
  private tokenProven = false;
  /** After a 401 with nothing answered yet: whether `GET /devices` is (one request, shared by every such 401). */
  private tokenCheck: Promise<boolean> | undefined;
  /**
   * The error of a condition that belongs to the connection (a refused token, a host that does not resolve, a
   * certificate; rows with `stopsRun`): once set, every request fails with it, unsent.
   */
  stopped: ConnectorError | undefined;

  constructor(options: ClientOptions) {
    this.options = { maxAttempts: 8, retryBaseMs: 250, maxWaitMs: 120_000, resolves: lookupResolves, ...options };
    this.origin = new URL(options.baseUrl);
    const connection = {
      connections: options.maxConcurrency,
      pipelining: 1,
      keepAliveTimeout: 10_000,
      connectTimeout: Math.min(options.requestTimeoutMs, 10_000),
    };
    const proxy = proxyFor(this.origin, options.env ?? process.env);
    this.proxy = proxy?.host;
    this.dispatcher = proxy ? new ProxyAgent({ uri: proxy.uri, ...connection }) : new Agent(connection);
    this.pacer = new Pacer({ share: options.requestBudgetShare, concurrency: options.maxConcurrency });
  }

  /** GET `path` (under `/api/v1`, or a full `next` link) and parse the JSON body. */
  async get<T = unknown>(pathOrLink: string, query: Query, meta: RequestMeta): Promise<T> {
    const path = this.requestPath(pathOrLink, query);
    const counters = this.countersFor(meta);
    for (let attempt = 1; ; attempt++) {
      const result = await this.attempt(path, meta, counters, attempt);
      const { row, situation, condition } = result;
      if (row.action === 'return') return result.body as T;
      if (row.action === 'fail' || row.action === 'skip') throw this.failure(row, situation, condition);
      if (attempt >= this.options.maxAttempts) throw this.failure(row, { ...situation, attempts: attempt }, condition);
      await this.waitToRetry(result, attempt, meta, counters);
    }
  }

  /** One attempt: wait for a slot, send, and look the answer up in the error table. */
  private async attempt(path: string, meta: RequestMeta, counters: EndpointCounters, attempt: number): Promise<Attempt> {
    if (this.stopped) throw this.stopped;
    counters.waitedMs += await this.pacer.acquire(meta.kind);
    const started = Date.now();
    let answer: Answer;
    try {
      answer = await this.send(path, counters);
    } finally {
      this.pacer.release();
    }
    const { condition } = answer;
    const status = 'status' in condition ? condition.status : condition.code;
    this.options.onRequest?.({ stream: meta.stream, method: 'GET', path, status, ms: Date.now() - started, attempt });
    const situation = await this.situation(meta, condition, answer.text);
    if ('status' in condition && condition.status === 401 && !situation.tokenProven)
      situation.tokenProven = await this.tokenReadsDevices(path, counters);
    return { ...answer, row: classify(condition, situation), situation };
  }

  /**
   * After a 401 while nothing has been answered yet: does the token read `GET /devices`? Kandji may answer a missing
   * permission with 401 (docs/kandji-api.md §3), so a 401 from, say, Prism says nothing of the token until this says no.
   * One request for every such 401 of the run; none when the 401 was the device list's own.
   */
  private tokenReadsDevices(path: string, counters: EndpointCounters): Promise<boolean> {
    if (/^\/api\/v1\/devices(?:\?|$)/.test(path)) return Promise.resolve(false);
    this.tokenCheck ??= (async () => {
      await this.pacer.acquire('chain');
      try {
        const answer = await this.send('/api/v1/devices?limit=1', counters);
        return 'status' in answer.condition && answer.condition.status >= 200 && answer.condition.status < 300;
      } finally {
        this.pacer.release();
      }
    })();
    return this.tokenCheck;
  }

  /** Send the GET and read its answer, counting it; a network error is returned as its condition, not thrown. */
  private async send(path: string, counters: EndpointCounters): Promise<Answer> {
    // A request that waited for its slot while another found the connection unusable is not sent.
    if (this.stopped) throw this.stopped;
    counters.requests++;
    try {
      const res = await this.dispatcher.request({
        origin: this.origin.origin,
        method: 'GET',
        path,
        headers: { authorization: `Bearer ${this.options.token}`, accept: 'application/json', 'user-agent': USER_AGENT },
        headersTimeout: this.options.requestTimeoutMs,
        bodyTimeout: this.options.requestTimeoutMs,
      });
      const text = await res.body.text();
      counters.bytes += bodyBytes(res.headers['content-length'], text);
      this.pacer.observe(res.headers);
      this.noteServerTime(res.headers.date);
      if (res.statusCode === 429) counters.throttled++;
      const answer: Answer = { condition: { status: res.statusCode }, text, serverWaitMs: serverWait(res.headers, res.statusCode === 429) };
      if (res.statusCode < 200 || res.statusCode >= 300) return answer;
      try {
        const body: unknown = JSON.parse(text);
        this.tokenProven = true;
        return { ...answer, body };
      } catch {
        return { ...answer, condition: { code: BAD_JSON } };
      }
    } catch (error) {
      return { condition: conditionOf(error), text: '' };
    }
  }

  /** What the error table's rows may name about this attempt. */
  private async situation(meta: RequestMeta, condition: Condition, body: string): Promise<Situation> {
    const situation: Situation = {
      endpoint: meta.endpoint,
      host: this.origin.host,
      permission: meta.permission,
      body,
      timeoutSeconds: this.options.requestTimeoutMs / 1000,
      tokenProven: this.tokenProven,
      proxy: this.proxy,
    };
    // Behind a proxy the proxy resolves the host, and this machine's DNS may rightly know nothing.
    if ('code' in condition && condition.code === 'ENOTFOUND' && !this.proxy) {
      const probeHost = dnsProbeHost(this.origin.hostname);
      if (probeHost) Object.assign(situation, { probeHost, otherHostResolves: await this.options.resolves(probeHost) });
    }
    return situation;
  }

  /** The error of a `fail` or `skip` row, or of a `retry`/`wait` row out of attempts. A row that stops the run stops every later request of this client with the same error. */
  private failure(row: ErrorRow, situation: Situation, condition: Condition): ConnectorError {
    const error = row.error?.(situation, condition) ?? new SystemError(`No error for the row "${row.when}"`);
    if (!row.stopsRun) return error;
    this.stopped ??= error;
    return this.stopped;
  }

  /** Sit out the wait before the next attempt: the server's, when it named one, else our backoff. */
  private async waitToRetry(result: Attempt, attempt: number, meta: RequestMeta, counters: EndpointCounters): Promise<void> {
    const backoff = Math.min(Math.random() * this.options.retryBaseMs * 2 ** (attempt - 1), 30_000);
    const waitMs = result.serverWaitMs ?? backoff;
    if (waitMs > this.options.maxWaitMs) {
      // The gateway wants us gone for longer than a sync should sit idle: the hourly budget is spent.
      throw new BudgetExhaustedError(
        `Kandji's rate limit asks to wait ${Math.round(waitMs / 1000)} s: the tenant's hourly request budget is spent. The sync stopped with its state saved; run it again after ${new Date(Date.now() + waitMs).toISOString()}.`,
        Date.now() + waitMs,
      );
    }
    const why = result.row.why?.(result.condition) ?? result.row.when;
    counters.retries++;
    counters.waitedMs += waitMs;
    this.options.onRetry?.({ endpoint: meta.endpoint, attempt, why, waitMs });
    await sleep(waitMs);
  }

  /** Build the request path on the configured origin. A full URL (a `next` link) keeps only its path and query. */
  private requestPath(pathOrLink: string, query: Query): string {
    // The common case, a plain path and no query (every per-device call), needs no URL parsing: nothing to normalise.
    if (PLAIN_PATH.test(pathOrLink) && Object.values(query).every((v) => v === undefined)) {
      return pathOrLink.startsWith('/api/') ? pathOrLink : `/api/v1${pathOrLink}`;
    }
    let url: URL;
    if (/^https?:\/\//i.test(pathOrLink)) {
      const link = new URL(pathOrLink);
      if (!link.pathname.startsWith('/api/')) throw new SystemError(`Kandji sent a pagination link outside the API: ${link.pathname}`);
      url = new URL(link.pathname + link.search, this.origin);
    } else {
      url = new URL(pathOrLink.startsWith('/api/') ? pathOrLink : `/api/v1${pathOrLink}`, this.origin);
    }
    for (const [k, v] of Object.entries(query)) if (v !== undefined) url.searchParams.set(k, String(v));
    return url.pathname + url.search;
  }

  private countersFor(meta: RequestMeta): EndpointCounters {
    let byEndpoint = this.counters.get(meta.stream);
    if (!byEndpoint) {
      byEndpoint = new Map();
      this.counters.set(meta.stream, byEndpoint);
    }
    let c = byEndpoint.get(meta.endpoint);
    if (!c) {
      c = { requests: 0, retries: 0, throttled: 0, bytes: 0, waitedMs: 0 };
      byEndpoint.set(meta.endpoint, c);
    }
    return c;
  }

  private noteServerTime(date: string | string[] | undefined): void {
    const ms = Date.parse(Array.isArray(date) ? (date[0] ?? '') : (date ?? ''));
    if (Number.isNaN(ms)) return;
    this.firstServerTime ??= ms;
  }

  /** Requests made so far, all streams. */
  get totalRequests(): number {
    let n = 0;
    for (const byEndpoint of this.counters.values()) for (const c of byEndpoint.values()) n += c.requests;
    return n;
  }

  async close(): Promise<void> {
    await this.dispatcher.close();
  }
}

/**
 * The server's wait before a retry, ms: `Retry-After` (seconds or an HTTP date); for a 429 without it,
 * `RateLimit-Reset` (seconds until the limit's window resets). An empty or unreadable header is no wait at all, not
 * a wait of 0 s: our own backoff applies.
 */
export function serverWait(headers: Record<string, string | string[] | undefined>, throttled: boolean): number | undefined {
  const first = (name: string) => {
    const v = headers[name];
    return (Array.isArray(v) ? v[0] : v)?.trim() || undefined;
  };
  const seconds = (value: string | undefined) => (value !== undefined && /^\d+(?:\.\d+)?$/.test(value) ? Number(value) * 1000 : undefined);
  const retryAfter = first('retry-after');
  if (retryAfter !== undefined) {
    const wait = seconds(retryAfter);
    if (wait !== undefined) return wait;
    const at = /GMT$/.test(retryAfter) ? Date.parse(retryAfter) : Number.NaN;
    if (!Number.isNaN(at)) return Math.max(0, at - Date.now());
  }
  return throttled ? seconds(first('ratelimit-reset')) : undefined;
}

/** A body's size: its Content-Length when the server sent one (a complete body has that many bytes), else counted. */
function bodyBytes(contentLength: string | string[] | undefined, text: string): number {
  const declared = typeof contentLength === 'string' ? Number(contentLength) : Number.NaN;
  return Number.isSafeInteger(declared) && declared >= 0 ? declared : Buffer.byteLength(text);
}
