/**
 * The rolling window of per-device streams (state/rolling.ts) and the full re-read cadence of Prism streams
 * (state/cadence.ts), as tables of transitions: given a fleet, what changed, a bookmark and a cap, which devices a
 * sync reads and the bookmark after each of them.
 */
import { describe, expect, it } from 'vitest';
import type { RollingBookmark } from '../../state/bookmarks.ts';
import { fullReadDay, fullReadDue } from '../../state/cadence.ts';
import { after, earliestWanted, select } from '../../state/rolling.ts';
import { STREAMS } from '../../streams/index.ts';

const ids = ['a', 'b', 'c', 'd', 'e'];
const T0 = 1_000;
const T1 = 2_000;
const NOW = 3_000;
const none: RollingBookmark = { refreshedAt: undefined, pendingAfter: undefined, pendingSince: undefined };
const current: RollingBookmark = { refreshedAt: T1, pendingAfter: undefined, pendingSince: undefined };
const split: RollingBookmark = { refreshedAt: T0, pendingAfter: 'b', pendingSince: T1 };
const picked = (bookmark: RollingBookmark, changed: Map<string, number> | undefined, cap: number) =>
  select(ids, changed, bookmark, cap).targets.map((i) => ids[i]);

describe('rolling window: which devices a sync reads', () => {
  it.each([
    ['a first read takes every device', none, undefined, 10, ['a', 'b', 'c', 'd', 'e']],
    ['a first read over the cap takes the first ones', none, undefined, 2, ['a', 'b']],
    [
      'a current fleet takes the devices changed since the bookmark',
      current,
      new Map([
        ['c', T1],
        ['d', T1 - 1],
      ]),
      10,
      ['c'],
    ],
    // After b the fleet is current to T0 only: c, d, e changed since T0 come first, then a, b changed since T1.
    [
      'a split fleet takes the older part first, each part by its own watermark',
      split,
      new Map([
        ['a', T1],
        ['b', T0],
        ['d', T0],
        ['e', T1],
      ]),
      10,
      ['d', 'e', 'a'],
    ],
    [
      'the cap cuts the older part first',
      split,
      new Map([
        ['a', T1],
        ['d', T0],
        ['e', T1],
      ]),
      1,
      ['d'],
    ],
  ] as const)('%s', (_, bookmark, changed, cap, expected) => {
    expect(picked(bookmark, changed as Map<string, number> | undefined, cap)).toEqual(expected);
  });

  it('asks for changes from the earlier watermark', () => {
    expect(earliestWanted(none)).toBeUndefined();
    expect(earliestWanted(current)).toBe(T1);
    expect(earliestWanted(split)).toBe(T0);
  });
});

describe('rolling window: the bookmark after the first `done` devices', () => {
  it.each([
    [
      'all read, nothing left: current to the anchor',
      none,
      undefined,
      10,
      5,
      { refreshedAt: NOW, pendingAfter: undefined, pendingSince: undefined },
    ],
    ['none read: unchanged', current, new Map([['c', T1]]), 10, 0, current],
    [
      'cut by the cap in a first read: up to b current to the anchor',
      none,
      undefined,
      2,
      2,
      { refreshedAt: undefined, pendingAfter: 'b', pendingSince: NOW },
    ],
    [
      'stopped in the older part: the read ones join the pending part at its old watermark',
      split,
      new Map([
        ['d', T0],
        ['e', T1],
        ['a', T1],
      ]),
      10,
      1,
      { refreshedAt: T0, pendingAfter: 'd', pendingSince: T1 },
    ],
    [
      'stopped after wrapping: the older part is current to the old pending watermark, the read ones to the anchor',
      split,
      new Map([
        ['d', T0],
        ['e', T1],
        ['a', T1],
        ['b', T1],
      ]),
      10,
      3,
      { refreshedAt: T1, pendingAfter: 'a', pendingSince: NOW },
    ],
    [
      'all selected read but the cap left some: the window rolls on from the last read',
      split,
      new Map([
        ['d', T0],
        ['e', T1],
        ['a', T1],
      ]),
      2,
      2,
      { refreshedAt: T0, pendingAfter: 'e', pendingSince: T1 },
    ],
  ] as const)('%s', (_, bookmark, changed, cap, done, expected) => {
    const selection = select(ids, changed as Map<string, number> | undefined, bookmark, cap);
    expect(after(ids, selection, bookmark, NOW, done)).toEqual(expected);
  });
});

describe('full re-read cadence', () => {
  const DAY = 86_400_000;
  // The Prism streams: each re-reads in full once every fullReadEveryDays.
  const names = STREAMS.filter((s) => s.plan.kind === 'prism').map((s) => s.name);

  it('each stream has its day of the cycle, the same every time', () => {
    for (const name of names) expect(fullReadDay(name, 7)).toBe(fullReadDay(name, 7));
    // Spread, not all on one day.
    expect(new Set(names.map((n) => fullReadDay(n, 7))).size).toBeGreaterThan(3);
  });

  it('over a week of daily syncs each stream reads in full exactly once, on its day', () => {
    for (const name of names) {
      let last: number | undefined;
      const days: number[] = [];
      for (let day = 1; day <= 7; day++) {
        const anchor = (1000 + day) * DAY + 3_600_000;
        if (fullReadDue(name, anchor, last, 7)) {
          days.push((1000 + day) % 7);
          last = anchor;
        }
      }
      expect(days, name).toEqual([fullReadDay(name, 7)]);
    }
  });

  it('reads in full when the syncs skipped its day, never twice a day, and never with 0', () => {
    const name = 'apps';
    const day = fullReadDay(name, 7);
    const onItsDay = (7000 + day) * DAY;
    expect(fullReadDue(name, onItsDay + 1000, onItsDay, 7)).toBe(false);
    expect(fullReadDue(name, onItsDay + 7 * DAY, onItsDay, 7)).toBe(true);
    expect(fullReadDue(name, onItsDay + 9 * DAY + 1, onItsDay, 7)).toBe(true);
    expect(fullReadDue(name, onItsDay + 8 * DAY, onItsDay, 7)).toBe(false);
    expect(fullReadDue(name, onItsDay + 7 * DAY, onItsDay, 0)).toBe(false);
  });
});
