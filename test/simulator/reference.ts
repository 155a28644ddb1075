/**
 * The saved example responses of the public API description (test/fixtures/reference/kandji-openapi/, MIT, copied
 * from MScottBlake/kandji-openapi), read at test time, and a shape comparison of a simulator body against one of them.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const REFERENCE_DIR = path.resolve(repoRoot, 'test/fixtures/reference/kandji-openapi');

type Json = unknown;

interface OpenApi {
  paths: Record<string, { get?: { responses?: Record<string, { content?: Record<string, { example?: { value?: Json } }> }> } }>;
}

interface PostmanItem {
  name: string;
  item?: PostmanItem[];
  request?: { method: string; url: string | { raw: string } };
  response?: { name: string; body?: string }[];
}

let openapi: OpenApi | undefined;
let postman: PostmanItem[] | undefined;

function loadOpenApi(): OpenApi {
  openapi ??= JSON.parse(readFileSync(path.join(REFERENCE_DIR, 'openapi.json'), 'utf8')) as OpenApi;
  return openapi;
}

function loadPostman(): PostmanItem[] {
  postman ??= (JSON.parse(readFileSync(path.join(REFERENCE_DIR, 'kandji_postman_collection.json'), 'utf8')) as { item: PostmanItem[] })
    .item;
  return postman;
}

/** The example 200 body of a GET in openapi.json, e.g. `oasExample('/api/v1/devices')`. */
export function oasExample(apiPath: string): Json {
  const value = loadOpenApi().paths[apiPath]?.get?.responses?.['200']?.content?.['application/json']?.example?.value;
  if (value === undefined) throw new Error(`openapi.json has no GET 200 example for ${apiPath}`);
  return value;
}

/**
 * Saved examples are sometimes not JSON (docs/kandji-api.md §7.13): an elided `...` line stands for more elements. Drop
 * such lines and the trailing commas they leave, and parse what remains.
 */
export function lenientJson(text: string): Json {
  const kept = text
    .split('\n')
    .filter((line) => !/^\s*(\.\.\.|…),?\s*$/.test(line))
    .join('\n')
    .replace(/,(\s*[}\]])/g, '$1');
  return JSON.parse(kept);
}

/**
 * The body of a saved response in the Postman collection: the GET request whose URL path (after `/api/v1/`, without
 * the query) is `requestPath`, and its saved response called `responseName`.
 */
export function postmanExample(requestPath: string, responseName: string): Json {
  const found: Json[] = [];
  const walk = (items: PostmanItem[]) => {
    for (const item of items) {
      if (item.item) walk(item.item);
      if (item.request?.method !== 'GET') continue;
      const raw = typeof item.request.url === 'string' ? item.request.url : item.request.url.raw;
      const p = raw.replace(/^.*\/api\/v1\//, '').replace(/\?.*$/, '');
      if (p !== requestPath) continue;
      for (const r of item.response ?? []) if (r.name === responseName && r.body) found.push(lenientJson(r.body));
    }
  };
  walk(loadPostman());
  if (found.length !== 1) throw new Error(`postman collection: ${found.length} saved responses for GET ${requestPath} "${responseName}"`);
  return found[0];
}

// ---------------------------------------------------------------------------------------------------------------------
// Shape comparison

export type JsonType = 'null' | 'string' | 'number' | 'boolean' | 'object' | 'array';

export function jsonType(v: Json): JsonType {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  const t = typeof v;
  if (t === 'string' || t === 'number' || t === 'boolean' || t === 'object') return t;
  throw new Error(`not a JSON value: ${String(v)}`);
}

/**
 * What a simulator body may do differently from an example at one key path. Paths name object keys with dots and
 * array elements with `[]`, from the body's root: `[].user`, `general.assigned_user`, `data[].bundle_size`.
 */
export type Allowance =
  /** The key may be absent from the simulator's record (the reference documents it as sometimes missing). */
  | { path: string; allow: 'missing'; why: string }
  /** The simulator may carry this key although the example lacks it (the reference documents it). */
  | { path: string; allow: 'extra'; why: string }
  /** The value may be "no value" instead: `""`, `null`, `{}` or `[]` (docs/kandji-api.md §7.6). */
  | { path: string; allow: 'empty'; why: string }
  /** The value may also have these JSON types. */
  | { path: string; allow: 'types'; types: readonly JsonType[]; why: string }
  /** Only the value's JSON type is compared, not its keys: its content varies by record kind. */
  | { path: string; allow: 'opaque'; types: readonly JsonType[]; why: string };

export interface Mismatch {
  path: string;
  problem: string;
}

/**
 * Compare `sim` against `ref`: the same keys, and the same JSON type per key, recursively. Arrays are compared
 * element by element against the example's first element. Two general rules, besides the allowances:
 *  - a `null` in the example says nothing about the type, so any simulator value passes there;
 *  - an empty `{}` or `[]` in the example says nothing about members, so only the container type is checked.
 */
export function compareShape(sim: Json, ref: Json, allowances: readonly Allowance[], at = '', used?: Set<Allowance>): Mismatch[] {
  const out: Mismatch[] = [];
  const rules = (p: string) => allowances.filter((a) => a.path === p);
  /** Apply an allowance of this kind at `p`, if there is one, and note that it was needed. */
  const allowed = (p: string, kind: Allowance['allow'], test: (a: Allowance) => boolean = () => true) => {
    const rule = rules(p).find((a) => a.allow === kind && test(a));
    if (rule) used?.add(rule);
    return rule !== undefined;
  };
  const visit = (s: Json, r: Json, p: string) => {
    if (r === null) return;
    const st = jsonType(s);
    const rt = jsonType(r);
    const here = rules(p);
    if (isEmpty(s) && !isEmpty(r) && allowed(p, 'empty')) return;
    const opaque = here.find((a) => a.allow === 'opaque');
    if (opaque && opaque.allow === 'opaque') {
      used?.add(opaque);
      if (st !== rt && !opaque.types.includes(st)) out.push({ path: p, problem: `type ${st}, example has ${rt}` });
      return;
    }
    if (st !== rt) {
      if (!allowed(p, 'types', (a) => a.allow === 'types' && a.types.includes(st)))
        out.push({ path: p, problem: `type ${st}, example has ${rt}` });
      return;
    }
    if (rt === 'array') {
      const ra = r as Json[];
      if (ra.length === 0) return;
      for (const e of s as Json[]) visit(e, ra[0], `${p}[]`);
      return;
    }
    if (rt === 'object') {
      const so = s as Record<string, Json>;
      const ro = r as Record<string, Json>;
      if (Object.keys(ro).length === 0) return;
      for (const key of Object.keys(ro)) {
        const kp = p ? `${p}.${key}` : key;
        if (key in so) visit(so[key], ro[key], kp);
        else if (!allowed(kp, 'missing')) out.push({ path: kp, problem: 'missing' });
      }
      for (const key of Object.keys(so)) {
        const kp = p ? `${p}.${key}` : key;
        if (!(key in ro) && !allowed(kp, 'extra')) out.push({ path: kp, problem: 'not in the example' });
      }
    }
  };
  visit(sim, ref, at);
  return out;
}

function isEmpty(v: Json): boolean {
  return v === null || v === '' || (Array.isArray(v) ? v.length === 0 : typeof v === 'object' && Object.keys(v as object).length === 0);
}

/** Mismatches reported once per path and problem, so a list of 300 records does not repeat one finding 300 times. */
export function distinct(mismatches: readonly Mismatch[]): string[] {
  return [...new Set(mismatches.map((m) => `${m.path}: ${m.problem}`))].sort();
}
