import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { normalizeRecord } from '../../schemas/normalize.ts';
import { array, object, record, string } from '../../schemas/schema.ts';
import { isCanonicalUtc, parseTimestamp, toBool, toNumber } from '../../schemas/values.ts';

/** parseTimestamp's value: ISO-8601 UTC, or null when empty or unparseable. */
const toIsoUtc = (value: unknown): string | null => {
  const parsed = parseTimestamp(value);
  return parsed.ok ? parsed.value : null;
};

describe('toIsoUtc: the timestamp formats of docs/kandji-api.md §5', () => {
  it.each([
    // T1 ISO, Z, 6-digit fraction (devices last_check_in, audit occurred_at)
    ['2023-01-18T21:46:26.879113Z', '2023-01-18T21:46:26.879113Z'],
    // T2 space, 6-digit fraction, +00:00 (devices first_enrollment)
    ['2022-12-13 19:14:20.455640+00:00', '2022-12-13T19:14:20.455640Z'],
    // T3 space, no fraction, +00:00 (details kandji_agent.install_date)
    ['2024-06-17 11:32:35+00:00', '2024-06-17T11:32:35.000000Z'],
    // T4 space, " +0000" (details installed_profiles[].install_date)
    ['2024-05-13 20:09:23 +0000', '2024-05-13T20:09:23.000000Z'],
    // T5 ISO, Z, no fraction (library file_updated)
    ['2021-05-11T19:45:19Z', '2021-05-11T19:45:19.000000Z'],
    // T6 ISO, +00:00 (Prism)
    ['2023-11-30T16:45:23.389926+00:00', '2023-11-30T16:45:23.389926Z'],
    // T7 ISO, no zone: UTC (v1 threat details)
    ['2023-04-21T17:23:13.883134', '2023-04-21T17:23:13.883134Z'],
    // T8 space, no zone: UTC (vulnerabilities)
    ['2023-10-13 16:15:00.000000', '2023-10-13T16:15:00.000000Z'],
    // T10 date only: midnight UTC (Android security_patch_level)
    ['2024-12-05', '2024-12-05T00:00:00.000000Z'],
  ])('%s → %s', (input, expected) => {
    expect(toIsoUtc(input)).toBe(expected);
  });

  it('converts offsets to UTC, negative ones and ±HHMM included, across day and year boundaries', () => {
    expect(toIsoUtc('2024-03-01T08:30:00-05:00')).toBe('2024-03-01T13:30:00.000000Z');
    expect(toIsoUtc('2024-03-01T20:30:00.25-0500')).toBe('2024-03-02T01:30:00.250000Z');
    expect(toIsoUtc('2024-01-01T01:00:00+02:00')).toBe('2023-12-31T23:00:00.000000Z');
    expect(toIsoUtc('2023-12-31T23:30:00.5-01:00')).toBe('2024-01-01T00:30:00.500000Z');
    expect(toIsoUtc('2024-06-30T12:00:00+05:45')).toBe('2024-06-30T06:15:00.000000Z');
    expect(toIsoUtc('2024-06-30 12:00:00 -0930')).toBe('2024-06-30T21:30:00.000000Z');
  });

  it('keeps every fraction digit up to microseconds and pads shorter fractions to six', () => {
    expect(toIsoUtc('2023-01-18T21:46:26.8Z')).toBe('2023-01-18T21:46:26.800000Z');
    expect(toIsoUtc('2023-01-18T21:46:26.879Z')).toBe('2023-01-18T21:46:26.879000Z');
    expect(toIsoUtc('2023-01-18T21:46:26.000001Z')).toBe('2023-01-18T21:46:26.000001Z');
  });

  it('truncates digits past microseconds instead of rounding, so no value crosses into the next second', () => {
    expect(toIsoUtc('2023-01-18T21:46:26.1234567Z')).toBe('2023-01-18T21:46:26.123456Z');
    expect(toIsoUtc('2023-01-18T21:46:26.123456789Z')).toBe('2023-01-18T21:46:26.123456Z');
    expect(toIsoUtc('2023-12-31T23:59:59.9999999Z')).toBe('2023-12-31T23:59:59.999999Z');
  });

  it('accepts a lowercase t and z, and surrounding spaces', () => {
    expect(toIsoUtc('2023-01-18t21:46:26z')).toBe('2023-01-18T21:46:26.000000Z');
    expect(toIsoUtc('  2023-01-18T21:46:26Z\n')).toBe('2023-01-18T21:46:26.000000Z');
  });

  it('handles leap days, and years whose Date.UTC spelling would be read as 19xx', () => {
    expect(toIsoUtc('2024-02-29T12:00:00Z')).toBe('2024-02-29T12:00:00.000000Z');
    expect(toIsoUtc('2000-02-29')).toBe('2000-02-29T00:00:00.000000Z');
    expect(toIsoUtc('0050-06-01T00:00:00Z')).toBe('0050-06-01T00:00:00.000000Z');
    expect(toIsoUtc('1969-12-31T23:59:59.5Z')).toBe('1969-12-31T23:59:59.500000Z');
  });

  it('returns the instant in ms next to the string', () => {
    const parsed = parseTimestamp('2022-12-13 19:14:20.455640+00:00');
    expect(parsed).toEqual({ ok: true, value: '2022-12-13T19:14:20.455640Z', epochMs: Date.UTC(2022, 11, 13, 19, 14, 20, 455) });
    expect(parseTimestamp('1969-12-31T23:59:59.5Z')).toMatchObject({ epochMs: -500 });
  });

  it('tells an empty value (null, no warning) from an unparseable one (null, with a reason)', () => {
    for (const empty of ['', '   ', null, undefined]) expect(parseTimestamp(empty)).toEqual({ ok: true, value: null });
    expect(parseTimestamp('yesterday')).toEqual({ ok: false, reason: 'not a timestamp in a known format' });
    expect(parseTimestamp(1_700_000_000_000)).toEqual({ ok: false, reason: 'expected a string, got number' });
    expect(toIsoUtc('')).toBeNull();
    expect(toIsoUtc('yesterday')).toBeNull();
  });

  it('refuses impossible dates and times: no leap seconds, no Feb 29 in common years, no hour 24', () => {
    expect(parseTimestamp('2016-12-31T23:59:60Z')).toEqual({ ok: false, reason: 'no such time of day' });
    expect(parseTimestamp('2023-02-29')).toEqual({ ok: false, reason: 'no such date' });
    expect(parseTimestamp('1900-02-29')).toEqual({ ok: false, reason: 'no such date' });
    expect(parseTimestamp('2023-04-31T00:00:00Z')).toEqual({ ok: false, reason: 'no such date' });
    expect(parseTimestamp('2023-13-01')).toEqual({ ok: false, reason: 'no such date' });
    expect(parseTimestamp('2023-01-01T24:00:00Z')).toEqual({ ok: false, reason: 'no such time of day' });
    expect(parseTimestamp('2023-01-01T00:00:00+24:00')).toEqual({ ok: false, reason: 'no such UTC offset' });
    expect(parseTimestamp('9999-12-31T23:00:00-05:00')).toEqual({ ok: false, reason: 'year out of range after converting to UTC' });
  });

  it('refuses near misses rather than guessing', () => {
    for (const text of [
      '2023-01-18T21:46Z',
      '2023-1-18',
      '18/01/2023',
      '2023-01-18T21:46:26.Z',
      '2023-01-18T21:46:26+00',
      '2023-01-18T21:46:26.1234567890Z',
    ])
      expect(parseTimestamp(text), text).toMatchObject({ ok: false });
  });

  it('T9 human text has no zone and is not converted: unparseable, so the schema keeps such fields as strings', () => {
    expect(parseTimestamp('Feb 27, 2024 at 7:34:21 AM')).toEqual({ ok: false, reason: 'not a timestamp in a known format' });
    expect(parseTimestamp('1 month ago')).toMatchObject({ ok: false });
  });
});

describe('isCanonicalUtc: the fast path for timestamps already in the output form', () => {
  it('accepts real instants in the exact form and refuses near misses', () => {
    expect(isCanonicalUtc('2025-12-29T19:27:55.866266Z')).toBe(true);
    expect(isCanonicalUtc('2024-02-29T00:00:00.000000Z')).toBe(true);
    expect(isCanonicalUtc('2023-02-29T00:00:00.000000Z')).toBe(false);
    expect(isCanonicalUtc('2024-01-01T24:00:00.000000Z')).toBe(false);
    expect(isCanonicalUtc('2024-01-01T23:59:60.000000Z')).toBe(false);
    expect(isCanonicalUtc('2024-13-01T00:00:00.000000Z')).toBe(false);
    expect(isCanonicalUtc('2024-01-01 00:00:00.000000Z')).toBe(false);
    expect(isCanonicalUtc('2024-01-01T00:00:00.000000z')).toBe(false);
    expect(isCanonicalUtc('2024-01-01T00:00:00.00000Z')).toBe(false);
    expect(isCanonicalUtc('2024-01-01T00:00:00.000000+00:00')).toBe(false);
  });

  it('keeps only strings that parseTimestamp would return unchanged, and keeps every such string', () => {
    const canonical = fc
      .record({ ms: fc.integer({ min: -62_167_219_200_000, max: 253_402_300_799_999 }), micros: fc.integer({ min: 0, max: 999 }) })
      .map(({ ms, micros }) => `${new Date(ms).toISOString().slice(0, 23)}${String(micros).padStart(3, '0')}Z`);
    fc.assert(fc.property(canonical, (text) => isCanonicalUtc(text) && parseTimestamp(text).ok && toIsoUtc(text) === text));
    // Any string of the right length and alphabet: accepted only if parsing gives the same string back.
    const lookalike = fc.string({ minLength: 27, maxLength: 27, unit: fc.constantFrom(...'0123456789-T:.Z ') });
    fc.assert(fc.property(lookalike, (text) => !isCanonicalUtc(text) || toIsoUtc(text) === text));
    const mutated = fc
      .tuple(canonical, fc.nat(26), fc.constantFrom(...'0123456789-T:.Z'))
      .map(([t, i, c]) => t.slice(0, i) + c + t.slice(i + 1));
    fc.assert(
      fc.property(mutated, (text) => isCanonicalUtc(text) === (toIsoUtc(text) === text)),
      { numRuns: 2000 },
    );
  });
});

describe('toBool', () => {
  it.each([
    [true, true],
    [false, false],
    ['True', true],
    ['False', false],
    ['true', true],
    ['false', false],
    ['Yes', true],
    ['No', false],
    [' YES ', true],
    ['', null],
    [null, null],
    [undefined, null],
    ['maybe', null],
    [1, null],
  ])('%j → %j', (input, expected) => {
    expect(toBool(input)).toBe(expected);
  });
});

describe('toNumber', () => {
  it('reads sizes as bytes, decimal for GB/MB, binary for GiB', () => {
    expect(toNumber('228.27 GB')).toBe(228_270_000_000);
    expect(toNumber('182.66 GB')).toBe(182_660_000_000);
    expect(toNumber('128.0 GB')).toBe(128_000_000_000);
    expect(toNumber('512 MB')).toBe(512_000_000);
    expect(toNumber('2TB')).toBe(2_000_000_000_000);
    expect(toNumber('1.5 GiB')).toBe(1_610_612_736);
    expect(toNumber('4 KiB')).toBe(4096);
    expect(toNumber('17 B')).toBe(17);
    expect(toNumber('1 gb')).toBe(1_000_000_000);
  });

  it('reads percentages as percentage points', () => {
    expect(toNumber('19%')).toBe(19);
    expect(toNumber('8%')).toBe(8);
    expect(toNumber('12.5 %')).toBe(12.5);
  });

  it('reads bare numeric strings and passes real numbers through', () => {
    expect(toNumber('8')).toBe(8);
    expect(toNumber('12345')).toBe(12345);
    expect(toNumber(' 0.5 ')).toBe(0.5);
    expect(toNumber('-3')).toBe(-3);
    expect(toNumber(42)).toBe(42);
  });

  it('gives null for no value and for anything it cannot read', () => {
    for (const value of ['', '  ', null, undefined, '8 GB LPDDR4', '1,024', 'GB', 'abc', Number.NaN, Number.POSITIVE_INFINITY, true])
      expect(toNumber(value), String(value)).toBeNull();
  });
});

describe('normalizeRecord: the no-value spellings of a section (docs/kandji-api.md §7, quirk 6)', () => {
  const schema = record({ section: object({ a: string() }), list: array(string()), text: string() });
  const normalized = (row: Record<string, unknown>) => normalizeRecord(schema as never, row).data;

  it('turns the no-value spellings into null', () => {
    expect(normalized({ section: '' }).section).toBeNull();
    expect(normalized({ section: {} }).section).toBeNull();
    expect(normalized({ section: null }).section).toBeNull();
    expect(normalized({ section: undefined }).section).toBeNull();
  });

  it('keeps real values, empty lists and strings', () => {
    expect(normalized({ list: [] }).list).toEqual([]);
    expect(normalized({ section: { a: '1' } }).section).toEqual({ a: '1' });
    expect(normalized({ text: 'x' }).text).toBe('x');
    expect(normalized({ text: ' ' }).text).toBe(' ');
  });
});
