/**
 * API bodies built from the tenant's state, field by field as kandji-api.md §6 documents them, quirks included:
 * `user: ""` when unassigned, `"True"`/`"False"` strings in /details, sizes as strings, ten timestamp formats, legacy
 * payloads missing keys, and the odd unknown key.
 */
import { between, hash, pick, unit, uuid } from './random.ts';
import { DAY, HOUR, t1, t2, t3, t4, t5, t6, timeAgo } from './timestamps.ts';
import type { Device, Tenant } from './tenant.ts';
import type { Platform } from './vocabulary.ts';
import {
  APPS,
  BLUEPRINTS,
  CERTIFICATES,
  CUSTOM_APP_NAMES,
  IPA_APP_NAMES,
  LAUNCH_AGENTS,
  OS_RELEASES,
  PRISM_FAMILY,
  PROFILE_NAMES,
  SCRIPT_NAMES,
  SYSTEM_EXTENSIONS,
  TAGS,
  TCC_ENTRIES,
} from './vocabulary.ts';

type Json = Record<string, unknown>;

const MARKETING: Record<string, string> = { '13': 'Ventura', '14': 'Sonoma', '15': 'Sequoia' };

function os(d: Device) {
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
  // do not apply (kandji-api.md §6.1, [GO]).
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
    // iPhone, iPad and Apple TV report none of these four: the examples carry "" (kandji-api.md §6.3, [PM]).
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
      payload_types: ['com.apple.ManagedClient.preferences'],
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

function localUser(t: Tenant, d: Device, k: number) {
  const owner = d.user >= 0 ? t.user(d.user).email.split('@')[0] : 'kiosk';
  return {
    username: k === 0 ? owner : `localadmin${k}`,
    uid: String(501 + k),
    path: `/Users/${k === 0 ? owner : `localadmin${k}`}`,
    admin: k === 0 ? 'No' : 'Yes',
    name: k === 0 ? owner : `Local Admin ${k}`,
  };
}

function appVersion(t: Tenant, appIndex: number, device: Device): string {
  const spec = APPS[appIndex];
  const updates = device.apps.get(appIndex) ?? 0;
  const minor = hash(t.seed, 'app-minor', appIndex) % 5;
  return `${spec?.major ?? 1}.${minor + updates}.${hash(t.seed, 'app-patch', appIndex, updates) % 10}`;
}

function appSize(t: Tenant, appIndex: number): number {
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
  return { device_id: d.id, library_items: items };
}

// -------------------------------------------------------------------------------------------------------------------
// Prism (§6.10)

export const PRISM_CATEGORIES = [
  'device_information',
  'apps',
  'filevault',
  'gatekeeper_and_xprotect',
  'startup_settings',
  'application_firewall',
  'installed_profiles',
  'local_users',
  'activation_lock',
  'cellular',
  'certificates',
  'desktop_and_screensaver',
  'kernel_extensions',
  'launch_agents_and_daemons',
  'system_extensions',
  'transparency_database',
] as const;
export type PrismCategory = (typeof PRISM_CATEGORIES)[number];

/** Categories only Macs report. */
const MAC_ONLY: ReadonlySet<PrismCategory> = new Set([
  'filevault',
  'gatekeeper_and_xprotect',
  'startup_settings',
  'application_firewall',
  'local_users',
  'desktop_and_screensaver',
  'kernel_extensions',
  'launch_agents_and_daemons',
  'system_extensions',
  'transparency_database',
]);

/**
 * Whether devices of a platform have rows in a category at all: Prism covers Apple platforms only, `cellular` iPhones
 * only, and no device has kernel extensions (the saved example is empty). Cheap, so scans skip a device before
 * building it.
 */
export function platformInPrism(platform: Platform, category: PrismCategory): boolean {
  if (platform === 'Windows' || platform === 'Android' || category === 'kernel_extensions') return false;
  if (category === 'cellular') return platform === 'iPhone';
  return !MAC_ONLY.has(category) || platform === 'Mac';
}

export function inPrism(d: Device, category: PrismCategory): boolean {
  return platformInPrism(d.platform, category);
}

/** The latest `updated_at` among a device's rows in a category: lets a filtered scan skip devices without rows. */
export function prismChangedAt(d: Device, category: PrismCategory): number {
  const c = d.changedAt;
  switch (category) {
    case 'device_information':
    case 'activation_lock':
    case 'desktop_and_screensaver':
      return Math.max(c.base, c.os, c.blueprint);
    case 'apps':
      return Math.max(c.base, c.app, c.blueprint);
    case 'filevault':
      return Math.max(c.base, c.filevault, c.blueprint);
    case 'gatekeeper_and_xprotect':
      return Math.max(c.base, c.gatekeeper, c.blueprint);
    case 'application_firewall':
      return Math.max(c.base, c.firewall, c.blueprint);
    case 'startup_settings':
      return Math.max(c.base, c.blueprint);
    case 'installed_profiles':
      return Math.max(c.base, c.profile, c.blueprint);
    case 'local_users':
      return Math.max(c.base, c.local_user, c.blueprint);
    // No change advance() makes touches these but a blueprint move (their common columns).
    case 'cellular':
    case 'certificates':
    case 'kernel_extensions':
    case 'launch_agents_and_daemons':
    case 'system_extensions':
    case 'transparency_database':
      return Math.max(c.base, c.blueprint);
  }
}

/** The columns every Prism row of a device shares, but for its times; built once per device, not once per row. */
function prismDeviceColumns(t: Tenant, d: Device): Json {
  const u = d.user >= 0 ? t.user(d.user) : undefined;
  return {
    device_id: d.id,
    device__name: d.name,
    device__family: PRISM_FAMILY[d.platform],
    device__user_id: u ? u.legacyId : '',
    device__user_name: u ? u.name : '',
    device__user_email: u ? u.email : '',
    blueprint_id: blueprintId(t, d.blueprint),
    blueprint_name: BLUEPRINTS[d.blueprint]?.name,
    tags: d.tags.length ? d.tags : null,
    asset_tag: d.assetTag,
    serial_number: d.serial,
    model_id: d.model.identifier,
    count: null,
    created_at: t6(d.enrolledAt),
  };
}

/** The common columns of one row (kandji-api.md §6.10), given the device's shared ones and the row's change time. */
function prismCommon(device: Json, d: Device, updatedAt: number): Json {
  return {
    ...device,
    updated_at: t6(updatedAt),
    last_changed_at: updatedAt > d.enrolledAt ? t6(updatedAt) : null,
    last_collected_at: t6(Math.max(updatedAt, d.lastCheckIn)),
  };
}

/** A device's rows in a Prism category, in row order. */
export function prismRows(t: Tenant, d: Device, category: PrismCategory): Json[] {
  if (!inPrism(d, category)) return [];
  const release = os(d);
  const s = t.seed;
  const updated = prismChangedAt(d, category);
  const device = prismDeviceColumns(t, d);
  const common = () => prismCommon(device, d, updated);
  switch (category) {
    // Their saved examples show device_information's columns; the real ones are unconfirmed (kandji-api.md §6.10).
    case 'activation_lock':
    case 'desktop_and_screensaver':
    case 'device_information': {
      const major = release.version.split('.')[0] as string;
      return [
        {
          ...common(),
          device_capacity: Number((d.model.capacityGb * 0.93).toFixed(1)),
          host_name: d.platform === 'Mac' ? `${d.name.replace(/[^A-Za-z0-9]+/g, '-')}.local` : null,
          local_hostname: d.platform === 'Mac' ? d.name.replace(/[^A-Za-z0-9]+/g, '-') : null,
          apple_silicon: d.platform === 'Mac' ? d.model.appleSilicon === true : null,
          model: d.platform,
          model_name: d.model.name,
          shared_ipad: d.platform === 'iPad' && BLUEPRINTS[d.blueprint]?.name === 'Shared iPads',
          cellular_technology: d.platform === 'iPhone' ? 'GSM' : '',
          data_roaming: false,
          hotspot: false,
          first_enrollment_date: t6(d.enrolledAt),
          last_enrollment_date: t6(d.lastEnrolledAt),
          agent_version: d.platform === 'Mac' ? d.agentVersion : null,
          mdm_enabled: d.mdmEnabled,
          agent_installed: d.platform === 'Mac' ? d.agentInstalled : null,
          os_version: release.version,
          os_build: release.build,
          marketing_name: d.platform === 'Mac' ? (MARKETING[major] ?? null) : null,
          supplemental_build_version: release.build,
          supplemental_os_version_extra: null,
          display_os_version: release.version,
          last_checkin: t6(d.lastCheckIn),
          last_checkin_agent: d.agentInstalled ? t6(d.lastCheckIn) : null,
          last_checkin_mdm: t6(d.lastCheckIn),
          battery_health:
            d.platform === 'Mac' && !d.model.name.startsWith('Mac mini') && !d.model.name.startsWith('iMac')
              ? pick(s, ['Normal', 'Normal', 'Normal', 'Service Recommended'], 'battery', d.index)
              : null,
          lost_mode_status: d.lostMode ? 'ENABLED' : null,
        },
      ];
    }
    case 'apps':
      return [...d.apps.keys()].map((a) => {
        const spec = APPS[a];
        const rowUpdated = Math.max(d.appChangedAt.get(a) ?? d.changedAt.base, d.changedAt.blueprint);
        const version = appVersion(t, a, d);
        return {
          ...prismCommon(device, d, rowUpdated),
          path: d.platform === 'Mac' ? `/Applications/${spec?.name}.app` : null,
          obtained_from: spec?.source === 'App Store' ? 'Mac App Store' : spec?.source,
          bundle_size: appSize(t, a),
          bundle_id: spec?.bundleId,
          name: spec?.name,
          short_version: version,
          signature:
            spec?.source === 'Apple'
              ? 'Software Signing'
              : `Developer ID Application: ${spec?.developer} (${spec?.teamId}), Developer ID Certification Authority, Apple Root CA`,
          ad_hoc_code_signed: null,
          app_store_vendable: spec?.source === 'App Store' ? true : null,
          beta_app: null,
          device_based_vpp: null,
          download_canceled: null,
          download_failed: null,
          download_paused: null,
          download_waiting: null,
          dynamic_size: null,
          external_version_identifier: null,
          has_update_available: null,
          installing: null,
          version,
          app_clip: null,
          validated: null,
          executable: spec?.name,
          bundle_name: spec?.name,
          bundle_type: 'APPL',
          environment_variables: null,
          compiler: d.platform === 'Mac' ? 'com.apple.compilers.llvm.clang.1_0' : null,
          bundle_region: 'en',
          bundle_display_name: null,
          info: null,
          minimum_system_version: d.platform === 'Mac' ? '12.0' : '16.0',
          category: 'public.app-category.productivity',
          apple_scriptable: null,
          copyright: `Copyright © ${spec?.developer}`,
          developer_name: spec?.developer,
          team_id: spec?.teamId,
        };
      });
    case 'filevault':
      return [
        {
          ...common(),
          status: d.filevault,
          key_type: d.filevault ? 'personal' : null,
          key_escrowed: d.filevault && d.filevaultEscrowed,
          regeneration_needed: d.filevault ? false : null,
          scheduled_key_rotation: null,
        },
      ];
    case 'gatekeeper_and_xprotect':
      return [
        {
          ...common(),
          gatekeeper_status: d.gatekeeper,
          trusted_developers: d.gatekeeper,
          gatekeeper_version: '8.0',
          gatekeeper_opaque_version: '94',
          xprotect_version: String(5280 + d.osIndex),
          malware_removal_tool_version: '1.93',
        },
      ];
    case 'startup_settings':
      return [
        {
          ...common(),
          sip: d.sip,
          ssv: d.sip,
          bootstrap_token_auth: false,
          kext_requires_bst: true,
          software_update_requires_bst: true,
          bootstrap_token_escrowed: unit(s, 'bst', d.index) < 0.9,
          external_boot_level: 'allowed',
          secure_boot_level: d.model.appleSilicon ? 'full' : 'medium',
          any_signed_os: null,
          mdm_manages_kext: null,
          user_manages_kext: null,
        },
      ];
    case 'application_firewall':
      return [
        {
          ...common(),
          status: d.firewall,
          block_all_incoming: false,
          logging: true,
          logging_option: 'throttled',
          stealth_mode: d.firewall && unit(s, 'stealth', d.index) < 0.5,
          version: '1.7',
          allow_signed_applications: true,
          unloading: false,
        },
      ];
    case 'installed_profiles':
      return d.profiles.map((p) => ({
        ...common(),
        profile_display_name: PROFILE_NAMES[p],
        payload_identifier: `com.kandji.profile.custom.${uuid(s, 'profile', p)}`,
        payload_uuid: uuid(s, 'profile-payload', p),
        removal_passcode: false,
        encrypted: false,
        managed: true,
        profile_description: null,
        organization: 'Kandji, Inc.',
        removable: false,
        signed: true,
        profile_data: [
          {
            type: 'com.apple.ManagedClient.preferences',
            uuid: uuid(s, 'payload', p),
            version: 1,
            identifier: `com.kandji.payload.${p}`,
            display_name: PROFILE_NAMES[p],
            organization: 'Kandji, Inc.',
          },
        ],
      }));
    case 'local_users':
      return Array.from({ length: d.localUsers }, (_, k) => {
        const u = localUser(t, d, k);
        return {
          ...common(),
          uid: Number(u.uid),
          user_created_at: t6(d.enrolledAt + k * HOUR),
          failed_logins: 0,
          failed_login_time: null,
          password_last_set: t6(d.enrolledAt + DAY),
          generated_uid: uuid(s, 'guid', d.index, k).toUpperCase(),
          directory: '/Local/Default',
          home_directory: u.path,
          shell: '/bin/zsh',
          type: u.admin === 'Yes' ? 'Admin' : 'Standard',
          hidden_user: false,
          secure_token: true,
          filevault_user: d.filevault,
          volume_owner: k === 0,
          full_name: u.name,
          username: u.username,
          logged_in: k === 0,
          logged_in_time: k === 0 ? t6(d.lastCheckIn) : null,
          mobile_account: false,
          home_folder_secure: true,
        };
      });
    default:
      return otherPrismRows(t, d, category, common);
  }
}

/** How many rows a device has in a category, without building them. */
export function prismRowCount(t: Tenant, d: Device, category: PrismCategory): number {
  if (!inPrism(d, category)) return 0;
  switch (category) {
    case 'apps':
      return d.apps.size;
    case 'installed_profiles':
      return d.profiles.length;
    case 'local_users':
      return d.localUsers;
    case 'certificates':
      return certificateCount(t, d);
    case 'kernel_extensions':
      return 0;
    case 'launch_agents_and_daemons':
      return between(t.seed, 2, 6, 'launch-count', d.index);
    case 'system_extensions':
      return d.agentInstalled ? 1 + (hash(t.seed, 'sysext-count', d.index) % SYSTEM_EXTENSIONS.length) : 0;
    case 'transparency_database':
      return between(t.seed, 3, TCC_ENTRIES.length, 'tcc-count', d.index);
    default:
      return 1;
  }
}

function certificateCount(t: Tenant, d: Device): number {
  return d.platform === 'Mac'
    ? between(t.seed, 4, CERTIFICATES.length, 'cert-count', d.index)
    : between(t.seed, 2, 4, 'cert-count', d.index);
}

/** The last Prism categories: columns from their saved examples (kandji-api.md §6.10). */
function otherPrismRows(t: Tenant, d: Device, category: PrismCategory, common: () => Json): Json[] {
  const s = t.seed;
  const count = prismRowCount(t, d, category);
  const owner = d.localUsers > 0 ? localUser(t, d, 0) : undefined;
  switch (category) {
    case 'cellular': {
      const slot = (key: string, value: unknown) => ({ [`${key}_slot_1`]: value, [`${key}_slot_2`]: null });
      const imei = String(35_000_000_000_000 + (hash(s, 'imei', d.index) % 999_999_999_999)).padStart(15, '0');
      return [
        {
          ...common(),
          cellular_technology: 'GSM and CDMA',
          data_roaming_enabled: false,
          voice_roaming_enabled: false,
          personal_hotspot_enabled: unit(s, 'hotspot', d.index) < 0.2,
          modem_firmware_version: '6.21.01',
          meid: imei.slice(0, 14),
          ...slot('carrier_settings_version', '60.0'),
          ...slot('current_carrier_network', 'AT&T'),
          ...slot('current_mcc', '310'),
          ...slot('current_mnc', '410'),
          ...slot('eid', null),
          ...slot('iccid', `8901410${String(hash(s, 'iccid', d.index)).padStart(12, '0')}`),
          ...slot('imei', `${imei.slice(0, 2)} ${imei.slice(2, 8)} ${imei.slice(8, 14)} ${imei.slice(14)}`),
          ...slot('is_data_preferred', true),
          ...slot('is_roaming', false),
          ...slot('is_voice_preferred', true),
          ...slot('label', 'Primary'),
          ...slot('label_id', uuid(s, 'cell-label', d.index).toUpperCase()),
          ...slot('phone_number', `+1 555 01${String(d.index % 100).padStart(2, '0')}`),
          slot_1: 'CTSubscriptionSlotOne',
          slot_2: null,
          ...slot('subscriber_carrier_network', 'AT&T'),
        },
      ];
    }
    case 'certificates':
      return CERTIFICATES.slice(0, count).map((c) => ({ ...common(), common_name: c.name, identity_certificate: c.identity }));
    case 'kernel_extensions':
      return [];
    case 'launch_agents_and_daemons': {
      const start = hash(s, 'launch-start', d.index) % LAUNCH_AGENTS.length;
      return Array.from({ length: count }, (_, k) => {
        const agent = LAUNCH_AGENTS[(start + k) % LAUNCH_AGENTS.length] as (typeof LAUNCH_AGENTS)[number];
        return {
          ...common(),
          path: `/Library/LaunchAgents/${agent.label}.plist`,
          file_name: `${agent.label}.plist`,
          label: agent.label,
          program: null,
          run_at_load: true,
          keep_alive: agent.interval === 0,
          disabled: false,
          is_disabled: false,
          is_loaded: owner !== undefined,
          group_name: null,
          user_name: null,
          standard_out_path: null,
          standard_error_path: null,
          start_interval: agent.interval,
          program_arguments: agent.program,
          watch_paths: null,
          queue_directories: null,
          start_on_mount: null,
          root_directory: null,
          working_directory: null,
          process_type: null,
          domain: {
            system_agent: { disabled_users: [], loaded_users: owner ? [{ uid: Number(owner.uid), username: owner.username }] : [] },
          },
          service_domain: 'System Agent',
          pid: null,
          user_agent_local_user: null,
          user_agent_local_user_id: null,
        };
      });
    }
    case 'system_extensions':
      return SYSTEM_EXTENSIONS.slice(0, count).map((x, k) => ({
        ...common(),
        path: x.bundle,
        identifier: x.identifier,
        state: k === 0 || unit(s, 'sysext-state', d.index, k) < 0.9 ? 'activated_enabled' : 'activated_waiting_for_user',
        name: x.name,
        short_version: x.version,
        bundle_version: String(700 + (hash(s, 'sysext-build', k) % 100)),
        categories: x.category,
        bundle_path: x.bundle,
        team_id: x.teamId,
        is_mdm_managed: k === 0,
      }));
    case 'transparency_database':
      return TCC_ENTRIES.slice(0, count).map((e, k) => ({
        ...common(),
        service: e.service,
        application: e.application,
        client_type: 'Bundle Identifier',
        status: 'Allowed',
        status_reason: e.reason,
        last_modified: t6(d.enrolledAt + (k + 1) * HOUR),
        local_user: e.reason === 'MDM Policy' ? '' : (owner?.username ?? ''),
      }));
    default:
      return [];
  }
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
        profile: `<?xml version="1.0" encoding="UTF-8"?><plist version="1.0"><dict><key>PayloadDisplayName</key><string>${PROFILE_NAMES[i]}</string></dict></plist>`,
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
export function tagRecord(t: Tenant, i: number): Json {
  return { id: uuid(t.seed, 'tag', i), name: TAGS[i] };
}
