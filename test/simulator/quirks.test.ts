/**
 * The quirks of docs/kandji-api.md §5 and §7, as the simulator serves them: empty-string users, string booleans and
 * sizes, one timestamp format per field, legacy and extended record shapes, `{}` sections, platform spellings.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { useSimulator } from '../support/simulator.ts';
import { allDevices, allPrism, followNext, ok, UNLIMITED } from './helpers.ts';

/** The timestamp formats of docs/kandji-api.md §5, anchored. */
const T1 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$/; // 2023-01-18T21:46:26.879113Z
const T2 = /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}\.\d{6}\+00:00$/; // 2022-12-13 19:14:20.455640+00:00
const T3 = /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}\+00:00$/; // 2024-06-17 11:32:35+00:00
const T4 = /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2} \+0000$/; // 2024-05-13 20:09:23 +0000
const T5 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/; // 2021-05-11T19:45:19Z
const T6 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}\+00:00$/; // 2023-11-30T16:45:23.389926+00:00
const T9 = /^\d+ (minute|hour|day|month)s? ago$/; // 1 month ago
const T10 = /^\d{4}-\d{2}-\d{2}$/; // 2024-12-05

describe('quirks', () => {
  const sim = useSimulator({ devices: 700, seed: 5, ...UNLIMITED });
  let fleet: any[];
  const details = new Map<string, any>();
  /** A few devices of each kind, with their /details. */
  const pick = (test: (d: any) => boolean, n = 8) => fleet.filter(test).slice(0, n);

  beforeAll(async () => {
    fleet = (await allDevices(sim())).records;
    const wanted = new Set([
      ...pick((d) => d.platform === 'Mac'),
      ...pick((d) => d.platform === 'iPhone'),
      ...pick((d) => d.platform === 'iPad'),
      ...pick((d) => d.platform === 'AppleTV'),
      ...pick((d) => d.lost_mode_status === 'ENABLED'),
    ]);
    for (const d of wanted) details.set(d.device_id, await ok(sim(), `/api/v1/devices/${d.device_id}/details`));
  });
  const detailsOf = (test: (d: any) => boolean) =>
    fleet.filter((d) => test(d) && details.has(d.device_id)).map((d) => details.get(d.device_id));

  describe('devices', () => {
    it('sends user "" for unassigned devices and an object otherwise', () => {
      const unassigned = fleet.filter((d) => d.user === '');
      // Apple TVs never have a user; kiosk and shared blueprints neither.
      expect(fleet.filter((d) => d.platform === 'AppleTV').every((d) => d.user === '')).toBe(true);
      expect(unassigned.length).toBeGreaterThan(fleet.filter((d) => d.platform === 'AppleTV').length);
      const assigned = fleet.filter((d) => d.user !== '');
      expect(assigned.length).toBeGreaterThan(0);
      for (const d of assigned) {
        expect(Object.keys(d.user).sort()).toEqual(['email', 'id', 'is_archived', 'name']);
        expect(typeof d.user.is_archived).toBe('boolean');
      }
    });

    it('writes last_check_in as T1 and first/last_enrollment as T2', () => {
      for (const d of fleet) {
        expect(d.last_check_in).toMatch(T1);
        expect(d.first_enrollment).toMatch(T2);
        expect(d.last_enrollment).toMatch(T2);
        expect(d.last_enrollment >= d.first_enrollment).toBe(true);
      }
    });

    it('has real booleans in the list', () => {
      for (const key of ['mdm_enabled', 'agent_installed', 'is_missing', 'is_removed'])
        expect(new Set(fleet.map((d) => typeof d[key]))).toEqual(new Set(['boolean']));
      // The agent runs on Macs only; iOS agent_version is "".
      expect(fleet.filter((d) => d.platform !== 'Mac').every((d) => d.agent_installed === false && d.agent_version === '')).toBe(true);
    });

    it('includes legacy records without tags and lost_mode_status', () => {
      const legacy = fleet.filter((d) => !('tags' in d));
      expect(legacy.length).toBeGreaterThan(0);
      expect(legacy.length).toBeLessThan(fleet.length / 10);
      expect(legacy.every((d) => !('lost_mode_status' in d))).toBe(true);
      const modern = fleet.filter((d) => 'tags' in d);
      expect(modern.every((d) => Array.isArray(d.tags) && typeof d.lost_mode_status === 'string')).toBe(true);
      expect(
        modern
          .filter((d) => d.lost_mode_status !== '')
          .every((d) => d.lost_mode_status === 'ENABLED' && (d.platform === 'iPhone' || d.platform === 'iPad')),
      ).toBe(true);
    });

    it('includes records with a key the connector has never heard of', () => {
      const extra = fleet.filter((d) => 'external_token' in d);
      expect(extra.length).toBeGreaterThan(0);
      expect(extra.length).toBeLessThan(fleet.length / 10);
      expect(extra.every((d) => d.external_token === null)).toBe(true);
    });

    it('gives devices, users and blueprints version-4 UUIDs', async () => {
      const v4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
      for (const d of fleet) {
        expect(d.device_id).toMatch(v4);
        expect(d.blueprint_id).toMatch(v4);
        if (d.user !== '') expect(d.user.id).toMatch(v4);
      }
    });

    it('serves the same record from /devices/{id} as from the list', async () => {
      for (const d of fleet.slice(0, 5)) expect(await ok(sim(), `/api/v1/devices/${d.device_id}`)).toEqual(d);
    });
  });

  describe('details', () => {
    it('writes mdm_enabled and agent_installed as "True"/"False" strings', () => {
      for (const body of details.values()) {
        expect(['True', 'False']).toContain(body.mdm.mdm_enabled);
        expect(['True', 'False']).toContain(body.kandji_agent.agent_installed);
      }
      expect(
        detailsOf((d) => d.platform !== 'Mac').every(
          (b) => b.kandji_agent.agent_installed === 'False' && b.kandji_agent.install_date === '',
        ),
      ).toBe(true);
    });

    it('writes sizes as strings', () => {
      const volumes = [...details.values()].flatMap((b) => b.volumes);
      expect(volumes.length).toBeGreaterThan(0);
      for (const v of volumes) {
        expect(v.capacity).toMatch(/^\d+\.\d{2} GB$/);
        expect(v.available).toMatch(/^\d+\.\d{2} GB$/);
        expect(v.percent_used).toMatch(/^\d{1,3}%$/);
        expect(['Yes', 'No', '']).toContain(v.encrypted);
      }
      for (const b of detailsOf((d) => d.platform === 'Mac')) {
        expect(b.hardware_overview.number_of_processors).toMatch(/^\d+$/);
        expect(b.hardware_overview.total_number_of_cores).toMatch(/^\d+$/);
        expect(b.users.regular_users.every((u: any) => /^\d+$/.test(u.uid) && ['Yes', 'No'].includes(u.admin))).toBe(true);
      }
    });

    it('uses each timestamp format where the reference names it', () => {
      for (const b of details.values()) {
        expect(b.general.first_enrollment).toMatch(T2);
        expect(b.general.last_enrollment).toMatch(T2);
        expect(b.mdm.install_date).toMatch(T2);
        expect(b.mdm.last_check_in).toMatch(T2);
        expect(b.kandji_agent.last_check_in).toMatch(T1);
        for (const p of b.installed_profiles) expect(p.install_date).toMatch(T4);
        if (b.apple_business_manager.device_assigned_date !== undefined) expect(b.apple_business_manager.device_assigned_date).toMatch(T3);
      }
      const macs = detailsOf((d) => d.platform === 'Mac' && d.agent_installed);
      expect(macs.length).toBeGreaterThan(0);
      for (const b of macs) {
        expect(b.kandji_agent.install_date).toMatch(T3);
        expect(b.general.time_since_boot).toMatch(T9);
      }
      const lost = detailsOf((d) => d.lost_mode_status === 'ENABLED');
      for (const b of lost) expect(b.lost_mode.enable_status_at).toMatch(T1);
    });

    it('leaves non-applicable sections {} and drops lost_mode and cellular on Apple TV', () => {
      const tv = detailsOf((d) => d.platform === 'AppleTV');
      expect(tv.length).toBeGreaterThan(0);
      for (const b of tv) {
        expect(b).not.toHaveProperty('lost_mode');
        expect(b).not.toHaveProperty('cellular');
        expect(b).not.toHaveProperty('mdm.supervised');
        expect(b.network).toEqual({});
        expect(b.automated_device_enrollment).toEqual({});
        expect(b.volumes).toEqual([]);
        expect(b.general.assigned_user).toBe('');
      }
      for (const b of detailsOf((d) => d.platform === 'Mac')) {
        expect(b.cellular).toEqual({});
        expect(b.lost_mode).toEqual({});
      }
      for (const b of detailsOf((d) => d.platform === 'iPhone' && d.lost_mode_status !== 'ENABLED')) expect(b.lost_mode).toEqual({});
      for (const b of detailsOf((d) => d.lost_mode_status === 'ENABLED')) expect(b.lost_mode.lost_mode_status).toBe('ENABLED');
      // Some iOS devices did not come through Apple Business Manager.
      expect(detailsOf((d) => d.platform !== 'Mac').some((b) => Object.keys(b.apple_business_manager).length === 0)).toBe(true);
    });

    it('writes app fields as strings, bundle_size included', async () => {
      const mac = fleet.find((d) => d.platform === 'Mac');
      const ipad = fleet.find((d) => d.platform === 'iPad');
      const macApps = (await ok(sim(), `/api/v1/devices/${mac.device_id}/apps`)).apps;
      const iosApps = (await ok(sim(), `/api/v1/devices/${ipad.device_id}/apps`)).apps;
      for (const a of [...macApps, ...iosApps]) {
        expect(Object.values(a).every((v) => typeof v === 'string')).toBe(true);
        expect(a.bundle_size).toMatch(/^\d+$/);
      }
      for (const a of macApps) {
        expect(a.modification_date).toMatch(T1);
        expect(a.creation_date).toMatch(T1);
      }
      // iOS apps leave the dates and signing fields empty.
      for (const a of iosApps) expect([a.source, a.signature, a.creation_date, a.modification_date, a.path]).toEqual(['', '', '', '', '']);
      expect(macApps.every((a: any) => /^\d+$/.test(a.app_id))).toBe(true);
      expect(iosApps.every((a: any) => /^[0-9a-f-]{36}$/.test(a.app_id))).toBe(true);
      expect(iosApps.length).toBeGreaterThan(0);
    });
  });

  describe('Prism, library, users, audit', () => {
    it('writes every Prism timestamp as T6 and spells Apple TV tvOS', async () => {
      const { rows } = await allPrism(sim(), 'device_information');
      for (const r of rows) {
        for (const key of [
          'created_at',
          'updated_at',
          'last_collected_at',
          'first_enrollment_date',
          'last_enrollment_date',
          'last_checkin',
          'last_checkin_mdm',
        ])
          expect(r[key], key).toMatch(T6);
        if (r.last_changed_at !== null) expect(r.last_changed_at).toMatch(T6);
      }
      expect(new Set(rows.map((r) => r.device__family))).toEqual(new Set(['Mac', 'iPhone', 'iPad', 'tvOS']));
      expect(new Set(fleet.map((d) => d.platform))).toEqual(new Set(['Mac', 'iPhone', 'iPad', 'AppleTV']));
    });

    it('joins Prism device__user_id to users.deprecated_user_id, "" when unassigned', async () => {
      const { rows } = await allPrism(sim(), 'device_information');
      const users = (await followNext(sim(), '/api/v1/users')).records;
      const byLegacy = new Map(users.map((u) => [u.deprecated_user_id, u]));
      for (const r of rows) {
        const device = fleet.find((d) => d.device_id === r.device_id);
        if (device.user === '') expect(r.device__user_id).toBe('');
        else expect(byLegacy.get(r.device__user_id)?.id).toBe(device.user.id);
      }
      expect(users.every((u) => /^\d+$/.test(u.deprecated_user_id))).toBe(true);
    });

    it('writes library file_updated as T5 and created_at/updated_at as T1', async () => {
      for (const kind of ['custom-apps', 'ipa-apps']) {
        for (const item of (await ok(sim(), `/api/v1/library/${kind}`)).results) {
          expect(item.file_updated).toMatch(T5);
          expect(item.created_at).toMatch(T1);
          expect(item.updated_at).toMatch(T1);
        }
      }
    });

    it('writes users and audit timestamps as T1 and audit ids as ULIDs', async () => {
      for (const u of (await ok(sim(), '/api/v1/users')).results) {
        expect(u.created_at).toMatch(T1);
        expect(u.updated_at).toMatch(T1);
      }
      for (const e of (await ok(sim(), '/api/v1/audit/events?limit=100')).results) {
        expect(e.occurred_at).toMatch(T1);
        expect(e.id).toMatch(/^[0-9A-HJKMNP-TV-Z]{26}$/);
        expect(e).not.toHaveProperty('old_state');
      }
    });
  });

  describe('with Windows and Android management on', () => {
    const mixed = useSimulator({ devices: 600, seed: 5, windowsAndAndroid: true, ...UNLIMITED });

    it('gives every device record the Windows/Android keys, blank where they do not apply', async () => {
      const { records } = await allDevices(mixed());
      expect(new Set(records.map((d) => d.platform))).toEqual(new Set(['Mac', 'iPhone', 'iPad', 'AppleTV', 'Windows', 'Android']));
      for (const d of records) {
        expect(d).toHaveProperty('api_level');
        expect(d).toHaveProperty('security_patch_level');
        expect(d).toHaveProperty('full_software_version');
        if (d.platform === 'Android') expect(d.security_patch_level).toMatch(T10);
        if (d.platform !== 'Android') expect([d.api_level, d.security_patch_level]).toEqual(['', '']);
      }
    });

    it('shapes Windows and Android details their own way, and keeps them out of Prism', async () => {
      const { records } = await allDevices(mixed());
      const windows = records.find((d) => d.platform === 'Windows');
      const android = records.find((d) => d.platform === 'Android');
      const w = await ok(mixed(), `/api/v1/devices/${windows.device_id}/details`);
      expect(Object.keys(w).sort()).toEqual(['general', 'hardware_overview', 'kandji_agent', 'mdm', 'network', 'tags']);
      expect(w.kandji_agent.is_agent_installed).toBe(true);
      expect(w.network.volte_service_setting).toBe('False');
      const a = await ok(mixed(), `/api/v1/devices/${android.device_id}/details`);
      expect(Object.keys(a).sort()).toEqual(['cellular', 'general', 'hardware', 'management', 'security', 'tags']);
      const { rows } = await allPrism(mixed(), 'device_information');
      expect(rows.length).toBe(records.filter((d) => d.platform !== 'Windows' && d.platform !== 'Android').length);
    });
  });
});
