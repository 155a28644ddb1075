/**
 * Seeded data drift (opt-in): the API's records as they look when the API changes under a connector — a key nobody
 * has heard of, a key that went missing, `null` or `""` where a value was, a timestamp in no known format
 * (docs/kandji-api.md §7, quirks 6, 8 and 11, pushed further than the examples go).
 *
 * A share of the records in each 200 response is mutated. Which records, and how, is a pure function of the seed,
 * the request path and the record's identity (its key fields), so a retried or resumed request sees the same
 * drift, and a test can learn from `log` exactly what was changed. Key fields (`device_id`, `id`, …) and the
 * sections that hold them are never touched: a record that lost its key would be another record, not drift.
 * Off unless `share` is above 0; then no response is changed at all.
 */
import { hash, unit } from './random.ts';

export interface DriftOptions {
  /** Share of records mutated, 0–1. */
  share: number;
}

export type DriftKind = 'unknown-key' | 'deleted' | 'null' | 'empty' | 'bad-timestamp';

export interface DriftMutation {
  kind: DriftKind;
  /** Path of the field in the API's record: one or two keys. */
  path: string[];
  /** The value written (an unknown key's value, or the garbage timestamp). */
  value?: unknown;
}

export interface DriftedRecord {
  /** Request path the record came in, without the query: `/api/v1/prism/apps`. */
  path: string;
  /** The record's key fields as the API sent them, e.g. `{ device_id, bundle_id, path }`. */
  identity: Record<string, string>;
  mutations: DriftMutation[];
}

/** Fields that identify a record somewhere in the API; drift never touches them or the objects that hold them. */
export const KEY_FIELDS: readonly string[] = [
  'device_id',
  'id',
  'uuid',
  'bundle_id',
  'path',
  'payload_uuid',
  'generated_uid',
  // The row keys of the later streams (Prism categories, detections, statuses, parameters).
  'identifier',
  'common_name',
  'label',
  'service',
  'application',
  'local_user',
  'cve_id',
  'file_hash',
  'item_id',
];

const GARBAGE_TIMESTAMPS = ['not a date', '2026-13-45T99:99:99Z', '0000-00-00 00:00:00', 'yesterday, probably', '31/12/2025 25:61'];

/** A value in one of the API's timestamp spellings (docs/kandji-api.md §5): what `bad-timestamp` replaces. */
const TIMESTAMP = /^\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}|$)/;

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

function holdsKey(value: unknown): boolean {
  return isObject(value) && Object.keys(value).some((k) => KEY_FIELDS.includes(k) || holdsKey(value[k]));
}

/** The record's identity: key fields at the top, or in `general` (the shape of `/devices/{id}/details`). */
export function identityOf(record: Record<string, unknown>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const k of KEY_FIELDS) {
    const v = record[k];
    if (typeof v === 'string' || typeof v === 'number') out[k] = String(v);
  }
  const general = record.general;
  if (out.device_id === undefined && isObject(general) && typeof general.device_id === 'string') out.device_id = general.device_id;
  // A library item's status names its device as `computer.id`.
  const computer = record.computer;
  if (out.device_id === undefined && isObject(computer) && typeof computer.id === 'string') out.device_id = computer.id;
  return out;
}

/** FNV-1a of a string: identities are many and unique, so they are not hashed through random.ts's cached path. */
function fnv(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/**
 * The records of a response body: a bare array, `results`, `data`, `apps`, `parameters` or `library_items`, a page envelope under a
 * key (`{ activity: { results } }`), or the object itself. The envelope is never drifted, only the rows in it.
 */
function recordsOf(body: unknown): Record<string, unknown>[] {
  if (Array.isArray(body)) return body.filter(isObject);
  if (!isObject(body)) return [];
  for (const key of ['results', 'data', 'apps', 'parameters', 'library_items'])
    if (Array.isArray(body[key])) return (body[key] as unknown[]).filter(isObject);
  for (const value of Object.values(body)) if (isObject(value) && Array.isArray(value.results)) return recordsOf(value);
  return [body];
}

/**
 * A copy of `body` with a `share` of its records mutated; each mutated record is noted in `log` (keyed by path and
 * identity, so repeats of a request note it once). Bodies that hold no records come back as they are.
 */
export function driftBody(seed: number, path: string, body: unknown, options: DriftOptions, log: Map<string, DriftedRecord>): unknown {
  if (!(options.share > 0)) return body;
  const copy = structuredClone(body);
  for (const record of recordsOf(copy)) {
    const identity = identityOf(record);
    const id = JSON.stringify(identity);
    const key = fnv(`${path}|${id}`);
    if (unit(seed, 'drift', key) >= options.share) continue;
    const mutations = mutate(seed, key, record);
    if (mutations.length > 0) log.set(`${path}|${id}`, { path, identity, mutations });
  }
  return copy;
}

/** One to three mutations of `record`, in place. */
function mutate(seed: number, key: number, record: Record<string, unknown>): DriftMutation[] {
  const fields: string[][] = [];
  for (const [k, v] of Object.entries(record)) {
    if (KEY_FIELDS.includes(k)) continue;
    if (isObject(v)) {
      for (const k2 of Object.keys(v)) if (!KEY_FIELDS.includes(k2) && !holdsKey(v[k2])) fields.push([k, k2]);
      if (holdsKey(v)) continue;
    }
    fields.push([k]);
  }
  const timestamps = fields.filter((p) => TIMESTAMP.test(String(get(record, p))) && typeof get(record, p) === 'string');
  const count = 1 + (hash(seed, 'drift-count', key) % 3);
  const mutations: DriftMutation[] = [];
  const touched = new Set<string>();
  for (let n = 0; n < count; n++) {
    let kind = (['unknown-key', 'deleted', 'null', 'empty', 'bad-timestamp'] as const)[hash(seed, 'drift-kind', key, n) % 5] as DriftKind;
    if (kind === 'bad-timestamp' && timestamps.length === 0) kind = 'null';
    const pool = kind === 'bad-timestamp' ? timestamps : fields;
    if (kind === 'unknown-key') {
      // Sometimes nested in a section, as a newer API version would add it.
      const sections = Object.keys(record).filter((k) => isObject(record[k]) && !KEY_FIELDS.includes(k) && !touched.has(k));
      const inSection = sections.length > 0 && hash(seed, 'drift-nest', key, n) % 2 === 0;
      const name = `x_drift_${hash(seed, 'drift-name', key, n).toString(36)}`;
      const path = inSection ? [sections[hash(seed, 'drift-section', key, n) % sections.length] as string, name] : [name];
      const value = [
        `added in a later API version`,
        hash(seed, 'drift-value', key, n) % 1000,
        { nested: true, list: [1, 'two'] },
        ['a', null],
      ][hash(seed, 'drift-type', key, n) % 4];
      set(record, path, value);
      touched.add(path.join('/'));
      mutations.push({ kind, path, value });
      continue;
    }
    const candidates = pool.filter(
      (p) => !touched.has(p.join('/')) && ![...touched].some((t) => t.startsWith(`${p.join('/')}/`) || p.join('/').startsWith(`${t}/`)),
    );
    if (candidates.length === 0) continue;
    const path = candidates[hash(seed, 'drift-field', key, n) % candidates.length] as string[];
    touched.add(path.join('/'));
    switch (kind) {
      case 'deleted':
        remove(record, path);
        mutations.push({ kind, path });
        break;
      case 'null':
        set(record, path, null);
        mutations.push({ kind, path });
        break;
      case 'empty':
        set(record, path, '');
        mutations.push({ kind, path });
        break;
      case 'bad-timestamp': {
        const value = GARBAGE_TIMESTAMPS[hash(seed, 'drift-garbage', key, n) % GARBAGE_TIMESTAMPS.length];
        set(record, path, value);
        mutations.push({ kind, path, value });
        break;
      }
    }
  }
  return mutations;
}

function get(record: Record<string, unknown>, path: string[]): unknown {
  return path.length === 1 ? record[path[0] as string] : (record[path[0] as string] as Record<string, unknown>)[path[1] as string];
}

function set(record: Record<string, unknown>, path: string[], value: unknown): void {
  if (path.length === 1) record[path[0] as string] = value;
  else (record[path[0] as string] as Record<string, unknown>)[path[1] as string] = value;
}

function remove(record: Record<string, unknown>, path: string[]): void {
  if (path.length === 1) delete record[path[0] as string];
  else delete (record[path[0] as string] as Record<string, unknown>)[path[1] as string];
}
