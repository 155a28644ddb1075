/**
 * advance(): the tenant's clock moves and the API changes exactly as the returned summary says: check-ins, inventory
 * changes (seen as Prism `updated_at`), enrollments, deletions, users changing department, audit events, the Date
 * header.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { PRISM_CATEGORIES } from '../../simulator/prism.ts';
import { type AdvanceSummary, type ChangeKind, Tenant } from '../../simulator/tenant.ts';
import { HOUR } from '../../simulator/timestamps.ts';
import { get, useSimulator } from '../support/simulator.ts';
import { allDevices, allPrism, followNext, ok, prismRowKey, UNLIMITED } from './helpers.ts';

/**
 * The Prism categories each kind of change shows in; a blueprint change shows in every category (common columns).
 * activation_lock and desktop_and_screensaver carry device_information's columns, so an OS update shows there too, as it
 * does in gatekeeper_and_xprotect (the XProtect version follows the OS); local_users.filevault_user follows FileVault.
 */
const CATEGORIES_OF: Record<Exclude<ChangeKind, 'blueprint'>, readonly string[]> = {
  os: ['device_information', 'activation_lock', 'desktop_and_screensaver', 'gatekeeper_and_xprotect'],
  app: ['apps'],
  filevault: ['filevault', 'local_users'],
  firewall: ['application_firewall'],
  gatekeeper: ['gatekeeper_and_xprotect'],
  profile: ['installed_profiles'],
  local_user: ['local_users'],
  // Only scripted (Tenant.scheduleChange), never made by advance().
  user: [],
};
const CATEGORIES: readonly string[] = PRISM_CATEGORIES;

const ms = (text: string) => Date.parse(text.replace(' ', 'T'));

describe('advance(24)', () => {
  const sim = useSimulator({ devices: 1000, seed: 8, ...UNLIMITED });
  let summary: AdvanceSummary;
  let before: { devices: Map<string, any>; users: Map<string, any>; date: string; now: number };
  let after: { devices: Map<string, any>; users: Map<string, any>; date: string };
  const idOf = (index: number) => sim().tenant.deviceId(index);

  beforeAll(async () => {
    const snapshot = async () => ({
      devices: new Map((await allDevices(sim())).records.map((d) => [d.device_id, d] as const)),
      users: new Map((await followNext(sim(), '/api/v1/users')).records.map((u) => [u.id, u] as const)),
      date: (await get(sim(), '/api/v1/tags')).headers.get('date') as string,
    });
    before = { ...(await snapshot()), now: sim().tenant.now };
    summary = sim().advance(24);
    after = await snapshot();
  });

  it('moves the clock by 24 hours, and the Date header with it', () => {
    expect(summary.from).toBe(before.now);
    expect(summary.to).toBe(before.now + 24 * HOUR);
    expect(sim().tenant.now).toBe(summary.to);
    expect(before.date).toBe(new Date(summary.from).toUTCString());
    expect(after.date).toBe(new Date(summary.to).toUTCString());
  });

  it('has something of every sort to report', () => {
    expect(summary.changed.length).toBeGreaterThan(20);
    expect(summary.enrolled.length).toBeGreaterThan(0);
    expect(summary.deleted.length).toBeGreaterThan(0);
    expect(summary.usersMoved.length).toBeGreaterThan(0);
    expect(new Set(summary.changed.map((c) => c.kind)).size).toBeGreaterThan(4);
  });

  it('lists enrolled devices and drops deleted ones, which then answer 404', async () => {
    const deleted = new Set(summary.deleted.map(idOf));
    const enrolled = summary.enrolled.map(idOf).filter((id) => !deleted.has(id));
    const expected = new Set([...before.devices.keys(), ...enrolled].filter((id) => !deleted.has(id)));
    expect(new Set(after.devices.keys())).toEqual(expected);
    expect(after.devices.size).toBe(sim().tenant.liveDevices);
    for (const id of enrolled) {
      expect(before.devices.has(id)).toBe(false);
      const enrolledAt = ms(after.devices.get(id).first_enrollment);
      expect(enrolledAt).toBeGreaterThan(summary.from);
      expect(enrolledAt).toBeLessThanOrEqual(summary.to);
    }
    for (const id of deleted) {
      const res = await get(sim(), `/api/v1/devices/${id}`);
      expect(res.status).toBe(404);
      expect(res.body).toEqual({ detail: 'Not found.' });
      expect((await get(sim(), `/api/v1/devices/${id}/details`)).status).toBe(404);
    }
  });

  it('checks in every active device; stale and missing devices stay where they were', () => {
    let active = 0;
    for (const [id, old] of before.devices) {
      const now = after.devices.get(id);
      if (!now) continue;
      // Active devices check in about hourly: within two hours of the clock. Others stopped before it.
      const wasActive = ms(old.last_check_in) >= summary.from - 2 * HOUR;
      if (wasActive) {
        active++;
        expect(old.is_missing).toBe(false);
        expect(ms(now.last_check_in)).toBeGreaterThan(summary.to - 2 * HOUR - 1);
      } else {
        expect(now.last_check_in).toBe(old.last_check_in);
      }
    }
    expect(active).toBeGreaterThan(before.devices.size * 0.9);
    expect(
      [...before.devices.values()]
        .filter((d) => d.is_missing)
        .every((d) => !after.devices.has(d.device_id) || after.devices.get(d.device_id).last_check_in === d.last_check_in),
    ).toBe(true);
  });

  it('changes device records only as the summary says (OS version, blueprint)', () => {
    const kinds = new Map(summary.changed.map((c) => [idOf(c.device), c.kind] as const));
    for (const [id, old] of before.devices) {
      const now = after.devices.get(id);
      if (!now) continue;
      const { last_check_in: _a, ...oldRest } = old;
      const { last_check_in: _b, ...nowRest } = now;
      const kind = kinds.get(id);
      if (kind === 'os') {
        expect(now.os_version).not.toBe(old.os_version);
        expect({ ...nowRest, os_version: old.os_version, supplemental_build_version: old.supplemental_build_version }).toEqual(oldRest);
      } else if (kind === 'blueprint') {
        expect(now.blueprint_id).not.toBe(old.blueprint_id);
        expect({ ...nowRest, blueprint_id: old.blueprint_id, blueprint_name: old.blueprint_name }).toEqual(oldRest);
      } else {
        expect(nowRest, id).toEqual(oldRest);
      }
    }
  });

  it.each(CATEGORIES)('%s: rows updated since the old clock belong to exactly the devices the summary changed', async (category) => {
    const deleted = new Set(summary.deleted.map(idOf));
    const touched = new Set(
      [
        ...summary.changed.filter((c) => c.kind === 'blueprint' || CATEGORIES_OF[c.kind].includes(category)).map((c) => idOf(c.device)),
        ...summary.enrolled.map(idOf),
      ].filter((id) => !deleted.has(id)),
    );
    const { rows } = await allPrism(sim(), category);
    const rowsOf = new Set(rows.map((r) => r.device_id));
    const expected = new Set([...touched].filter((id) => rowsOf.has(id)));
    const updated = rows.filter((r) => ms(r.updated_at) > summary.from);
    expect(new Set(updated.map((r) => r.device_id))).toEqual(expected);
    // The server-side filter agrees with the client-side one.
    const since = new Date(summary.from + 1).toISOString();
    const filter = encodeURIComponent(JSON.stringify({ updated_at: { gte: since } }));
    const filtered = (await allPrism(sim(), category, `&filter=${filter}`)).rows;
    expect(filtered.map((r) => `${prismRowKey(category, r)}|${r.updated_at}`)).toEqual(
      updated.map((r) => `${prismRowKey(category, r)}|${r.updated_at}`),
    );
    // (iPhones have one blueprint to be in, so cellular may see no change in a day; kernel_extensions has no rows.)
    if (['device_information', 'apps', 'installed_profiles', 'certificates'].includes(category)) expect(expected.size).toBeGreaterThan(0);
  });

  it('moves users in usersMoved to another department, and no one else', () => {
    const moved = new Set(summary.usersMoved.map((u) => sim().tenant.user(u).id));
    for (const [id, old] of before.users) {
      const now = after.users.get(id);
      if (moved.has(id)) {
        expect(old.department).not.toBeNull();
        expect(now.department).not.toBe(old.department);
        expect(ms(now.updated_at)).toBeGreaterThan(summary.from);
        expect(ms(now.updated_at)).toBeLessThanOrEqual(summary.to);
      } else {
        expect({ ...now, device_count: 0 }).toEqual({ ...old, device_count: 0 });
      }
    }
  });

  it('accrues the audit events of the advanced window, device enrollments and deletions included', async () => {
    const window = `start_date=${encodeURIComponent(new Date(summary.from + 1).toISOString())}`;
    const { records } = await followNext(sim(), `/api/v1/audit/events?limit=500&${window}`);
    expect(records.length).toBeGreaterThan(24);
    expect(records.every((e) => ms(e.occurred_at) > summary.from && ms(e.occurred_at) <= summary.to)).toBe(true);
    const creates = new Set(records.filter((e) => e.target_type === 'device' && e.action === 'create').map((e) => e.target_id));
    const deletes = new Set(records.filter((e) => e.target_type === 'device' && e.action === 'delete').map((e) => e.target_id));
    expect(creates).toEqual(new Set(summary.enrolled.map(idOf)));
    expect(deletes).toEqual(new Set(summary.deleted.map(idOf)));
    // An enrollment event happens when the device's first_enrollment says (T1 there, T2 on the device).
    for (const e of records.filter((r) => r.target_type === 'device' && r.action === 'create' && after.devices.has(r.target_id))) {
      expect(ms(e.occurred_at)).toBe(ms(after.devices.get(e.target_id).first_enrollment));
    }
  });

  it('keeps derived counts in step: blueprints and licensing match the new fleet', async () => {
    const devices = [...after.devices.values()];
    const blueprints = (await ok(sim(), '/api/v1/blueprints?limit=1000')).results;
    for (const b of blueprints) expect(b.computers_count).toBe(devices.filter((d) => d.blueprint_id === b.id).length);
    expect((await ok(sim(), '/api/v1/settings/licensing')).counts.computers_count).toBe(devices.length);
    expect((await ok(sim(), '/api/v1/prism/count?category=device_information')).count).toBe(devices.length);
  });
});

describe('advancing through the control endpoint', () => {
  const sim = useSimulator({ devices: 200, seed: 8 });

  it('advances on GET /_sim/advance?hours=N, outside the API’s budget and counters', async () => {
    const start = sim().tenant.now;
    const res = await fetch(`${sim().url}/_sim/advance?hours=6`);
    expect(res.status).toBe(200);
    const body: any = await res.json();
    expect(body.now).toBe(new Date(start + 6 * HOUR).toISOString());
    expect(Object.keys(body).sort()).toEqual(['changed', 'deleted', 'enrolled', 'now', 'users_moved']);
    expect(sim().tenant.now).toBe(start + 6 * HOUR);
    expect(sim().stats().requests).toBe(0);
    expect((await fetch(`${sim().url}/_sim/advance?hours=-1`)).status).toBe(400);
    expect(() => sim().advance(0)).toThrow(RangeError);
  });
});

describe('a device built once per state of the fleet', () => {
  it('is the same object until the tenant changes, then one built with the change', () => {
    const tenant = new Tenant({ devices: 50, seed: 8 });
    const mac = [...tenant.deviceIndices()].find((i) => tenant.device(i).platform === 'Mac') as number;
    const first = tenant.device(mac);
    expect(tenant.device(mac)).toBe(first);
    // A scripted change moves the fleet without moving the clock: the next build has it.
    tenant.scheduleChange(mac, 'local_user', first.localUsers + 5);
    const changed = tenant.device(mac);
    expect(changed).not.toBe(first);
    expect(changed.localUsers).toBe(first.localUsers + 5);
    expect(first.localUsers).not.toBe(changed.localUsers);
    tenant.removeDevices([mac]);
    expect(tenant.exists(mac)).toBe(false);
    tenant.advance(24);
    expect(tenant.device(mac)).not.toBe(changed);
    expect(tenant.device(mac).localUsers).toBe(changed.localUsers);
  });
});
