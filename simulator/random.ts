/**
 * Stateless, keyed randomness for the simulated tenant.
 *
 * Every record of the tenant is a pure function of (seed, kind, index, …). A stateful PRNG would force the simulator
 * to replay the sequence up to record N to produce record N (or to keep all records in memory); a keyed hash gives
 * any record in O(1) and keeps the tenant's memory flat whatever its size. The mixer is the 32-bit finaliser of
 * MurmurHash3 folded over the key's parts, which is well distributed for sequential integer keys.
 */

/** A key part: small integers and short strings. */
export type KeyPart = number | string;

const textHashCache = new Map<string, number>();

function hashText(text: string): number {
  let cached = textHashCache.get(text);
  if (cached === undefined) {
    // FNV-1a over UTF-16 code units; only used for the (few, constant) salt strings.
    let h = 0x811c9dc5;
    for (let i = 0; i < text.length; i++) {
      h ^= text.charCodeAt(i);
      h = Math.imul(h, 0x01000193);
    }
    cached = h >>> 0;
    textHashCache.set(text, cached);
  }
  return cached;
}

function fmix(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** A 32-bit unsigned hash of the seed and key parts. */
export function hash(seed: number, ...parts: KeyPart[]): number {
  let h = fmix(seed ^ 0x9e3779b9);
  for (const part of parts) {
    const v = typeof part === 'number' ? part | 0 : hashText(part);
    // Fold in the high bits too, so keys above 2^32 (timestamps in ms) still differ.
    const hi = typeof part === 'number' ? Math.floor(part / 4294967296) | 0 : 0;
    h = fmix((h ^ v) + 0x6b43a9b5 + Math.imul(hi, 0x27d4eb2f));
  }
  return h;
}

/** A float in [0, 1). */
export function unit(seed: number, ...parts: KeyPart[]): number {
  return hash(seed, ...parts) / 4294967296;
}

/** An integer in [min, max], inclusive. */
export function between(seed: number, min: number, max: number, ...parts: KeyPart[]): number {
  return min + Math.floor(unit(seed, ...parts) * (max - min + 1));
}

/** One element of a list. */
export function pick<T>(seed: number, list: readonly T[], ...parts: KeyPart[]): T {
  return list[Math.floor(unit(seed, ...parts) * list.length)] as T;
}

/** One element of a list of [value, weight] pairs, by weight. */
export function weighted<T>(seed: number, choices: readonly (readonly [T, number])[], ...parts: KeyPart[]): T {
  const total = choices.reduce((sum, [, w]) => sum + w, 0);
  let r = unit(seed, ...parts) * total;
  for (const [value, w] of choices) {
    r -= w;
    if (r < 0) return value;
  }
  return (choices[choices.length - 1] as readonly [T, number])[0];
}

/** True with probability p. */
export function chance(seed: number, p: number, ...parts: KeyPart[]): boolean {
  return unit(seed, ...parts) < p;
}

/** The first 32 bits of `uuid(seed, ...parts)`, as a number: its first eight hex digits, so it sorts the same way. */
export function uuidHead(seed: number, ...parts: KeyPart[]): number {
  return hash(seed, ...parts, 'uuid', 0);
}

const BYTE_HEX = Array.from({ length: 256 }, (_, b) => b.toString(16).padStart(2, '0'));
const hex16 = (v: number) => (BYTE_HEX[(v >>> 8) & 255] as string) + BYTE_HEX[v & 255];

/**
 * A version-4-shaped UUID derived from the key: stable for the same seed and key. Assembled with `join`, which gives
 * a flat string: building it a character at a time with `+=` leaves a rope of ~40 nodes, about 1 KB per id, and a
 * 100,000-device sort by id held 100,000 of them.
 */
export function uuid(seed: number, ...parts: KeyPart[]): string {
  const a = hash(seed, ...parts, 'uuid', 0);
  const b = hash(seed, ...parts, 'uuid', 1);
  const c = hash(seed, ...parts, 'uuid', 2);
  const d = hash(seed, ...parts, 'uuid', 3);
  return [
    hex16(a >>> 16) + hex16(a),
    hex16(b >>> 16),
    hex16(0x4000 | (b & 0x0fff)), // version 4
    hex16(0x8000 | ((c >>> 16) & 0x3fff)), // variant 10xx
    hex16(c) + hex16(d >>> 16) + hex16(d),
  ].join('-');
}

const SERIAL_ALPHABET = [...'ABCDEFGHJKLMNPQRSTUVWXYZ0123456789']; // Apple serials avoid I and O

/** A 12-character Apple-style serial number. */
export function serial(seed: number, ...parts: KeyPart[]): string {
  let out = '';
  for (let i = 0; i < 12; i++) out += pick(seed, SERIAL_ALPHABET, ...parts, 'serial', i);
  return out;
}
