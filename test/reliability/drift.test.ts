/**
 * Data drift (issue 6): records with keys nobody has heard of, keys gone missing, `null` or `""` where values were,
 * timestamps in no known format — and a device deleted between the device list and its details call — all pass
 * through without failing the sync. What cannot be read is nulled, listed in the record's meta.changes and counted
 * in a WARN; a deleted device is skipped with a WARN; nothing valid is dropped: every other value arrives exactly as
 * a clean read of the same tenant has it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DriftedRecord } from '../../simulator/drift.ts';
import { identityOf } from '../../simulator/drift.ts';
import { startSimulator, type Simulator } from '../../simulator/server.ts';
import { STREAMS, streamByName } from '../../streams/index.ts';
import { catalogFile, configFile, expectNoToken, keyOf, run, type ReadOutput } from '../support/connector.ts';

const SEED = 909;
const limits = { perSecond: 100_000, perHour: 10_000_000 };

/** The request paths a stream's records come from. */
function pathMatches(stream: string, path: string): boolean {
  const plan = streamByName(stream)?.plan;
  switch (plan?.kind) {
    case 'list':
      return plan.requests.some((r) => path === `/api/v1${r.path}`);
    case 'prism':
      return path === `/api/v1/prism/${plan.category}`;
    case 'per-device': {
      // Any parent's path: the drift log is already keyed by the record's identity.
      const [before, after] = `/api/v1${plan.path('{id}')}`.split(encodeURIComponent('{id}')) as [string, string];
      const id = path.slice(before.length, path.length - after.length);
      return path.startsWith(before) && path.endsWith(after) && id !== '' && !id.includes('/');
    }
    case 'audit':
      return path === '/api/v1/audit/events';
    default:
      return false;
  }
}

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

function at(record: Json, path: string[]): { present: boolean; value: unknown } {
  let here: unknown = record;
  for (const k of path) {
    if (!isObject(here) || !(k in here)) return { present: false, value: undefined };
    here = here[k];
  }
  return { present: true, value: here };
}

/**
 * Leaf paths where two records differ (objects compared key by key; arrays and scalars as values). A null section
 * compares as `{}`: an empty section is null after normalisation, and gains fields only if drift added some.
 */
function differences(a: unknown, b: unknown, path: string[] = []): string[][] {
  if ((isObject(a) || isObject(b)) && (a === null || b === null)) return differences(a ?? {}, b ?? {}, path);
  if (isObject(a) && isObject(b)) {
    const out: string[][] = [];
    for (const k of new Set([...Object.keys(a), ...Object.keys(b)])) out.push(...differences(a[k], b[k], [...path, k]));
    return out;
  }
  return JSON.stringify(a) === JSON.stringify(b) ? [] : [path];
}

const under = (path: string[], prefix: string[]) => prefix.every((k, i) => path[i] === k);
/**
 * The API's older spellings a stream's `map` renames to one (vulnerability_detections reads both spellings): a
 * drifted `severity` shows in the record as `cvss_severity`.
 */
const SPELLINGS: Record<string, string> = {
  severity: 'cvss_severity',
  description: 'cve_description',
  detection_datetime: 'latest_detection_date',
};
/** A mutated field, the field the connector renames it to, or the `<field>_bytes` / `_number` / `_normalized` twin it derives. */
const explainedBy = (path: string[], mutated: string[]): boolean =>
  under(path, mutated) ||
  (mutated.length === 1 && SPELLINGS[mutated[0] as string] !== undefined && under(path, [SPELLINGS[mutated[0] as string] as string])) ||
  (path.length === mutated.length &&
    under(path.slice(0, -1), mutated.slice(0, -1)) &&
    new RegExp(`^${mutated.at(-1)}_(bytes|number|normalized)$`).test(path.at(-1) ?? ''));

describe('data drift: 5% of records mutated', () => {
  let clean: Simulator;
  let drifty: Simulator;
  let reference: ReadOutput;
  let drifted: ReadOutput;

  beforeAll(async () => {
    clean = await startSimulator({ devices: 300, seed: SEED, rateLimit: limits, keepLog: false });
    drifty = await startSimulator({ devices: 300, seed: SEED, rateLimit: limits, keepLog: false, drift: { share: 0.05 } });
    const catalog = catalogFile('full_refresh');
    [reference, drifted] = await Promise.all([
      run(['read', '--config', configFile(clean), '--catalog', catalog]),
      run(['read', '--config', configFile(drifty), '--catalog', catalog]),
    ]);
  }, 90_000);

  afterAll(async () => {
    expectNoToken(drifty.token);
    await Promise.all([clean.close(), drifty.close()]);
  });

  it('the sync completes every stream, exit 0', () => {
    expect(drifted.code, drifted.stderr).toBe(0);
    expect(drifted.errors).toEqual([]);
    for (const s of STREAMS) expect(drifted.statuses.get(s.name)?.at(-1), s.name).toBe('COMPLETE');
  });

  it('drifted every kind of change into every stream', () => {
    const log = [...drifty.drifted.values()];
    const kinds = new Set(log.flatMap((r) => r.mutations.map((m) => m.kind)));
    expect([...kinds].sort()).toEqual(['bad-timestamp', 'deleted', 'empty', 'null', 'unknown-key']);
    for (const s of STREAMS) {
      // Streams of a dozen records may well have none of 5% drifted.
      if ((reference.records.get(s.name)?.length ?? 0) < 100) continue;
      expect(
        log.some((r) => pathMatches(s.name, r.path)),
        s.name,
      ).toBe(true);
    }
  });

  it('keeps every record, and every value the drift did not touch, exactly as a clean read has it', () => {
    const log = new Map<string, DriftedRecord[]>();
    for (const r of drifty.drifted.values()) {
      const id = JSON.stringify(r.identity);
      log.set(id, [...(log.get(id) ?? []), r]);
    }
    const nulled = new Set<string>();
    for (const m of drifted.messages) {
      if (m.type !== 'RECORD') continue;
      const declaration = STREAMS.find((x) => x.name === m.record.stream);
      for (const c of m.record.meta?.changes ?? [])
        nulled.add(`${m.record.stream} ${keyOf(declaration?.primaryKey ?? [], m.record.data)} ${c.field}`);
    }
    let checked = 0;
    for (const s of STREAMS) {
      const want = new Map((reference.records.get(s.name) ?? []).map((r) => [keyOf(s.primaryKey, r), r]));
      const got = drifted.records.get(s.name) ?? [];
      expect(got.length, `${s.name} records`).toBe(want.size);
      for (const record of got) {
        const key = keyOf(s.primaryKey, record);
        const cleanRecord = want.get(key);
        expect(cleanRecord, `${s.name} ${key} is not in the clean read`).toBeDefined();
        // A per-device row's own request (its parent id is one of its values) before any other parent's.
        // Per-device rows get their device_id from the request path, so the API's row may be known without it.
        const entries = [identityOf(record), identityOf({ ...record, device_id: undefined })]
          .flatMap((identity) => log.get(JSON.stringify(identity)) ?? [])
          .filter((r) => pathMatches(s.name, r.path));
        const plan = s.plan;
        const own =
          plan.kind === 'per-device'
            ? entries.find((r) => Object.values(record).some((v) => typeof v === 'string' && r.path === `/api/v1${plan.path(v)}`))
            : undefined;
        const entry = plan.kind === 'per-device' ? own : entries[0];
        const mutations = entry?.mutations ?? [];
        // A section whose only field was removed is `{}`, which the connector reads as "no value" (null), like the API's own empty sections.
        const emptied = (p: string[]) =>
          at(record, p).value === null && mutations.some((m) => m.kind !== 'unknown-key' && m.path.length > p.length && under(m.path, p));
        // library_item_statuses rows carry no key of their own in the API (the item is in the path, the device is
        // `computer.id`), so the drift log cannot name the row it changed: its count and keys are checked above, its
        // values are not. Open work: give the simulator's drift log the request's path parameter as identity.
        if (s.name === 'library_item_statuses') continue;
        const unexplained = differences(record, cleanRecord).filter((p) => !emptied(p) && !mutations.some((m) => explainedBy(p, m.path)));
        expect(
          unexplained.map((p) => p.join('.')),
          `${s.name} ${key}: values changed that the drift did not touch`,
        ).toEqual([]);
        for (const m of mutations) {
          // A field the stream renames (an older spelling) is looked for under its new name.
          const renamed = m.path.length === 1 ? SPELLINGS[m.path[0] as string] : undefined;
          const path = renamed !== undefined && !at(record, m.path).present ? [renamed] : m.path;
          const { present, value } = at(record, path);
          const where = `${s.name} ${key} ${m.kind} ${m.path.join('.')}`;
          if (m.kind === 'unknown-key') expect(value, where).toEqual(m.value);
          // A deleted older spelling can leave its new name filled from the other spelling the row also carries.
          else if (m.kind === 'deleted') {
            if (renamed === undefined) expect(present && !emptied(path.slice(0, -1)), where).toBe(false);
          } else if (m.kind === 'null') expect(value, where).toBeNull();
          // "" stays "" in a text field, and means "no value" (null) in a typed one.
          else if (m.kind === 'empty') expect(value === '' || value === null, `${where}: ${JSON.stringify(value)}`).toBe(true);
          // An unreadable timestamp in a date-time field is nulled; a field the schema does not call a date keeps its text.
          else if (m.kind === 'bad-timestamp') {
            expect(value === null || value === m.value, `${where}: ${JSON.stringify(value)}`).toBe(true);
            if (value === null) expect(nulled.has(`${s.name} ${key} /${path.join('/')}`), `${where} is listed in meta.changes`).toBe(true);
          }
        }
        if (entry) checked++;
      }
    }
    expect(checked).toBeGreaterThan(100);
  });

  it('says what it nulled: each record lists the field in meta.changes, and each stream a WARN with the count', () => {
    const changes = new Map<string, number>();
    let garbageNulled = 0;
    for (const m of drifted.messages) {
      if (m.type !== 'RECORD' || !m.record.meta?.changes) continue;
      changes.set(m.record.stream, (changes.get(m.record.stream) ?? 0) + m.record.meta.changes.length);
      for (const c of m.record.meta.changes) {
        expect(c).toMatchObject({ change: 'NULLED', reason: 'SOURCE_SERIALIZATION_ERROR' });
        const value = at(m.record.data, c.field.split('/').slice(1)).value;
        expect(value, `${m.record.stream} ${c.field}`).toBeNull();
        garbageNulled++;
      }
    }
    expect(garbageNulled).toBeGreaterThan(0);
    const cleanChanges = reference.messages.filter((m) => m.type === 'RECORD' && m.record.meta?.changes).length;
    expect(garbageNulled).toBeGreaterThan(cleanChanges);
    for (const [stream, n] of changes) {
      const warn = drifted.messages.find(
        (m) => m.type === 'LOG' && m.log.level === 'WARN' && m.log.message.startsWith(`${stream}: ${n} field value(s)`),
      );
      expect(warn, `${stream}: a WARN counting ${n} nulled values`).toBeDefined();
    }
  });
});

describe('a device deleted between the device list and its details call', () => {
  let sim: Simulator;
  let gone: string[] = [];

  beforeAll(async () => {
    let detailsCalls = 0;
    sim = await startSimulator({
      devices: 200,
      seed: SEED,
      rateLimit: limits,
      keepLog: true,
      onRequest: ({ endpoint }, tenant) => {
        // At the first details call, three listed devices are deleted: the last ones in id order, which details reads last.
        if (endpoint !== 'GET /devices/{id}/details' || detailsCalls++ > 0) return;
        const ids = [...tenant.deviceIndices()].map((i) => tenant.deviceId(i)).sort();
        gone = ids.slice(-3);
        tenant.removeDevices(gone);
      },
    });
  });

  afterAll(async () => {
    expectNoToken(sim.token);
    await sim.close();
  });

  it('is skipped with a WARN naming it, counted, and the sync succeeds with every other device', async () => {
    const out = await run(['read', '--config', configFile(sim), '--catalog', catalogFile('full_refresh', ['devices', 'device_details'])]);
    expect(out.code, out.stderr).toBe(0);
    expect(gone).toHaveLength(3);
    const listed = new Set(out.records.get('devices')?.map((d) => String(d.device_id)));
    expect(listed.size).toBe(200);
    for (const id of gone) expect(listed.has(id), `${id} was listed`).toBe(true);
    const details = new Set(out.records.get('device_details')?.map((d) => String(d.device_id)));
    expect(details).toEqual(new Set([...listed].filter((id) => !gone.includes(id))));
    const warnings = out.messages.filter((m) => m.type === 'LOG' && m.log.level === 'WARN').map((m) => m.log.message as string);
    for (const id of gone)
      expect(
        warnings.some((w) => w.includes(id) && /deleted between the devices list/.test(w)),
        id,
      ).toBe(true);
    // The API answered 404 for exactly those, once each: a 404 is not retried.
    const notFound = sim.log.filter((e) => e.status === 404).map((e) => e.url);
    expect(notFound.sort()).toEqual(gone.map((id) => `/api/v1/devices/${id}/details`).sort());
    expect(out.statuses.get('device_details')?.at(-1)).toBe('COMPLETE');
  });
});
