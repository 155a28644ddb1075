/**
 * Value converters for the API's inconsistent spellings (docs/kandji-api.md §5, §7): timestamps in ten formats,
 * booleans as bools, `"True"`/`"False"` or `"Yes"`/`"No"`, numbers as strings with units, and `""` or `{}` for
 * "no value". Pure functions; schemas/normalize.ts applies them where a stream's schema asks for them.
 */

/**
 * The outcome of reading one timestamp. "Empty" and "unparseable" are different: an empty value is the API saying
 * "none" and becomes null silently; an unparseable one is data we could not read, which the caller reports.
 */
export type ParsedTimestamp =
  /** A timestamp: `value` is ISO-8601 UTC with six fraction digits, `epochMs` the same instant in ms (floored). */
  | { ok: true; value: string; epochMs: number }
  /** No value: `""` (or only spaces), `null` or `undefined`. */
  | { ok: true; value: null }
  /** Not a timestamp this parser reads; `reason` says why, for the caller's warning. */
  | { ok: false; reason: string };

// T1–T8 and T10 (docs/kandji-api.md §5): a date, then optionally `T` or a space, hh:mm:ss, a fraction of 1–9 digits,
// an optional space (T4 writes ` +0000`), and a zone: `Z`, `±HH:MM`, `±HHMM`, or none (read as UTC).
const TIMESTAMP = /^(\d{4})-(\d{2})-(\d{2})(?:[Tt ](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))? ?(?:([Zz])|([+-])(\d{2}):?(\d{2}))?)?$/;

/**
 * Read any of the API's timestamp formats T1–T8 and T10 into ISO-8601 UTC, always with six fraction digits:
 * `2022-12-13 19:14:20.455640+00:00` → `2022-12-13T19:14:20.455640Z`, `2024-12-05` → `2024-12-05T00:00:00.000000Z`.
 *
 * - One fixed width makes the strings sort in time order (`…:19Z` would sort after `…:19.5Z`) and keeps the shape
 *   of state cursors stable, which Airbyte's future-state test compares (docs/airbyte-protocol.md §2.6).
 * - More than six fraction digits are truncated, not rounded: truncation never moves a value into the next
 *   second (or day, or year), so a value keeps its calendar date and its place relative to its neighbours.
 * - No zone (T7, T8) means UTC, as the API's other fields for the same data are UTC.
 * - Leap seconds (`:60`), impossible dates (`2023-02-29`) and out-of-range offsets are unparseable.
 * - T9, human text such as `Feb 27, 2024 at 7:34:21 AM`, is unparseable on purpose: it carries no zone and is
 *   rendered for people, so any UTC instant made from it would be a guess. Schemas keep such fields as strings.
 */
export function parseTimestamp(value: unknown): ParsedTimestamp {
  if (value === null || value === undefined) return { ok: true, value: null };
  if (typeof value !== 'string') return { ok: false, reason: `expected a string, got ${typeof value}` };
  const text = value.trim();
  if (text === '') return { ok: true, value: null };
  const m = TIMESTAMP.exec(text);
  if (!m) return { ok: false, reason: 'not a timestamp in a known format' };
  const [, year, month, day, hour = '0', minute = '0', second = '0', fraction = '', zulu, sign, offsetHours = '0', offsetMinutes = '0'] = m;
  const y = Number(year);
  const mo = Number(month);
  const d = Number(day);
  const h = Number(hour);
  const mi = Number(minute);
  const s = Number(second);
  const oh = Number(offsetHours);
  const om = Number(offsetMinutes);
  if (mo < 1 || mo > 12 || d < 1 || d > daysInMonth(y, mo)) return { ok: false, reason: 'no such date' };
  if (h > 23 || mi > 59 || s > 59) return { ok: false, reason: 'no such time of day' };
  if (oh > 23 || om > 59) return { ok: false, reason: 'no such UTC offset' };
  const offsetSeconds = zulu || !sign ? 0 : (sign === '-' ? -1 : 1) * (oh * 3600 + om * 60);
  // Whole seconds and microseconds are kept apart: microseconds since 1970 would not fit a double's exact range
  // for far-off years.
  const seconds = daysFromCivil(y, mo, d) * 86_400 + h * 3600 + mi * 60 + s - offsetSeconds;
  const micros = fraction.padEnd(6, '0').slice(0, 6);
  const civil = new Date(seconds * 1000).toISOString();
  // An offset can push 0000-01-01 or 9999-12-31 out of four-digit years, which ISO-8601 cannot write plainly.
  if (civil.length !== 24) return { ok: false, reason: 'year out of range after converting to UTC' };
  return { ok: true, value: `${civil.slice(0, 19)}.${micros}Z`, epochMs: seconds * 1000 + Math.floor(Number(micros) / 1000) };
}

/**
 * Whether `text` is already what `parseTimestamp` makes: `YYYY-MM-DDTHH:MM:SS.ffffffZ`, a real date and time of day.
 * Such a string converts to itself, so the hot path keeps it without parsing; most of the API's timestamps (Prism's,
 * the audit log's) arrive in this form.
 */
export function isCanonicalUtc(text: string): boolean {
  if (text.length !== 27 || text.charCodeAt(26) !== 90 /* Z */) return false;
  for (let i = 0; i < 26; i++) {
    const c = text.charCodeAt(i);
    const expected = SEPARATORS[i];
    if (expected === undefined ? c < 48 || c > 57 : c !== expected) return false;
  }
  const two = (at: number) => (text.charCodeAt(at) - 48) * 10 + text.charCodeAt(at + 1) - 48;
  const year = two(0) * 100 + two(2);
  const month = two(5);
  const day = two(8);
  return month >= 1 && month <= 12 && day >= 1 && day <= daysInMonth(year, month) && two(11) <= 23 && two(14) <= 59 && two(17) <= 59;
}

/** The fixed characters of the canonical form by position (`-`, `T`, `:`, `.`); every other position is a digit. */
const SEPARATORS: (number | undefined)[] = [...'0000-00-00T00:00:00.000000'].map((c) => (c === '0' ? undefined : c.charCodeAt(0)));

function daysInMonth(year: number, month: number): number {
  if (month === 2) return year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0) ? 29 : 28;
  return [4, 6, 9, 11].includes(month) ? 30 : 31;
}

/**
 * Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's `days_from_civil`). Used instead of
 * `Date.UTC`, which reads years 0–99 as 1900–1999.
 */
function daysFromCivil(year: number, month: number, day: number): number {
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yearOfEra = y - era * 400;
  const dayOfYear = Math.floor((153 * (month > 2 ? month - 3 : month + 9) + 2) / 5) + day - 1;
  const dayOfEra = yearOfEra * 365 + Math.floor(yearOfEra / 4) - Math.floor(yearOfEra / 100) + dayOfYear;
  return era * 146_097 + dayOfEra - 719_468;
}

/**
 * A boolean in any of the API's spellings: real booleans; `"True"`/`"False"`, `"true"`/`"false"`,
 * `"Yes"`/`"No"` (any case, surrounding spaces ignored). `""`, `null`, `undefined` and anything else → null.
 */
export function toBool(value: unknown): boolean | null {
  if (typeof value === 'boolean') return value;
  if (typeof value !== 'string') return null;
  switch (value.trim().toLowerCase()) {
    case 'true':
    case 'yes':
      return true;
    case 'false':
    case 'no':
      return false;
    default:
      return null;
  }
}

// Sizes in /devices/{id}/details `volumes` (`"228.27 GB"`). Decimal units: macOS has reported storage in powers of
// ten since 10.6 (system_profiler prints "494.38 GB (494,384,795,648 bytes)"). The IEC units are binary.
const UNIT_BYTES: Record<string, number> = {
  b: 1,
  kb: 1e3,
  mb: 1e6,
  gb: 1e9,
  tb: 1e12,
  pb: 1e15,
  kib: 2 ** 10,
  mib: 2 ** 20,
  gib: 2 ** 30,
  tib: 2 ** 40,
  pib: 2 ** 50,
};

const NUMBER_WITH_UNIT = /^([+-]?(?:\d+(?:\.\d*)?|\.\d+))\s*(%|[kmgtp]i?b|b)?$/i;

/**
 * A number the API sent as a string, in the unit its suffix implies:
 * - a size (`"228.27 GB"`, `"512 MB"`, `"1.5 GiB"`) → **bytes**, rounded to a whole byte; B/KB/MB/GB/TB/PB are
 *   powers of ten, KiB…PiB powers of two;
 * - a percentage (`"19%"`) → **percentage points** (19, not 0.19);
 * - a bare number (`"8"`, `"12345"`) → that number; a real number passes through.
 *
 * `""`, `null`, `undefined` and anything else (`"8 GB LPDDR4"`, `"1,024"`, `NaN`) → null.
 */
export function toNumber(value: unknown): number | null {
  if (typeof value === 'number') return Number.isFinite(value) ? value : null;
  if (typeof value !== 'string') return null;
  const m = NUMBER_WITH_UNIT.exec(value.trim());
  if (!m) return null;
  const n = Number(m[1]);
  const unit = m[2]?.toLowerCase();
  if (unit === undefined || unit === '%') return n;
  return Math.round(n * (UNIT_BYTES[unit] as number));
}
