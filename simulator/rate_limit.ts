/**
 * The gateway's rate limiting, as Kong's rate-limiting plugin does it for Kandji (docs/kandji-api.md §2): fixed windows per
 * second and per hour, shared by every token of the tenant. A rejected request is not counted against the budget.
 *
 * The hour windows follow the tenant's clock: the server passes the wall clock plus however far the tenant's clock
 * was moved (`advance()`), so a simulated day between two syncs gives a fresh hourly budget, as a real day would. The
 * per-second windows follow the wall clock only: requests are paced in real time.
 */

export interface RateLimitOptions {
  /** Requests per hour window for the whole tenant. Default 10,000. */
  perHour?: number;
  /** Requests per second. Default 50. */
  perSecond?: number;
  /** Length of the "hour" window in ms, shortened in tests so a budget refills quickly. Default 3,600,000. */
  hourMs?: number;
}

export interface RateDecision {
  allowed: boolean;
  headers: Record<string, string>;
}

export class RateLimiter {
  readonly perHour: number;
  readonly perSecond: number;
  readonly hourMs: number;
  private hourWindow = -1;
  private hourCount = 0;
  private secondWindow = -1;
  private secondCount = 0;

  constructor(options: RateLimitOptions = {}) {
    this.perHour = options.perHour ?? 10_000;
    this.perSecond = options.perSecond ?? 50;
    this.hourMs = options.hourMs ?? 3_600_000;
  }

  /**
   * Count one request at wall-clock time `now` (ms) and say whether it may pass. `hourNow` is the time the hour
   * windows are measured on (ms; default `now`): the tenant's clock moving in real time.
   */
  take(now: number, hourNow = now): RateDecision {
    const hourWindow = Math.floor(hourNow / this.hourMs);
    const secondWindow = Math.floor(now / 1000);
    if (hourWindow !== this.hourWindow) [this.hourWindow, this.hourCount] = [hourWindow, 0];
    if (secondWindow !== this.secondWindow) [this.secondWindow, this.secondCount] = [secondWindow, 0];
    const hourFull = this.hourCount >= this.perHour;
    const secondFull = this.secondCount >= this.perSecond;
    const allowed = !hourFull && !secondFull;
    if (allowed) {
      this.hourCount++;
      this.secondCount++;
    }
    const hourReset = Math.max(1, Math.ceil(((hourWindow + 1) * this.hourMs - hourNow) / 1000));
    const secondReset = Math.max(1, Math.ceil(((secondWindow + 1) * 1000 - now) / 1000));
    const remainingHour = Math.max(0, this.perHour - this.hourCount);
    const remainingSecond = Math.max(0, this.perSecond - this.secondCount);
    // Kong's RateLimit-* headers describe whichever limit is closest to running out.
    const hourTighter = remainingHour < remainingSecond || hourFull;
    const headers: Record<string, string> = {
      'RateLimit-Limit': String(hourTighter ? this.perHour : this.perSecond),
      'RateLimit-Remaining': String(hourTighter ? remainingHour : remainingSecond),
      'RateLimit-Reset': String(hourTighter ? hourReset : secondReset),
      'X-RateLimit-Limit-Second': String(this.perSecond),
      'X-RateLimit-Remaining-Second': String(remainingSecond),
      'X-RateLimit-Limit-Hour': String(this.perHour),
      'X-RateLimit-Remaining-Hour': String(remainingHour),
    };
    if (!allowed) headers['Retry-After'] = String(hourFull ? hourReset : secondReset);
    return { allowed, headers };
  }

  /** Requests counted in the current hour window; `hourNow` as in take(). */
  usedThisHour(hourNow: number): number {
    return Math.floor(hourNow / this.hourMs) === this.hourWindow ? this.hourCount : 0;
  }
}
