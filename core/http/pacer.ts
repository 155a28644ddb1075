/**
 * Pacing: the connections and Kandji's two limits (docs/kandji-api.md §2), both shared by every token of the tenant:
 *
 * - connections: at most `concurrency` requests in flight; a freed connection goes to a waiting cursor chain first;
 *
 * - per second (50): request starts are spaced to 90% of the limit the gateway advertises
 *   (`X-RateLimit-Limit-Second`), so other integrations keep headroom and we rarely meet a 429; cursor chains get
 *   the next slot before per-device calls;
 * - per hour (10,000): this run may use `share` of the hourly limit (`X-RateLimit-Limit-Hour`), counted over a
 *   sliding hour of our own requests, and stops early if the tenant's remaining budget
 *   (`X-RateLimit-Remaining-Hour`) would fall below the part reserved for everyone else.
 *
 * When the run's budget is spent, `acquire` throws BudgetExhaustedError and the read ends cleanly with state.
 */
import { BudgetExhaustedError } from './errors.ts';

export interface PacerOptions {
  /** Share of the hourly limit this run may use, 0–1. */
  share: number;
  /** Assumed until the gateway says otherwise. */
  hourlyLimit?: number;
  perSecondLimit?: number;
  /** Requests in flight at once (the connections). Default: no limit. */
  concurrency?: number;
  now?: () => number;
  sleep?: (ms: number) => Promise<void>;
}

const MINUTE = 60_000;
const HOUR = 3_600_000;

/** `chain`: a request the next one waits on (a page of a cursor chain). `bulk`: one of many independent calls. */
export type RequestKind = 'chain' | 'bulk';

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export class Pacer {
  private readonly share: number;
  private readonly now: () => number;
  private readonly sleep: (ms: number) => Promise<void>;
  hourlyLimit: number;
  perSecondLimit: number;
  /** Requests started per minute over the last hour: a ring of 60 buckets. */
  private readonly minutes = new Int32Array(60);
  private readonly minuteStamp = new Float64Array(60);
  private nextStart = 0;
  /** Requests waiting for a slot, by kind; `dispatching` while a slot is being waited for. */
  private readonly queue: Record<RequestKind, (() => void)[]> = { chain: [], bulk: [] };
  private dispatching = false;
  /** Requests granted a slot and not yet released. */
  private inFlight = 0;
  private readonly concurrency: number;
  /** Last `X-RateLimit-Remaining-Hour` seen, and when its window resets. */
  private tenantRemaining: number | undefined;
  private tenantResetAt: number | undefined;
  /** Requests this run has started, all told. */
  started = 0;

  constructor(options: PacerOptions) {
    this.share = options.share;
    this.hourlyLimit = options.hourlyLimit ?? 10_000;
    this.perSecondLimit = options.perSecondLimit ?? 50;
    this.concurrency = options.concurrency ?? Number.POSITIVE_INFINITY;
    this.now = options.now ?? Date.now;
    this.sleep = options.sleep ?? sleep;
  }

  /** Requests this run may still start in the current hour. */
  get remainingBudget(): number {
    const ours = Math.floor(this.hourlyLimit * this.share) - this.usedLastHour();
    if (this.tenantRemaining === undefined) return ours;
    const reserve = Math.ceil(this.hourlyLimit * (1 - this.share));
    return Math.min(ours, this.tenantRemaining - reserve);
  }

  /**
   * Wait for the next request slot and return how long that took, ms; throws BudgetExhaustedError when this run's
   * hourly share is spent. A slot is a free connection (at most `concurrency` requests in flight: every caller gives
   * it back with `release` once its response is read) at the next start time (starts one interval apart). Slots go
   * first to `chain` requests (a page whose next page waits on it), then to `bulk` ones (one of many independent
   * per-device calls): the bulk calls fill the connections and the rate around the cursor chains instead of queueing
   * in front of them, so a long chain (Prism apps), which no amount of concurrency can shorten, is not stretched.
   */
  async acquire(kind: RequestKind = 'chain'): Promise<number> {
    this.checkBudget();
    const now = this.now();
    if (this.queue.chain.length + this.queue.bulk.length === 0 && this.inFlight < this.concurrency && now >= this.nextStart) {
      this.nextStart = now + this.interval();
      this.inFlight++;
      this.count(now);
      return 0;
    }
    await new Promise<void>((resolve) => {
      this.queue[kind].push(resolve);
      this.dispatchSoon();
    });
    const waited = this.now() - now;
    // While this request waited its turn, others spent budget or a response revealed the real limits: the check
    // and the count must happen together, or every stream waiting at the boundary would slip through.
    try {
      this.checkBudget();
    } catch (error) {
      this.release();
      throw error;
    }
    this.count(this.now());
    return waited;
  }

  /** Give back the connection a granted `acquire` took: its request is answered or has failed. */
  release(): void {
    this.inFlight--;
    this.dispatchSoon();
  }

  private interval(): number {
    return 1000 / (this.perSecondLimit * 0.9);
  }

  /** Hand the next slot to the first waiting chain request, else the first bulk one, when a connection is free and its time comes. */
  private dispatchSoon(): void {
    if (this.dispatching || this.inFlight >= this.concurrency || this.queue.chain.length + this.queue.bulk.length === 0) return;
    this.dispatching = true;
    void this.sleep(Math.max(0, this.nextStart - this.now())).then(() => {
      this.dispatching = false;
      const next = this.queue.chain.shift() ?? this.queue.bulk.shift();
      if (!next) return;
      // Slots keep to the schedule, not to when the timer happened to fire: a timer's lateness is made up on the
      // next slot (at most one interval of it), or the rate would sag a few percent below the limit.
      this.nextStart = Math.max(this.nextStart, this.now() - this.interval()) + this.interval();
      this.inFlight++;
      next();
      this.dispatchSoon();
    });
  }

  private checkBudget(): void {
    if (this.remainingBudget > 0) return;
    const resumeAt = this.resumeAt();
    throw new BudgetExhaustedError(
      `This run has used its share of the tenant's request budget (${Math.round(this.share * 100)}% of ${this.hourlyLimit} requests an hour). ` +
        `The sync stopped with its state saved; run it again after ${new Date(resumeAt).toISOString()} to continue.`,
      resumeAt,
    );
  }

  /** Learn the limits and the tenant's remaining budget from a response's headers. */
  observe(headers: Record<string, string | string[] | undefined>): void {
    const num = (name: string) => {
      const v = headers[name];
      const n = Number(Array.isArray(v) ? v[0] : v);
      return v === undefined || Number.isNaN(n) ? undefined : n;
    };
    const hour = num('x-ratelimit-limit-hour');
    const second = num('x-ratelimit-limit-second');
    const remaining = num('x-ratelimit-remaining-hour');
    if (hour !== undefined && hour > 0) this.hourlyLimit = hour;
    if (second !== undefined && second > 0) this.perSecondLimit = second;
    if (remaining !== undefined) {
      this.tenantRemaining = remaining;
      // RateLimit-Reset describes the tighter window; when that is the hour, it tells us when the budget refills.
      const reset = num('ratelimit-reset');
      const limit = num('ratelimit-limit');
      if (reset !== undefined && limit === this.hourlyLimit) this.tenantResetAt = this.now() + reset * 1000;
    }
  }

  /**
   * When enough budget is back to resume: when the gateway's hour window resets, for then the tenant has its whole
   * limit again, and a new run its share. That reset is `RateLimit-Reset` when it last described the hour (the
   * tighter limit), else, once the gateway has shown its hourly headers, the next whole hour: Kong's rate-limiting
   * plugin counts in fixed windows that start on the clock hour (docs/kandji-api.md §2). Without any gateway headers, when
   * our oldest minute leaves the sliding hour, at most an hour on.
   */
  resumeAt(): number {
    const now = this.now();
    let oldest = now;
    for (const [i, stamp] of this.minuteStamp.entries())
      if ((this.minutes[i] ?? 0) > 0 && now - stamp < 60 * MINUTE) oldest = Math.min(oldest, stamp);
    const ours = oldest + 60 * MINUTE;
    if (this.tenantRemaining === undefined) return ours;
    const reset = this.tenantResetAt !== undefined && this.tenantResetAt > now ? this.tenantResetAt : (Math.floor(now / HOUR) + 1) * HOUR;
    const tenantShort = this.tenantRemaining <= Math.ceil(this.hourlyLimit * (1 - this.share));
    // Stopped by the tenant's reserve: nothing frees up before the gateway's reset. Stopped by our own count: a new
    // run after the reset starts with a fresh count and a full tenant.
    return tenantShort ? reset : Math.min(reset, ours);
  }

  private count(now: number): void {
    const minute = Math.floor(now / MINUTE);
    const slot = minute % 60;
    if (Math.floor((this.minuteStamp[slot] ?? 0) / MINUTE) !== minute) {
      this.minutes[slot] = 0;
      this.minuteStamp[slot] = minute * MINUTE;
    }
    this.minutes[slot] = (this.minutes[slot] ?? 0) + 1;
    this.started++;
  }

  private usedLastHour(): number {
    const now = this.now();
    let used = 0;
    for (const [i, stamp] of this.minuteStamp.entries()) if (now - stamp < 60 * MINUTE) used += this.minutes[i] ?? 0;
    return used;
  }
}
