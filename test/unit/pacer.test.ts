import { describe, expect, it } from 'vitest';
import { BudgetExhaustedError } from '../../core/http/errors.ts';
import { Pacer } from '../../core/http/pacer.ts';

function fakeClock(start = Date.UTC(2026, 0, 5, 12)) {
  let now = start;
  const slept: number[] = [];
  return {
    now: () => now,
    sleep: async (ms: number) => {
      slept.push(ms);
      now += ms;
    },
    advance: (ms: number) => (now += ms),
    slept,
  };
}

describe('Pacer', () => {
  it('spaces request starts to 90% of the per-second limit', async () => {
    const clock = fakeClock();
    const pacer = new Pacer({ share: 1, now: clock.now, sleep: clock.sleep });
    for (let i = 0; i < 46; i++) await pacer.acquire();
    // 45 requests a second at most: the 46th starts a full second after the first.
    expect(Math.round(clock.now() - Date.UTC(2026, 0, 5, 12))).toBe(1000);
    expect(pacer.started).toBe(46);
  });

  it('gives the next slot to a cursor chain before the per-device calls waiting beside it', async () => {
    const clock = fakeClock();
    const pacer = new Pacer({ share: 1, now: clock.now, sleep: clock.sleep });
    await pacer.acquire();
    const order: string[] = [];
    const bulk = [0, 1, 2].map((i) => pacer.acquire('bulk').then(() => order.push(`bulk ${i}`)));
    const chain = pacer.acquire('chain').then(() => order.push('chain'));
    await Promise.all([...bulk, chain]);
    expect(order).toEqual(['chain', 'bulk 0', 'bulk 1', 'bulk 2']);
    // Still one slot per interval: four more starts after the first take four intervals.
    expect(Math.round(clock.now() - Date.UTC(2026, 0, 5, 12))).toBe(Math.round((4 * 1000) / 45));
  });

  it('adopts the limits the gateway advertises', async () => {
    const clock = fakeClock();
    const pacer = new Pacer({ share: 0.5, now: clock.now, sleep: clock.sleep });
    pacer.observe({ 'x-ratelimit-limit-second': '1000', 'x-ratelimit-limit-hour': '200', 'x-ratelimit-remaining-hour': '200' });
    expect(pacer.perSecondLimit).toBe(1000);
    expect(pacer.hourlyLimit).toBe(200);
    expect(pacer.remainingBudget).toBe(100);
  });

  it("stops at the run's share of the hour, with a resume time an hour after the first request", async () => {
    const clock = fakeClock();
    const pacer = new Pacer({ share: 0.01, hourlyLimit: 1000, now: clock.now, sleep: clock.sleep });
    for (let i = 0; i < 10; i++) await pacer.acquire();
    const error = await pacer.acquire().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(BudgetExhaustedError);
    const minute = Math.floor(Date.UTC(2026, 0, 5, 12) / 60_000) * 60_000;
    expect((error as BudgetExhaustedError).resumeAt).toBe(minute + 3_600_000);
    expect((error as Error).message).toMatch(/1% of 1000 requests an hour/);
  });

  it('refills as the sliding hour moves on', async () => {
    const clock = fakeClock();
    const pacer = new Pacer({ share: 0.01, hourlyLimit: 1000, now: clock.now, sleep: clock.sleep });
    for (let i = 0; i < 10; i++) await pacer.acquire();
    expect(pacer.remainingBudget).toBe(0);
    clock.advance(3_600_000);
    expect(pacer.remainingBudget).toBe(10);
  });

  it("leaves the tenant's reserve for other integrations when the header shows it is low", async () => {
    const clock = fakeClock();
    const pacer = new Pacer({ share: 0.5, now: clock.now, sleep: clock.sleep });
    // Someone else used 5,990 of 10,000: we may use only what keeps 5,000 for the others.
    pacer.observe({
      'x-ratelimit-limit-hour': '10000',
      'x-ratelimit-remaining-hour': '5010',
      'ratelimit-limit': '10000',
      'ratelimit-reset': '600',
    });
    expect(pacer.remainingBudget).toBe(10);
    pacer.observe({ 'x-ratelimit-remaining-hour': '5000' });
    await expect(pacer.acquire()).rejects.toBeInstanceOf(BudgetExhaustedError);
  });
});

describe('Pacer.resumeAt', () => {
  it("names the gateway's next whole hour when its headers never said when the hour resets, not an hour from now", async () => {
    // 12:20: the gateway's RateLimit-* headers describe the per-second window, so the hour's reset is never sent.
    const clock = fakeClock(Date.UTC(2026, 0, 5, 12, 20));
    const pacer = new Pacer({ share: 0.5, hourlyLimit: 200, now: clock.now, sleep: clock.sleep });
    pacer.observe({
      'x-ratelimit-limit-hour': '200',
      'x-ratelimit-remaining-hour': '100',
      'ratelimit-limit': '50',
      'ratelimit-reset': '1',
    });
    expect(pacer.resumeAt()).toBe(Date.UTC(2026, 0, 5, 13));
  });

  it('takes the reset the gateway sent for the hour when it had one', async () => {
    const clock = fakeClock(Date.UTC(2026, 0, 5, 12, 20));
    const pacer = new Pacer({ share: 0.5, hourlyLimit: 200, now: clock.now, sleep: clock.sleep });
    pacer.observe({
      'x-ratelimit-limit-hour': '200',
      'x-ratelimit-remaining-hour': '40',
      'ratelimit-limit': '200',
      'ratelimit-reset': '90',
    });
    expect(pacer.resumeAt()).toBe(Date.UTC(2026, 0, 5, 12, 21, 30));
  });
});
