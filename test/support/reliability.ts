/**
 * Helpers for the reliability suites: reads too large to hold are reduced, as their lines stream past, to what the
 * suites compare — per stream, each record's primary key and a hash of its data, and its record changes.
 */
import { createHash } from 'node:crypto';
import { expect } from 'vitest';
import { STREAMS } from '../../streams/index.ts';
import { keyOf, run, type ReadOutput } from './connector.ts';

export interface Digest {
  /** Per stream: one entry per RECORD, the primary key as a string. */
  keys: Map<string, string[]>;
  /** Per stream: one entry per RECORD, `key → sha1 of the record's data`, sorted: equal lists mean equal records. */
  hashes: Map<string, string[]>;
  /** Per stream: the fields the connector nulled (RECORD meta.changes), `key field`. */
  changes: Map<string, string[]>;
}

export interface DigestedRead extends ReadOutput, Digest {}

const primaryKeys = new Map(STREAMS.map((s) => [s.name, s.primaryKey]));

/** Run the CLI (protocol-checked and token-scanned by `run`), keeping RECORDs only as keys and hashes. */
export async function digestRead(
  args: string[],
  options: { killAfterLines?: number; killSignal?: NodeJS.Signals; slowReader?: boolean } = {},
): Promise<DigestedRead> {
  const digest: Digest = { keys: new Map(), hashes: new Map(), changes: new Map() };
  const push = (map: Map<string, string[]>, stream: string, value: string) => {
    const list = map.get(stream) ?? [];
    map.set(stream, list);
    list.push(value);
  };
  const out = await run(args, {
    ...options,
    dropRecords: true,
    onLine: (line) => {
      // Cheap test before parsing: most lines of a large read are records, and only they are digested here.
      if (!line.slice(0, 40).includes('"RECORD"')) return;
      const msg = JSON.parse(line) as {
        type: string;
        record: { stream: string; data: Record<string, unknown>; meta?: { changes?: { field: string; change: string }[] } };
      };
      if (msg.type !== 'RECORD') return;
      const record = msg.record;
      const key = keyOf(primaryKeys.get(record.stream) ?? [], record.data);
      push(digest.keys, record.stream, key);
      push(digest.hashes, record.stream, `${key} ${createHash('sha1').update(JSON.stringify(record.data)).digest('hex')}`);
      for (const change of record.meta?.changes ?? []) push(digest.changes, record.stream, `${key} ${change.field} ${change.change}`);
    },
  });
  for (const list of digest.hashes.values()) list.sort();
  return { ...out, ...digest };
}

/** Per stream, the same records: same count, same keys, same data. */
export function expectSameRecords(actual: Digest, expected: Digest): void {
  const streams = new Set([...actual.hashes.keys(), ...expected.hashes.keys()]);
  for (const stream of streams) {
    const a = actual.hashes.get(stream) ?? [];
    const e = expected.hashes.get(stream) ?? [];
    expect(a.length, `${stream}: records`).toBe(e.length);
    // Compare as sets of differences first: a failure names the records, not 100,000 lines of diff.
    const eSet = new Set(e);
    const aSet = new Set(a);
    expect(a.filter((h) => !eSet.has(h)).slice(0, 5), `${stream}: records not in the clean read`).toEqual([]);
    expect(e.filter((h) => !aSet.has(h)).slice(0, 5), `${stream}: records of the clean read missing`).toEqual([]);
  }
}

/** Primary keys that occur more than once in `keys`. */
export function duplicates(keys: readonly string[]): string[] {
  const seen = new Set<string>();
  const twice = new Set<string>();
  for (const k of keys) (seen.has(k) ? twice : seen).add(k);
  return [...twice];
}

/** A small seeded PRNG (mulberry32), for choosing test points repeatably. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
