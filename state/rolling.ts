/**
 * The rolling window of per-device streams that refresh only the devices that changed, as pure functions: which
 * devices a sync reads, given the fleet, what changed and the bookmark (`select`), and the bookmark once the first
 * `done` of them are read (`after`). Devices are taken in id order, the older part of the fleet (after
 * `pendingAfter`, current only to `refreshedAt`) first, then the newer part (current to `pendingSince`), at most
 * `cap` a sync; the state never claims more than what was read (STYLE.md §5).
 */
import type { RollingBookmark } from './bookmarks.ts';

export interface RollingSelection {
  /** Indices into the fleet, in the order to read them. */
  targets: number[];
  /** Targets before this position are in the older part; the rest wrapped round to the newer part. */
  wrapAt: number;
  /** The cap left changed devices for the next sync. */
  cutShort: boolean;
  /** The threshold each target was picked by (its part's watermark), undefined when every device was picked. */
  since: (number | undefined)[];
}

/** The earliest change a bookmark asks about; undefined when it asks for every device (a first read). */
export function earliestWanted(bookmark: RollingBookmark): number | undefined {
  const thresholds = [bookmark.refreshedAt, bookmark.pendingSince].filter((t): t is number => t !== undefined);
  return thresholds.length ? Math.min(...thresholds) : undefined;
}

/** Position of the first id after `after` in id-sorted ids. */
export function afterIndex(ids: readonly string[], after: string | undefined): number {
  if (after === undefined) return 0;
  let lo = 0;
  let hi = ids.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((ids[mid] as string) <= after) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * The devices to read this sync. `ids` is the fleet sorted by id; `changed` the latest change per device id at or
 * after `earliestWanted(bookmark)` (undefined on a first read: every device is read).
 */
export function select(
  ids: readonly string[],
  changed: ReadonlyMap<string, number> | undefined,
  bookmark: RollingBookmark,
  cap: number,
): RollingSelection {
  const split = afterIndex(ids, bookmark.pendingAfter);
  const pick = (from: number, to: number, threshold: number | undefined, out: number[], since: (number | undefined)[]) => {
    for (let i = from; i < to; i++) {
      if (threshold !== undefined && changed && (changed.get(ids[i] as string) ?? -Infinity) < threshold) continue;
      out.push(i);
      since.push(changed ? threshold : undefined);
    }
  };
  const targets: number[] = [];
  const since: (number | undefined)[] = [];
  pick(split, ids.length, bookmark.refreshedAt, targets, since);
  const wrapAt = targets.length;
  pick(0, split, bookmark.pendingSince, targets, since);
  const cutShort = targets.length > cap;
  return { targets: targets.slice(0, cap), since: since.slice(0, cap), wrapAt, cutShort };
}

/** The bookmark once the first `done` targets are read, in a sync anchored at `anchor`. */
export function after(
  ids: readonly string[],
  selection: RollingSelection,
  bookmark: RollingBookmark,
  anchor: number,
  done: number,
): RollingBookmark {
  const { targets, wrapAt, cutShort } = selection;
  if (done === targets.length && !cutShort) return { refreshedAt: anchor, pendingAfter: undefined, pendingSince: undefined };
  if (done === 0) return bookmark;
  const last = ids[targets[done - 1] as number] as string;
  // Still in the older part: devices up to `last` are current at least to the pending watermark.
  if (done <= wrapAt) return { refreshedAt: bookmark.refreshedAt, pendingAfter: last, pendingSince: bookmark.pendingSince ?? anchor };
  // Wrapped: the older part is current to the anchor, the newer part at least to its old pending watermark.
  return { refreshedAt: bookmark.pendingSince ?? anchor, pendingAfter: last, pendingSince: anchor };
}
