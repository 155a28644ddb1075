/**
 * API bodies built from the tenant's state, field by field as docs/kandji-api.md §6 documents them, quirks included:
 * `user: ""` when unassigned, `"True"`/`"False"` strings in /details, sizes as strings, ten timestamp formats, legacy
 * payloads missing keys, and the odd unknown key.
 */
import { between, hash, pick, unit, uuid } from './random.ts';
import { DAY, HOUR, t1, t2, t3, t4, t5, t6, timeAgo } from './timestamps.ts';
import type { Device, Tenant } from './tenant.ts';
import {
  APPS,
  BLUEPRINTS,
  CUSTOM_APP_NAMES,
  IPA_APP_NAMES,
  OS_RELEASES,
  PROFILE_NAMES,
  SCRIPT_NAMES,
  TAGS,
  payloadTypesOf,
} from './vocabulary.ts';

type Json = Record<string, unknown>;

export const MARKETING: Record<string, string> = { '13': 'Ventura', '14': 'Sonoma', '15': 'Sequoia' };

export function os(d: Device) {
  return OS_RELEASES[d.platform][d.osIndex] as { version: string; build: string };
}

function userObject(t: Tenant, d: Device): Json | '' {
  if (d.user < 0) return '';
  const u = t.user(d.user);
  return { email: u.email, name: u.name, id: u.id, is_archived: u.archived };
}

export function blueprintId(t: Tenant, b: number): string {
  return uuid(t.seed, 'blueprint', b);
}

/** `GET /devices` and `GET /devices/{id}` (§6.1). */
export function deviceRecord(t: Tenant, d: Device): Json {
  const release = os(d);
  const record: Json = {
    device_id: d.id,
    device_name: d.name,
    model: d.model.name,
    serial_number: d.serial,
    platform: d.platform,
    os_version: release.version,
    supplemental_build_version: d.platform === 'Mac' || d.platform === 'iPhone' || d.platform === 'iPad' ? release.build : '',
    supplemental_os_version_extra: '',
    last_check_in: t1(d.lastCheckIn),
    user: userObject(t, d),
    asset_tag: d.assetTag,
    blueprint_id: blueprintId(t, d.blueprint),
    blueprint_name: BLUEPRINTS[d.blueprint]?.name,
    mdm_enabled: d.mdmEnabled,
    agent_installed: d.agentInstalled,
    is_missing: d.missing,
    is_removed: d.removedFlag,
    agent_version: d.agentVersion,
    first_enrollment: t2(d.enrolledAt),
    last_enrollment: t2(d.lastEnrolledAt),
    lost_mode_status: d.lostMode ? 'ENABLED' : '',
    tags: d.tags,
  };
  if (d.legacyShape) {
    delete record.lost_mode_status;
    delete record.tags;
  }
  // With Windows/Android management on, the list is polymorphic: every record carries their keys, blank where they
  // do not apply (docs/kandji-api.md §6.1, [GO]).
  if (t.windowsAndAndroid) {
    record.api_level = d.platform === 'Android' ? '34' : '';
    record.security_patch_level = d.platform === 'Android' ? '2026-01-05' : '';
    record.full_software_version = d.platform === 'Android' || d.platform === 'Windows' ? release.build : '';
  }
  if (d.extraField) record.external_token = null;
  return record;
}

function volumes(d: Device): Json[] {
  const capacity = d.model.capacityGb * 0.93;
  const used = (capacity * d.diskUsedPercent) / 100;
  const volume = (name: string, identifier: string, encrypted: string) => ({
    name,
    format: d.platform === 'Mac' ? 'APFS' : '',
    percent_used: `${d.diskUsedPercent}%`,
    identifier,
    capacity: `${capacity.toFixed(2)} GB`,
    available: `${(capacity - used).toFixed(2)} GB`,
    encrypted,
  });
  // A Mac reports the sealed system volume and its data volume (the Mac example); iPhone and iPad one nameless volume.
  if (d.platform !== 'Mac') return [volume('', '', '')];
  return [volume('Macintosh HD', 'disk3s3s1', 'No'), volume('Macintosh HD - Data', 'disk3s1', d.filevault ? 'Yes' : 'No')];
}

/** `GET /devices/{id}/details` (§6.3): platform-shaped, with string booleans and empty sections. */
export function deviceDetails(t: Tenant, d: Device): Json {
  const release = os(d);
  const isMac = d.platform === 'Mac';
  const isTv = d.platform === 'AppleTV';
  const s = t.seed;
  if (d.platform === 'Windows') return windowsDetails(t, d);
  if (d.platform === 'Android') return androidDetails(t, d);
  const general: Json = {
    device_id: d.id,
    device_name: d.name,
    last_enrollment: t2(d.lastEnrolledAt),
    first_enrollment: t2(d.enrolledAt),
    model: d.model.name,
    platform: d.platform,
    os_version: release.version,
    supplemental_build_version: release.build,
    supplemental_os_version_extra: '',
    // iPhone, iPad and Apple TV report none of these four: the examples carry "" (docs/kandji-api.md §6.3, [PM]).
    system_version: isMac ? `${release.version} (${release.build})` : '',
    boot_volume: isMac ? 'Macintosh HD' : '',
    time_since_boot: isMac ? timeAgo(between(s, 1, 40 * 24, 'boot', d.index) * HOUR) : '',
    last_user: isMac && d.user >= 0 ? t.user(d.user).email.split('@')[0] : '',
    asset_tag: d.assetTag,
    assigned_user: userObject(t, d),
    blueprint_name: BLUEPRINTS[d.blueprint]?.name,
    blueprint_uuid: blueprintId(t, d.blueprint),
  };
  const mdm: Json = {
    mdm_enabled: d.mdmEnabled ? 'True' : 'False',
    install_date: t2(d.lastEnrolledAt),
    last_check_in: t2(d.lastCheckIn),
    mdm_enabled_user: d.user >= 0 && isMac ? [t.user(d.user).email.split('@')[0]] : [],
  };
  if (!isTv) mdm.supervised = 'True';
  const details: Json = {
    general,
    mdm,
    activation_lock: {
      bypass_code_failed: false,
      // The Apple TV example has null where the others have false.
      user_activation_lock_enabled: isTv ? null : false,
      device_activation_lock_enabled: !isTv && unit(s, 'alock', d.index) < 0.3,
      activation_lock_allowed_while_supervised: isTv ? null : false,
      activation_lock_supported: !isTv,
    },
    // Every Apple platform carries the filevault section; off the Mac it is filled with null, "" and false ([PM]).
    filevault: {
      filevault_enabled: isMac ? d.filevault : null,
      filevault_recoverykey_type: isMac && d.filevault ? 'Personal' : '',
      filevault_prk_escrowed: isMac && d.filevault && d.filevaultEscrowed,
      filevault_next_rotation: '',
      filevault_regen_required: false,
    },
    automated_device_enrollment: isTv ? {} : { auto_enroll_eligible: true, auto_enrolled: unit(s, 'ade', d.index) < 0.8 },
    // Present on every Apple platform; off the Mac the agent is "False" with an empty install date ([PM] iPad, Apple TV).
    kandji_agent: {
      agent_installed: d.agentInstalled ? 'True' : 'False',
      install_date: d.agentInstalled ? t3(d.enrolledAt + HOUR) : '',
      last_check_in: t1(d.lastCheckIn),
      agent_version: d.agentVersion,
    },
    hardware_overview: isMac
      ? {
          model_name: d.model.name.split(' (')[0],
          model_identifier: d.model.identifier,
          processor_name: d.model.processor,
          processor_speed: d.model.appleSilicon ? '' : '2.3 GHz',
          number_of_processors: '1',
          total_number_of_cores: String(d.model.cores),
          memory: `${d.model.memoryGb} GB ${d.model.appleSilicon ? 'LPDDR5' : 'DDR4'}`,
          udid: uuid(s, 'udid', d.index).toUpperCase(),
          serial_number: d.serial,
        }
      : { uuid: uuid(s, 'udid', d.index).toUpperCase(), serial_number: d.serial, model_identifier: d.model.identifier },
    // The Apple TV example has no volumes and an empty network section; iPhone and iPad report only a MAC address.
    volumes: isTv ? [] : volumes(d),
    network: isTv
      ? {}
      : {
          local_hostname: isMac ? d.name.replace(/[^A-Za-z0-9]+/g, '-') : '',
          mac_address: macAddress(t, d.index),
          ip_address: isMac ? `10.${(d.index >> 16) & 255}.${(d.index >> 8) & 255}.${d.index & 255}` : '',
          public_ip: isMac ? `203.0.113.${(hash(s, 'pip', d.index) % 254) + 1}` : '',
        },
    recovery_information: recoveryInformation(t, d),
    users: isMac
      ? {
          regular_users: Array.from({ length: d.localUsers }, (_, k) => localUser(t, d, k)),
          system_users: [{ username: 'root', uid: '0', path: '/var/root', admin: 'Yes' }],
        }
      : { regular_users: [], system_users: [] },
    installed_profiles: d.profiles.map((p) => ({
      name: PROFILE_NAMES[p],
      uuid: uuid(s, 'profile', p).toUpperCase(),
      verified: 'verified',
      identifier: `com.kandji.profile.custom.${uuid(s, 'profile', p)}`,
      organization: 'Kandji, Inc.',
      payload_types: [...payloadTypesOf(p)],
      install_date: t4(Math.max(d.enrolledAt, d.changedAt.profile - p * 60_000)),
    })),
    apple_business_manager:
      isMac || unit(s, 'abm', d.index) < 0.7
        ? {
            model: d.model.name,
            color: 'SPACE GRAY',
            description: d.model.name.toUpperCase(),
            serial_number: d.serial,
            device_family: d.platform === 'AppleTV' ? 'AppleTV' : d.platform,
            os: d.platform === 'Mac' ? 'OSX' : d.platform === 'AppleTV' ? 'tvOS' : d.platform === 'iPad' ? 'iPadOS' : 'iOS',
            device_assigned_date: t3(d.enrolledAt - 3 * DAY),
            device_assigned_by: `it-admin@${t.subdomain}.io`,
          }
        : {},
    security_information: { remote_desktop_enabled: isMac ? unit(s, 'ard', d.index) < 0.1 : null },
    tags: d.tags,
  };
  if (!isTv) {
    details.lost_mode = d.lostMode
      ? {
          lost_mode_status: 'ENABLED',
          enabled_by: `it-admin@${t.subdomain}.io`,
          enable_status_at: t1(d.lastCheckIn - DAY),
          lock_screen_message: 'This device is lost. Please call IT.',
          lock_screen_phone_number: '+1 555 0100',
          lock_screen_footnote: '',
          disable_status: '',
          disabled_by: '',
          disable_status_at: '',
          last_location_status: 'SUCCESS',
          last_location_status_at: t1(d.lastCheckIn - 2 * HOUR),
          last_location: { latitude: String(37 + unit(s, 'lat', d.index)), longitude: String(-122 - unit(s, 'lon', d.index)) },
          last_location_at: t1(d.lastCheckIn - 2 * HOUR - 1000),
          sound_status: '',
          sound_status_at: '',
        }
      : {};
    // The Wi-Fi iPad example still carries the section, with technology 0 (none); Macs have `{}`.
    details.cellular =
      d.platform === 'iPhone' || d.platform === 'iPad'
        ? { voice_roaming: false, data_roaming: false, cellular_technology: d.platform === 'iPhone' ? 1 : 0, subscriptions: null }
        : {};
  }
  return details;
}

/** Recovery Lock on Apple silicon Macs; the Apple TV example lacks `password_has_been_set`. */
function recoveryInformation(t: Tenant, d: Device): Json {
  const locked = d.platform === 'Mac' && d.model.appleSilicon === true && unit(t.seed, 'rlock', d.index) < 0.6;
  const info: Json = {
    recovery_lock_enabled: locked,
    firmware_password_exist: false,
    firmware_password_pending: false,
    // Scheduled rotations land on the tenant's clock plus a few weeks; null when nothing is scheduled.
    password_rotation_scheduled: locked ? t1(t.epoch + between(t.seed, 1, 60, 'rlock-rotate', d.index) * DAY) : null,
    password_has_been_set: locked,
  };
  if (d.platform === 'AppleTV') delete info.password_has_been_set;
  return info;
}

function windowsDetails(t: Tenant, d: Device): Json {
  const release = os(d);
  return {
    general: {
      device_id: d.id,
      device_name: d.name,
      platform: 'Windows',
      first_enrollment: t2(d.enrolledAt),
      last_enrollment: t2(d.lastEnrolledAt),
      assigned_user: userObject(t, d),
      blueprint_name: BLUEPRINTS[d.blueprint]?.name,
      blueprint_uuid: blueprintId(t, d.blueprint),
      asset_tag: d.assetTag,
      manufacturer: d.model.name.startsWith('Latitude') ? 'Dell Inc.' : 'LENOVO',
      device_model: d.model.name,
      device_type: 'Laptop',
      os_name: 'Windows 11 Enterprise',
      os_version: release.version,
      os_build: release.build,
      os_edition: 'Enterprise',
      update_build_revision: release.build.split('.')[1],
      language: 'en-US',
    },
    mdm: { management_client_revision: '10.0.22621.1', windows_device_id: uuid(t.seed, 'win', d.index) },
    hardware_overview: {
      bios_version: '1.18.0',
      processor_architecture: 'x64',
      total_ram: '16384',
      total_capacity: String(d.model.capacityGb * 1024),
      free_capacity: String(Math.round(d.model.capacityGb * 1024 * (1 - d.diskUsedPercent / 100))),
      smbios_serial_number: d.serial,
    },
    network: {
      dns_computer_name: d.name,
      wifi_ipv4_address: `10.9.${(d.index >> 8) & 255}.${d.index & 255}`,
      volte_service_setting: 'False',
    },
    kandji_agent: {
      is_agent_installed: true,
      install_date: t1(d.enrolledAt + HOUR),
      last_check_in_datetime: t1(d.lastCheckIn),
      version: '1.4.0',
    },
    tags: d.tags,
  };
}

function androidDetails(t: Tenant, d: Device): Json {
  const release = os(d);
  return {
    general: {
      device_id: d.id,
      device_name: d.name,
      platform: 'Android',
      first_enrollment: t2(d.enrolledAt),
      last_enrollment: t2(d.lastEnrolledAt),
      assigned_user: d.user >= 0 ? userObject(t, d) : null,
      blueprint_name: BLUEPRINTS[d.blueprint]?.name,
      blueprint_uuid: blueprintId(t, d.blueprint),
      manufacturer: d.model.name.startsWith('Pixel') ? 'Google' : 'samsung',
      model_name: d.model.name,
      serial_number: d.serial,
      os_version: release.version,
      os_build: release.build,
      api_level: '34',
      security_patch_level: '2026-01-05',
      enterprise_id: 'LC00abcd12',
      enterprise_device_id: uuid(t.seed, 'android', d.index).slice(0, 16),
    },
    hardware: {
      available_capacity: String(Math.round(d.model.capacityGb * (1 - d.diskUsedPercent / 100))),
      total_capacity: String(d.model.capacityGb),
      total_ram: '8',
      wifi_mac_address: macAddress(t, d.index),
    },
    management: { management_mode: 'FULLY_MANAGED', ownership: 'COMPANY_OWNED' },
    cellular: { imei: String(350_000_000_000_000 + d.index), meid: '' },
    security: {
      device_posture: 'SECURE',
      encryption_status: 'ENCRYPTED',
      has_google_play_protect: true,
      has_passcode: true,
      is_encrypted: true,
    },
    tags: d.tags,
  };
}

function macAddress(t: Tenant, index: number): string {
  const h = hash(t.seed, 'mac', index);
  const bytes = [0x3c, 0x22, 0xfb, (h >>> 16) & 255, (h >>> 8) & 255, h & 255];
  return bytes.map((b) => b.toString(16).padStart(2, '0')).join(':');
}

export function localUser(t: Tenant, d: Device, k: number) {
  const owner = d.user >= 0 ? t.user(d.user).email.split('@')[0] : 'kiosk';
  return {
    username: k === 0 ? owner : `localadmin${k}`,
    uid: String(501 + k),
    path: `/Users/${k === 0 ? owner : `localadmin${k}`}`,
    admin: k === 0 ? 'No' : 'Yes',
    name: k === 0 ? owner : `Local Admin ${k}`,
  };
}

export function appVersion(t: Tenant, appIndex: number, device: Device): string {
  const spec = APPS[appIndex];
  const updates = device.apps.get(appIndex) ?? 0;
  const minor = hash(t.seed, 'app-minor', appIndex) % 5;
  return `${spec?.major ?? 1}.${minor + updates}.${hash(t.seed, 'app-patch', appIndex, updates) % 10}`;
}

export function appSize(t: Tenant, appIndex: number): number {
  return 2_000_000 + (hash(t.seed, 'app-size', appIndex) % 900_000_000);
}

/** `GET /devices/{id}/apps` (§6.4): every value a string. */
export function deviceApps(t: Tenant, d: Device): Json {
  const apps = [...d.apps.keys()].map((a) => {
    const spec = APPS[a];
    const changed = d.appChangedAt.get(a) ?? d.changedAt.base;
    const isMac = d.platform === 'Mac';
    return {
      app_id: isMac ? String(80_000 + a) : uuid(t.seed, 'ios-app', a),
      app_name: spec?.name,
      bundle_id: spec?.bundleId,
      bundle_size: String(appSize(t, a)),
      app_store_vendable: spec?.source === 'App Store' ? 'True' : isMac ? '' : 'False',
      device_based_vpp: spec?.source === 'App Store' ? 'False' : '',
      // iPhone and iPad report none of source, process, signature or the dates: "" in the example ([PM] iPad apps).
      source: isMac ? spec?.source : '',
      process: isMac ? spec?.name : '',
      signature: !isMac
        ? ''
        : spec?.source === 'Apple'
          ? 'Software Signing'
          : `Developer ID Application: ${spec?.developer} (${spec?.teamId})`,
      creation_date: isMac ? t1(Math.min(d.enrolledAt, changed) - 30 * DAY) : '',
      modification_date: isMac ? t1(changed) : '',
      path: isMac ? `/Applications/${spec?.name}.app` : '',
      version: appVersion(t, a, d),
    };
  });
  return { device_id: d.id, apps };
}

/** `GET /devices/{id}/library-items` (§6.5). */
export function deviceLibraryItems(t: Tenant, d: Device): Json {
  const items = d.profiles.slice(0, 6).map((p, k) => {
    const status = pick(t.seed, ['PASS', 'PASS', 'PASS', 'PENDING', 'ERROR'], 'li-status', d.index, k);
    // A pending item has not reported yet: every report field is null, as in the example ([PM]).
    const reported = status !== 'PENDING';
    return {
      id: hash(t.seed, 'li', d.index, k) % 10_000_000,
      status,
      reported_at: reported ? t1(d.lastCheckIn - k * 60_000) : null,
      log: status === 'ERROR' ? 'Profile installation failed: the payload was rejected by the device.' : reported ? '' : null,
      last_audit_run: null,
      last_audit_log: null,
      control_log: null,
      control_reported_at: null,
      item_id: libraryItemId(t, 'custom-profiles', p),
      name: PROFILE_NAMES[p],
      type: 'profile',
      computer: { id: d.id, name: d.name },
      blueprint: { id: blueprintId(t, d.blueprint), name: BLUEPRINTS[d.blueprint]?.name },
      rules_present: false,
    };
  });
  const edr = edrItem(t, d);
  return { device_id: d.id, library_items: edr ? [...items, edr] : items };
}

/**
 * A Mac's EDR item (the EDR add-on's `threat-security-policy` library item, "Avert" in the example, §6.5): its
 * `edr_status` as the example has it once the Kandji agent runs it (`enabled`, the postures, the baseline scans as
 * T9 text). Most report PASS, some are PENDING (as in the example: enabled, not audited yet), a few ERROR (an audit
 * failure, no EDR status); a Mac without the agent has the item PENDING and no EDR status.
 */
function edrItem(t: Tenant, d: Device): Json | undefined {
  if (d.platform !== 'Mac' || !t.addOns.edr) return undefined;
  const roll = unit(t.seed, 'edr-status', d.index, d.changedAt.base);
  const status = !d.agentInstalled ? 'PENDING' : roll < 0.9 ? 'PASS' : roll < 0.95 ? 'PENDING' : 'ERROR';
  const running = d.agentInstalled && status !== 'ERROR';
  const scan = (ms: number) => {
    const at = new Date(ms);
    const month = at.toLocaleString('en-US', { month: 'short', timeZone: 'UTC' });
    const time = at.toLocaleString('en-US', { hour: 'numeric', minute: '2-digit', second: '2-digit', hour12: true, timeZone: 'UTC' });
    return `${month} ${at.getUTCDate()}, ${at.getUTCFullYear()} at ${time}`;
  };
  return {
    id: hash(t.seed, 'li-edr', d.index) % 10_000_000,
    status,
    reported_at: status === 'PASS' || status === 'ERROR' ? t1(d.lastCheckIn) : null,
    log: status === 'ERROR' ? 'Avert could not verify its system extension.' : status === 'PASS' ? '' : null,
    last_audit_run: null,
    last_audit_log: null,
    control_log: null,
    control_reported_at: null,
    edr_status: running
      ? {
          baseline_scan_runtime: 'Kandji checked 339,254 files in 3 minutes, 41 seconds.',
          last_baseline_scan: scan(Math.max(d.enrolledAt, d.lastCheckIn - between(t.seed, 1, 20, 'edr-scan', d.index) * DAY)),
          malware_posture: 'Protect',
          next_baseline_scan: scan(d.lastCheckIn + between(t.seed, 1, 28, 'edr-next', d.index) * DAY),
          pup_posture: 'Protect',
          status: 'enabled',
        }
      : null,
    item_id: uuid(t.seed, 'edr-item'),
    name: 'Avert',
    type: 'threat-security-policy',
    computer: { id: d.id, name: d.name },
    blueprint: { id: blueprintId(t, d.blueprint), name: BLUEPRINTS[d.blueprint]?.name },
    rules_present: false,
  };
}

// -------------------------------------------------------------------------------------------------------------------
// Users, blueprints, library, tags, licensing

/** `GET /users` (§6.8). */
export function userRecord(t: Tenant, index: number, deviceCount: number): Json {
  const u = t.user(index);
  return {
    id: u.id,
    email: u.email,
    name: u.name,
    active: u.active,
    archived: u.archived,
    department: u.department,
    job_title: u.jobTitle,
    deprecated_user_id: u.legacyId,
    device_count: deviceCount,
    integration: { id: 1, name: 'Okta', uuid: uuid(t.seed, 'integration'), type: 'okta' },
    created_at: t1(u.createdAt),
    updated_at: t1(u.updatedAt),
  };
}

/** `GET /blueprints` (§6.6). */
export function blueprintRecord(t: Tenant, b: number, counts: { computers: number; missing: number }): Json {
  const spec = BLUEPRINTS[b];
  const params: Json = {};
  for (let p = 0; p < 3; p++) params[uuid(t.seed, 'param', b, p)] = { mute: false, daily: p === 0, details: p === 1 ? 30 : null };
  return {
    id: blueprintId(t, b),
    name: spec?.name,
    icon: spec?.icon,
    color: spec?.color,
    description: spec?.description,
    params,
    computers_count: counts.computers,
    missing_computers_count: counts.missing,
    enrollment_code: { code: String(100_000 + (hash(t.seed, 'code', b) % 900_000)), is_active: b % 4 !== 3 },
    type: b % 3 === 0 ? 'map' : 'classic',
  };
}

export type LibraryKind = 'custom-apps' | 'ipa-apps' | 'custom-profiles' | 'custom-scripts';

export const LIBRARY_SIZES: Record<LibraryKind, number> = {
  'custom-apps': CUSTOM_APP_NAMES.length,
  'ipa-apps': IPA_APP_NAMES.length,
  'custom-profiles': PROFILE_NAMES.length,
  'custom-scripts': SCRIPT_NAMES.length,
};

export function libraryItemId(t: Tenant, kind: LibraryKind, index: number): string {
  return uuid(t.seed, 'library', kind, index);
}

/** A custom profile's XML (§6.7 `profile`): a plist whose PayloadContent names each payload's PayloadType. */
function profileXml(name: string, payloadTypes: readonly string[]): string {
  const payloads = payloadTypes.map(
    (type) => `<dict><key>PayloadType</key><string>${type}</string><key>PayloadVersion</key><integer>1</integer></dict>`,
  );
  return `<?xml version="1.0" encoding="UTF-8"?><plist version="1.0"><dict><key>PayloadContent</key><array>${payloads.join('')}</array><key>PayloadDisplayName</key><string>${name}</string><key>PayloadType</key><string>Configuration</string></dict></plist>`;
}

/** One item of a library list (§6.7). */
export function libraryItem(t: Tenant, kind: LibraryKind, i: number): Json {
  const s = t.seed;
  const created = t.epoch - between(s, 60, 700, 'lib-created', kind, i) * DAY;
  const updated = Math.min(t.epoch - HOUR, created + between(s, 0, 50, 'lib-updated', kind, i) * DAY);
  const base = { id: libraryItemId(t, kind, i), created_at: t1(created), updated_at: t1(updated) };
  switch (kind) {
    case 'custom-apps':
      return {
        ...base,
        name: CUSTOM_APP_NAMES[i],
        file_key: `companies/${t.subdomain}/library/custom_apps/${i}.pkg`,
        install_type: pick(s, ['package', 'zip', 'image'], 'lib-type', i),
        install_enforcement: pick(s, ['install_once', 'continuously_enforce', 'no_enforcement'], 'lib-enf', i),
        audit_script: '',
        unzip_location: '',
        active: i % 7 !== 6,
        restart: false,
        preinstall_script: '',
        postinstall_script: '',
        file_url: `https://kandji-prd-managed-library-items.s3.amazonaws.com/companies/${t.subdomain}/${i}.pkg?X-Amz-Expires=60`,
        sha256: hash(s, 'sha', i).toString(16).padStart(8, '0').repeat(8),
        file_size: 1_000_000 + (hash(s, 'lib-size', i) % 400_000_000),
        file_updated: t5(updated),
        show_in_self_service: i % 3 === 0,
        self_service_category_id: i % 3 === 0 ? uuid(s, 'ss-cat', i % 4) : null,
        self_service_recommended: i % 6 === 0 ? true : null,
      };
    case 'ipa-apps':
      return {
        ...base,
        name: IPA_APP_NAMES[i],
        file_key: `companies/${t.subdomain}/library/ipa_apps/${i}.ipa`,
        active: true,
        icon: `companies/${t.subdomain}/library/ipa_apps/${i}-Icon.png`,
        ipad_icon: `companies/${t.subdomain}/library/ipa_apps/${i}-IpadIcon.png`,
        identifier: `io.${t.subdomain}.${(IPA_APP_NAMES[i] ?? '').toLowerCase().replace(/\W+/g, '')}`,
        app_identifier: `io.${t.subdomain}.${(IPA_APP_NAMES[i] ?? '').toLowerCase().replace(/\W+/g, '')}`,
        app_name: IPA_APP_NAMES[i],
        app_version: `2.${i}.0`,
        supported_device_families: ['iPhone', 'iPad'],
        minimum_os_version: '16.0',
        file_url: `https://kandji-prd-managed-library-items.s3.amazonaws.com/companies/${t.subdomain}/${i}.ipa?X-Amz-Expires=60`,
        sha256: hash(s, 'ipa-sha', i).toString(16).padStart(8, '0').repeat(8),
        file_size: 5_000_000 + (hash(s, 'ipa-size', i) % 90_000_000),
        file_updated: t5(updated),
        runs_on_iphone: true,
        runs_on_ipad: true,
        runs_on_tv: false,
        runs_on_mac: false,
        runs_on_ipod: false,
        runs_on_watch: false,
      };
    case 'custom-profiles':
      return {
        ...base,
        name: PROFILE_NAMES[i],
        active: true,
        profile: profileXml(PROFILE_NAMES[i] ?? '', payloadTypesOf(i)),
        mdm_identifier: `com.kandji.profile.custom.${uuid(s, 'profile', i)}`,
        runs_on_mac: true,
        runs_on_iphone: i % 2 === 0,
        runs_on_ipad: i % 2 === 0,
        runs_on_tv: false,
        runs_on_vision: false,
      };
    case 'custom-scripts':
      return {
        ...base,
        name: SCRIPT_NAMES[i],
        active: i % 5 !== 4,
        execution_frequency: pick(s, ['once', 'every_15_min', 'every_day', 'no_enforcement'], 'script-freq', i),
        restart: false,
        script: `#!/bin/zsh\n# ${SCRIPT_NAMES[i]}\nexit 0\n`,
        remediation_script: '',
        show_in_self_service: i % 4 === 0,
      };
  }
}

/** `GET /tags` (§6.11). */
/** Which devices a library item of a kind is scoped to: apps, scripts and profiles by platform. */
export function libraryItemApplies(kind: LibraryKind, platform: string): boolean {
  if (kind === 'ipa-apps') return platform === 'iPhone' || platform === 'iPad';
  if (kind === 'custom-profiles') return platform !== 'Windows' && platform !== 'Android';
  return platform === 'Mac';
}

/**
 * One row of `GET /library/library-items/{id}/status` (§6.7): the item's status on one device. Upper-case statuses,
 * but profiles report lower-case `success`, `failed`, `pending` (§6.5); WARNING is an alert muted on the tenant,
 * EXCLUDED a device left out by an assignment rule; a device not yet reporting has no `reported_at`.
 */
export function libraryItemStatus(t: Tenant, kind: LibraryKind, item: number, d: Device, rowId: number): Json {
  const s = t.seed;
  const roll = unit(s, 'lib-status', kind, item, d.index, d.changedAt.base);
  const upper =
    roll < 0.8
      ? 'PASS'
      : roll < 0.88
        ? 'PENDING'
        : roll < 0.93
          ? 'ERROR'
          : roll < 0.96
            ? 'EXCLUDED'
            : roll < 0.98
              ? 'WARNING'
              : 'INCOMPATIBLE';
  const status =
    kind === 'custom-profiles'
      ? (({ PASS: 'success', ERROR: 'failed', PENDING: 'pending' } as Record<string, string>)[upper] ?? upper)
      : upper;
  const reported = upper === 'PENDING' ? null : t1(Math.max(d.enrolledAt, d.lastCheckIn - HOUR));
  return {
    id: rowId,
    blueprint: { id: blueprintId(t, d.blueprint), name: BLUEPRINTS[d.blueprint]?.name },
    computer: { id: d.id, name: d.name },
    status,
    reported_at: reported,
    log: upper === 'ERROR' ? 'Installer exited with code 1' : '',
    last_audit_run: kind === 'custom-scripts' && reported ? reported : null,
    last_audit_log: kind === 'custom-scripts' ? '' : null,
    control_log: null,
    control_reported_at: null,
    type: kind === 'custom-profiles' ? 'profile' : kind === 'custom-scripts' ? 'custom-script' : 'custom-app',
  };
}

/**
 * A Mac's vulnerability detections (§6.11): about a third of Macs run an app version with one to four CVEs. A
 * detection belongs to an app version, so updating the app patches it and it disappears; it is re-detected at every
 * check-in (`latest_detection_date`). A third of devices report the older spelling: `description`, `severity` and
 * one `detection_datetime` instead of `cve_description`, `cvss_severity` and the two detection dates.
 */
export function vulnerabilityDetections(t: Tenant, d: Device): { at: number; row: Json }[] {
  if (d.platform !== 'Mac') return [];
  const s = t.seed;
  const apps = [...d.apps.keys()].filter((a) => hash(s, 'vuln-app', a, d.apps.get(a) ?? 0) % 3 === 0).slice(0, 3);
  const older = hash(s, 'vuln-spelling', d.index) % 3 === 0;
  // An app version carries one to four CVEs.
  const found = apps.flatMap((a) =>
    Array.from({ length: 1 + (hash(s, 'vuln-cves', a, d.apps.get(a) ?? 0) % 4) }, (_, k) => ({
      a,
      cve: hash(s, 'vuln-cve', a, d.apps.get(a) ?? 0, k) % 400,
    })).filter((x, k, all) => all.findIndex((y) => y.cve === x.cve) === k),
  );
  const natural = found.map(({ a, cve }) => {
    const score = Math.round((4 + (hash(s, 'vuln-score', cve) % 60) / 10) * 10) / 10;
    const first = Math.max(d.enrolledAt, d.appChangedAt.get(a) ?? d.enrolledAt);
    return detection(t, d, a, `CVE-2025-${String(21000 + cve * 37).padStart(5, '0')}`, score, first, older);
  });
  // Scripted ones (Tenant.scheduleVulnerability), open until patched.
  const scripted = t.openVulnerabilities(d.index).map((v) => detection(t, d, v.app, v.cveId, v.cvssScore, v.at, older));
  return [...natural, ...scripted];
}

/** One detection of a CVE in app `a` of Mac `d`, first detected at `first`, re-detected at every check-in. */
function detection(
  t: Tenant,
  d: Device,
  a: number,
  cveId: string,
  score: number,
  first: number,
  older: boolean,
): { at: number; row: Json } {
  const spec = APPS[a];
  const severity = score >= 9 ? 'Critical' : score >= 7 ? 'High' : score >= 4 ? 'Medium' : 'Low';
  const latest = Math.max(first, d.lastCheckIn);
  const description = `${spec?.name} before the fixed version allows a crafted file to execute code.`;
  return {
    at: latest,
    row: {
      device_id: d.id,
      device_name: d.name,
      device_serial_number: d.serial,
      device_model: d.model.name,
      device_os_version: os(d).version,
      blueprint_id: blueprintId(t, d.blueprint),
      blueprint_name: BLUEPRINTS[d.blueprint]?.name,
      name: spec?.name,
      version: appVersion(t, a, d),
      path: `/Applications/${spec?.name}.app`,
      bundle_id: spec?.bundleId,
      cve_id: cveId,
      cve_link: `https://nvd.nist.gov/vuln/detail/${cveId}`,
      cvss_score: score,
      ...(older
        ? { description, severity, detection_datetime: t1(latest) }
        : { cve_description: description, cvss_severity: severity, first_detection_date: t1(first), latest_detection_date: t1(latest) }),
    },
  };
}

/**
 * The MDM history of a device, one entry per command the device ran: its enrolment, then one command every few days
 * (every half day for one device in a hundred, so its history spans several pages) up to its last check-in. Backs
 * `/devices/{id}/activity` and `/devices/{id}/commands` (§6.5), which page it by `limit` ≤ 300 and `offset`.
 */
function deviceHistory(t: Tenant, d: Device): number[] {
  const s = t.seed;
  const period = hash(s, 'history-chatty', d.index) % 100 === 0 ? DAY / 2 : between(s, 4, 12, 'history-period', d.index) * DAY;
  const times = [d.enrolledAt];
  for (let at = d.enrolledAt + period; at <= d.lastCheckIn; at += period) times.push(at);
  return times;
}

const COMMANDS = ['DeviceInformation', 'InstalledApplicationList', 'ProfileList', 'CertificateList', 'SecurityInfo'];

/** `GET /devices/{id}/activity` rows, in the API's order, which is not time order (§6.5). */
export function deviceActivity(t: Tenant, d: Device): Json[] {
  const times = deviceHistory(t, d);
  const rows = times.map((at, k) => ({
    id: 1_000_000 + d.index * 10_000 + k,
    created_at: t1(at),
    action_type: k === 0 ? 'enrollment' : 'mdm_command_completed',
    details: k === 0 ? { enrollment_type: 'ADE' } : { command_type: COMMANDS[hash(t.seed, 'history-cmd', d.index, k) % COMMANDS.length] },
    computer: { id: d.id, name: d.name, is_removed: false },
    blueprint: { id: blueprintId(t, d.blueprint), name: BLUEPRINTS[d.blueprint]?.name, is_removed: false },
    user: null,
    external_token: null,
  }));
  // Newest page first, oldest last within it: not in time order.
  return rows.sort((a, b) => (hash(t.seed, 'history-order', a.id) % 7) - (hash(t.seed, 'history-order', b.id) % 7) || b.id - a.id);
}

/** `GET /devices/{id}/commands` rows (§6.5): status 3 completed, the newest one 1 pending when the device is stale. */
export function deviceCommands(t: Tenant, d: Device): Json[] {
  const times = deviceHistory(t, d);
  return times.map((at, k) => {
    const pending = k === times.length - 1 && d.lastCheckIn < t.now - 2 * DAY;
    const type = k === 0 ? 'InstallProfile' : (COMMANDS[hash(t.seed, 'history-cmd', d.index, k) % COMMANDS.length] as string);
    return {
      uuid: uuid(t.seed, 'command', d.index, k),
      command_type: type,
      request_type: type,
      status: pending ? 1 : 3,
      attempts: pending ? 0 : 1,
      date_requested: t1(at - 60_000),
      date_completed: pending ? null : t1(at),
      last_pushed: t1(at - 60_000),
      error_chain: [],
      metadata: {},
      request_requires_network_tether: false,
      user: null,
      priority: 50,
    };
  });
}

/** The tenant's Automated Device Enrollment tokens (§6.11): one per Apple Business Manager server, one near expiry. */
export function adeTokens(t: Tenant, counts: Record<string, number>): Json[] {
  const s = t.seed;
  return [0, 1].map((k) => {
    const daysLeft = k === 0 ? between(s, 120, 360, 'ade-days', k) : between(s, 3, 25, 'ade-days', k);
    return {
      id: uuid(s, 'ade-token', k),
      blueprint: { id: blueprintId(t, k), name: BLUEPRINTS[k]?.name, icon: 'ss-laptop', color: 'aqua-800' },
      access_token_expiry: t1(t.now + daysLeft * DAY),
      server_name: k === 0 ? 'Accuhive ABM' : 'Accuhive Education ABM',
      server_uuid: uuid(s, 'ade-server', k).toUpperCase(),
      admin_id: `abm-admin${k}@accuhive.io`,
      org_name: 'Accuhive',
      org_email: 'it@accuhive.io',
      org_phone: '+1 555 0100',
      org_address: '1 Main St, Springfield',
      org_type: k === 0 ? 'Business' : 'Education',
      stoken_file_name: `accuhive_${k}.p7m`,
      last_device_sync: t1(t.now - between(s, 1, 20, 'ade-sync', k) * HOUR),
      defaults: { email: 'it@accuhive.io', phone: '+1 555 0100' },
      days_left: daysLeft,
      status: k === 0 ? 'SUCCESS' : 'BROKEN',
      status_reason: k === 0 ? '' : 'The server token has expired or been revoked.',
      status_received_at: t1(t.now - HOUR),
      device_counts: k === 0 ? counts : { Mac: 0, iPad: 0, iPhone: 0, AppleTV: 0, total: 0 },
    };
  });
}

/**
 * An ADE device (§6.11): every enrolled Apple device came through the first token; `mdm_device` is null for a device
 * bought but not yet enrolled (`enrolled` false), which has only its serial, model and assignment.
 */
export function adeDevice(t: Tenant, d: Device | undefined, k: number): Json {
  const s = t.seed;
  const family = d ? (d.platform === 'AppleTV' ? 'AppleTV' : d.platform) : t.awaitingAdeDevice(k).platform;
  const token = { id: uuid(s, 'ade-token', 0), server_name: 'Accuhive ABM' };
  // A device that was awaiting enrollment keeps its ADE id once enrolled (Tenant.enrollAdeDevice).
  const slot = d ? t.adeSlotOf(d.index) : k;
  return {
    id: uuid(s, 'ade-device', slot !== undefined ? -1 - slot : (d as Device).index),
    serial_number: d ? d.serial : t.awaitingAdeDevice(k).serial,
    model: d ? d.model.name : family === 'Mac' ? 'MacBook Air' : family,
    description: d ? d.model.name : `${family} (awaiting enrollment)`,
    color: 'SILVER',
    asset_tag: d ? d.assetTag : null,
    device_family: family,
    os: family === 'Mac' ? 'OSX' : family === 'AppleTV' ? 'tvOS' : family === 'iPad' ? 'iPadOS' : 'iOS',
    device_assigned_by: 'abm-admin0@accuhive.io',
    device_assigned_date: t1((d ? d.enrolledAt : t.now) - 3 * DAY),
    profile_status: d ? 'pushed' : 'assigned',
    profile_assign_time: t1((d ? d.enrolledAt : t.now) - 2 * DAY),
    profile_push_time: d ? t1(d.enrolledAt) : null,
    last_assignment_status: 'SUCCESS',
    failed_assignment_attempts: 0,
    assignment_status_received_at: t1((d ? d.enrolledAt : t.now) - 2 * DAY),
    dep_account: token,
    blueprint_id: d ? blueprintId(t, d.blueprint) : blueprintId(t, 0),
    blueprint: { id: d ? blueprintId(t, d.blueprint) : blueprintId(t, 0), name: BLUEPRINTS[d ? d.blueprint : 0]?.name },
    user_id: null,
    user: null,
    mdm_device: d
      ? {
          id: d.id,
          enrolled_at: t1(d.enrolledAt),
          name: d.name,
          enrollment_status: 1,
          deferred_install: false,
          is_missing: false,
          is_removed: d.removedFlag,
        }
      : null,
  };
}

const THREATS = [
  { name: 'OSX.Adload', classification: 'malware', family: 'Adload' },
  { name: 'OSX.Genieo', classification: 'pup', family: 'Genieo' },
  { name: 'OSX.MacKeeper', classification: 'pup', family: 'MacKeeper' },
  { name: 'OSX.AtomicStealer', classification: 'malware', family: 'AMOS' },
] as const;

/** T7 (§5): ISO without a zone, as v1 threat-details sends its dates. */
const t7 = (ms: number) => t1(ms).replace(/Z$/, '');

/**
 * A Mac's EDR threat detections (§6.11, the EDR add-on): one Mac in fifty had one since enrolment, and an app change
 * brings one in twenty of the changed Macs a new one, detected at that change. Malware is quarantined; a PUP is
 * left in place or released.
 */
export function threats(t: Tenant, d: Device): { at: number; threat: Json; behavioral: Json }[] {
  if (d.platform !== 'Mac') return [];
  const s = t.seed;
  const found: number[] = [];
  if (hash(s, 'threat', d.index) % 50 === 0) found.push(d.enrolledAt + between(s, 1, 60, 'threat-day', d.index) * DAY);
  if (d.changedAt.app > d.enrolledAt && hash(s, 'threat-app', d.index, d.changedAt.app) % 20 === 0) found.push(d.changedAt.app);
  return found.map((at, k) => {
    const kind = THREATS[hash(s, 'threat-kind', d.index, k) % THREATS.length] as (typeof THREATS)[number];
    const malware = kind.classification === 'malware';
    const hashHex = uuid(s, 'threat-hash', d.index, k).replace(/-/g, '') + uuid(s, 'threat-hash2', d.index, k).replace(/-/g, '');
    return {
      at,
      threat: {
        threat_name: kind.name,
        classification: kind.classification,
        status: malware ? 'quarantined' : k % 2 ? 'released' : 'not_quarantined',
        process_name: kind.family.toLowerCase(),
        process_owner: 'root',
        device_name: d.name,
        device_id: d.id,
        detection_date: t7(at),
        date_of_quarantine: malware ? t7(at + 2_000) : null,
        date_of_release: null,
        released_by: null,
        release_note: null,
        file_path: `/Library/Application Support/${kind.family}/${kind.family.toLowerCase()}`,
        file_hash: hashHex,
        bundle_path: null,
        device_serial_number: d.serial,
        blueprint_id: blueprintId(t, d.blueprint),
        blueprint_name: BLUEPRINTS[d.blueprint]?.name,
        library_item_name: 'Avert',
        library_item_id: uuid(s, 'edr-item'),
        pup_posture: 'protect',
        malware_posture: 'protect',
      },
      behavioral: {
        id: uuid(s, 'behavioral', d.index, k),
        threat_id: uuid(s, 'behavioral-threat', d.index, k),
        rule_version: '1.4',
        description: `${kind.family} persistence through a launch agent`,
        classification: malware ? 'malicious' : 'suspicious',
        informational_tags: ['persistence'],
        malware_family: [kind.family],
        detection_date: t6(at),
        threat_status: malware ? 'blocked' : 'detected',
        device_info: { id: d.id, name: d.name, serial_number: d.serial },
        parent_process: {
          name: 'launchd',
          command_line: '/sbin/launchd',
          image_path: '/sbin/launchd',
          pid: 1,
          owner: 'root',
          sha256: null,
        },
        target_process: {
          name: kind.family.toLowerCase(),
          command_line: null,
          image_path: null,
          pid: 4000 + k,
          owner: 'root',
          sha256: hashHex,
        },
        library_item: { id: uuid(s, 'edr-item'), name: 'Avert', mal_posture_mode: 'protect' },
        blueprint: { id: blueprintId(t, d.blueprint), name: BLUEPRINTS[d.blueprint]?.name },
      },
    };
  });
}

const PARAMETERS = [
  { name: 'Require FileVault', category: 'Security', subcategory: 'Encryption', posture: 'filevault' },
  { name: 'Enable firewall', category: 'Security', subcategory: 'Firewall', posture: 'firewall' },
  { name: 'Require Gatekeeper', category: 'Security', subcategory: 'Gatekeeper', posture: 'gatekeeper' },
  { name: 'Require System Integrity Protection', category: 'Security', subcategory: 'System Integrity', posture: 'sip' },
  { name: 'Disable guest account', category: 'Users', subcategory: 'Accounts', posture: undefined },
  { name: 'Set screen saver idle time', category: 'Security', subcategory: 'Screen Saver', posture: undefined },
] as const;

/**
 * `GET /devices/{id}/parameters` (§6.5, macOS only): the blueprint's parameters and their status on the Mac. The
 * security ones follow its posture (PASS when on, ERROR when off, REMEDIATED after an agent fixed it); the others
 * PASS, some WARNING (an alert muted on the tenant) or PENDING.
 */
export function deviceParameters(t: Tenant, d: Device): Json {
  if (d.platform !== 'Mac') return { device_id: d.id, parameters: [] };
  const s = t.seed;
  const parameters = PARAMETERS.map((p, k) => {
    const on = p.posture === undefined ? true : d[p.posture];
    const roll = unit(s, 'parameter', d.index, k, d.changedAt.base);
    const status = !on
      ? 'ERROR'
      : p.posture === undefined
        ? roll < 0.1
          ? 'WARNING'
          : roll < 0.15
            ? 'PENDING'
            : 'PASS'
        : roll < 0.05
          ? 'REMEDIATED'
          : 'PASS';
    return { item_id: uuid(s, 'parameter', k), name: p.name, category: p.category, subcategory: p.subcategory, status };
  });
  return { device_id: d.id, parameters };
}

export function tagRecord(t: Tenant, i: number): Json {
  return { id: uuid(t.seed, 'tag', i), name: TAGS[i] };
}
