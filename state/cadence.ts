/**
 * When an incremental stream re-reads everything. A filter on `updated_at` never shows a row that was deleted, so
 * an incremental Prism stream re-reads its category in full every `everyDays` days; the marts take such a read as
 * the set of rows that exist. The full reads of the categories are spread over the days of the cycle (each stream
 * on its own day, chosen from its name), so that no single sync spends the budget of all of them.
 */
const DAY = 86_400_000;

/** The day of the cycle (0 … everyDays - 1) on which `stream` reads in full: stable for a name, spread over names. */
export function fullReadDay(stream: string, everyDays: number): number {
  let hash = 2166136261;
  for (let i = 0; i < stream.length; i++) hash = Math.imul(hash ^ stream.charCodeAt(i), 16777619) >>> 0;
  return hash % everyDays;
}

/**
 * Whether the sync anchored at `anchor` reads `stream` in full, given when it last did (`last`, undefined when the
 * state does not say). Due on the stream's day of the cycle when it has not read in full that (UTC) day, or
 * whenever the last full read is more than a day overdue (the syncs skipped its day). `everyDays` 0 never reads in
 * full (but a first read, which has no bookmark, always does).
 */
export function fullReadDue(stream: string, anchor: number, last: number | undefined, everyDays: number): boolean {
  if (!(everyDays >= 1)) return false;
  const today = Math.floor(anchor / DAY);
  if (last !== undefined && anchor - last > (everyDays + 1) * DAY) return true;
  const onItsDay = today % everyDays === fullReadDay(stream, everyDays);
  return onItsDay && (last === undefined || Math.floor(last / DAY) < today);
}
