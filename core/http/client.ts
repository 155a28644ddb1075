/**
 * The one HTTP client (STYLE.md §2). Every request the connector makes, `check` and the per-device calls included,
 * goes through `get`: it adds the token, paces against the tenant's limits, applies the timeout, retries what the
 * error table says to retry (idempotent GETs only), honours the server's wait headers, and counts requests,
 * retries, 429s, bytes and time waited per stream and endpoint.
 *
 * Requests only ever go to the configured API origin: `next` links are reduced to their path and query and sent
 * to that origin, so a link pointing at the console host (a real quirk of /users) or anywhere else can never
 * receive the token.
 */
import { Pool } from 'undici';
import { SystemError, TransientError } from '../errors.ts';
import { BudgetExhaustedError, classifyNetworkError, classifyStatus, type Action } from './errors.ts';
import { Pacer, sleep, type RequestKind } from './pacer.ts';

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
  /** Told about each retry, for the log. */
  onRetry?: (info: { endpoint: string; attempt: number; why: string; waitMs: number }) => void;
}

/** A path of plain segments (letters, digits, `-`, `_`, `~`): no dot segments, escapes or query to normalise. */
const PLAIN_PATH = /^(?:\/[A-Za-z0-9_~-]+)+\/?$/;

export const USER_AGENT = 'source-kandji/0.1 (+https://github.com/source-kandji)';

export class KandjiClient {
  private readonly pool: Pool;
  private readonly options: Required<Omit<ClientOptions, 'onRetry'>> & Pick<ClientOptions, 'onRetry'>;
  private readonly origin: URL;
  readonly pacer: Pacer;
  /** The requests in flight: never more than the pool's connections, so none waits in undici's queue unranked. */
  private readonly slots: Slots;
  /** Counters per stream, then per endpoint. */
  readonly counters = new Map<string, Map<string, EndpointCounters>>();
  /** The server's clock (its `Date` header) at the first response, and at the latest. */
  firstServerTime: number | undefined;
  lastServerTime: number | undefined;

  constructor(options: ClientOptions) {
    this.options = { maxAttempts: 8, retryBaseMs: 250, maxWaitMs: 120_000, ...options };
    this.origin = new URL(options.baseUrl);
    this.pool = new Pool(this.origin.origin, {
      connections: options.maxConcurrency,
      pipelining: 1,
      keepAliveTimeout: 10_000,
      connectTimeout: Math.min(options.requestTimeoutMs, 10_000),
    });
    this.pacer = new Pacer({ share: options.requestBudgetShare });
    this.slots = new Slots(options.maxConcurrency);
  }

  /** GET `path` (under `/api/v1`, or a full `next` link) and parse the JSON body. */
  async get<T = unknown>(pathOrLink: string, query: Query, meta: RequestMeta): Promise<T> {
    const path = this.requestPath(pathOrLink, query);
    const counters = this.countersFor(meta);
    const { maxAttempts, retryBaseMs, requestTimeoutMs } = this.options;
    let lastWhy = '';
    for (let attempt = 1; attempt <= maxAttempts; attempt++) {
      const slot = this.slots.take(meta.kind ?? 'chain');
      if (slot) counters.waitedMs += await slot;
      let action: Action;
      let waitHeader: number | undefined;
      let text = '';
      try {
        counters.waitedMs += await this.pacer.acquire(meta.kind);
        counters.requests++;
        const res = await this.pool.request({
          method: 'GET',
          path,
          headers: { authorization: `Bearer ${this.options.token}`, accept: 'application/json', 'user-agent': USER_AGENT },
          headersTimeout: requestTimeoutMs,
          bodyTimeout: requestTimeoutMs,
        });
        text = await res.body.text();
        counters.bytes += bodyBytes(res.headers['content-length'], text);
        this.pacer.observe(res.headers);
        this.noteServerTime(res.headers.date);
        action = classifyStatus(res.statusCode, meta.endpoint, text, meta.permission);
        if (res.statusCode === 429) {
          counters.throttled++;
          waitHeader = serverWait(res.headers);
        }
        if (action.do === 'return') {
          try {
            return JSON.parse(text) as T;
          } catch {
            // A 200 whose body does not parse was cut off in transit: the same GET again is safe.
            action = { do: 'retry', why: 'truncated or invalid JSON body' };
          }
        }
      } catch (error) {
        if (error instanceof BudgetExhaustedError) throw error;
        action = classifyNetworkError(error, this.origin.host);
      } finally {
        this.slots.give();
      }
      if (action.do === 'fail') throw action.error;
      if (action.do === 'return') throw new SystemError('unreachable');
      lastWhy = action.why;
      if (attempt === maxAttempts) break;
      const backoff = Math.random() * retryBaseMs * 2 ** (attempt - 1);
      const waitMs = action.do === 'wait' && waitHeader !== undefined ? waitHeader : Math.min(backoff, 30_000);
      if (waitMs > this.options.maxWaitMs) {
        // The gateway wants us gone for longer than a sync should sit idle: the hourly budget is spent.
        throw new BudgetExhaustedError(
          `Kandji's rate limit asks to wait ${Math.round(waitMs / 1000)} s: the tenant's hourly request budget is spent. The sync stopped with its state saved; run it again after ${new Date(Date.now() + waitMs).toISOString()}.`,
          Date.now() + waitMs,
        );
      }
      counters.retries++;
      counters.waitedMs += waitMs;
      this.options.onRetry?.({ endpoint: meta.endpoint, attempt, why: action.why, waitMs });
      await sleep(waitMs);
    }
    throw new TransientError(
      `${meta.endpoint} kept failing after ${maxAttempts} attempts (last: ${lastWhy}). Kandji may be having trouble; run the sync again later.`,
      {
        internal: lastWhy,
      },
    );
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
    this.lastServerTime = ms;
  }

  /** Requests made so far, all streams. */
  get totalRequests(): number {
    let n = 0;
    for (const byEndpoint of this.counters.values()) for (const c of byEndpoint.values()) n += c.requests;
    return n;
  }

  async close(): Promise<void> {
    await this.pool.close();
  }
}

/** The server's wait, ms: `Retry-After` (seconds or a date), else `RateLimit-Reset` (seconds). */
function serverWait(headers: Record<string, string | string[] | undefined>): number | undefined {
  const first = (name: string) => {
    const v = headers[name];
    return Array.isArray(v) ? v[0] : v;
  };
  const retryAfter = first('retry-after');
  if (retryAfter !== undefined) {
    const seconds = Number(retryAfter);
    if (!Number.isNaN(seconds)) return Math.max(0, seconds * 1000);
    const at = Date.parse(retryAfter);
    if (!Number.isNaN(at)) return Math.max(0, at - Date.now());
  }
  const reset = Number(first('ratelimit-reset'));
  return Number.isNaN(reset) ? undefined : Math.max(0, reset * 1000);
}

/**
 * The `maxConcurrency` request slots. A freed slot goes to a waiting chain request (a page whose next page waits on
 * it) before a waiting bulk one: per-device calls fill the connections around the cursor chains instead of queueing
 * in front of them, which would stretch a long chain (Prism apps) that no amount of concurrency can shorten.
 */
class Slots {
  private free: number;
  private readonly waiting: Record<RequestKind, ((waitedMs: number) => void)[]> = { chain: [], bulk: [] };

  constructor(size: number) {
    this.free = size;
  }

  /** Take a slot: nothing when one is free, else a promise of the time waited for one, ms. */
  take(kind: RequestKind): Promise<number> | undefined {
    if (this.free > 0 && this.waiting.chain.length === 0 && (kind === 'chain' || this.waiting.bulk.length === 0)) {
      this.free--;
      return undefined;
    }
    const since = Date.now();
    return new Promise((resolve) => this.waiting[kind].push(() => resolve(Date.now() - since)));
  }

  give(): void {
    const next = this.waiting.chain.shift() ?? this.waiting.bulk.shift();
    if (next) next(0);
    else this.free++;
  }
}

/** A body's size: its Content-Length when the server sent one (a complete body has that many bytes), else counted. */
function bodyBytes(contentLength: string | string[] | undefined, text: string): number {
  const declared = typeof contentLength === 'string' ? Number(contentLength) : Number.NaN;
  return Number.isSafeInteger(declared) && declared >= 0 ? declared : Buffer.byteLength(text);
}
