/**
 * Prism (docs/kandji-api.md §6.10), one record per category: the platforms that report it, what a row is, which kinds of
 * change move its rows' `updated_at` (besides enrolment and a blueprint move, which every category's common columns
 * show), whether its responses carry `total`, how many rows a device has, and the rows themselves with the columns of
 * the saved examples. Adding a Prism category to the simulator is one record here.
 */
import { appSize, appVersion, blueprintId, localUser, MARKETING, os } from './bodies.ts';
import { between, hash, pick, unit, uuid } from './random.ts';
import { DAY, HOUR, t6 } from './timestamps.ts';
import type { ChangeKind, Device, Tenant } from './tenant.ts';
import type { Platform } from './vocabulary.ts';
import {
  APPS,
  BLUEPRINTS,
  CERTIFICATES,
  LAUNCH_AGENTS,
  PRISM_FAMILY,
  PROFILE_NAMES,
  payloadTypesOf,
  SYSTEM_EXTENSIONS,
  TCC_ENTRIES,
} from './vocabulary.ts';

type Json = Record<string, unknown>;

export interface PrismCategorySpec {
  /** The platforms whose devices have rows: Prism covers Apple platforms only. */
  platforms: readonly Platform[];
  /** What one row is. */
  grain: string;
  /** The kinds of change (tenant.ts ChangeKind) that move the rows' `updated_at`, besides enrolment and a blueprint move. */
  changedBy: readonly Exclude<ChangeKind, 'blueprint'>[];
  /** Whether responses carry `total`; several saved examples show `null` (docs/kandji-api.md §6.10). */
  total: boolean;
  /** A device's row count without building the rows; default 1. */
  count?: (t: Tenant, d: Device) => number;
  /** A device's rows, given its common columns (`common()`) and the device columns all its rows share. */
  rows: (t: Tenant, d: Device, common: () => Json, device: Json) => Json[];
}

const APPLE: readonly Platform[] = ['Mac', 'iPhone', 'iPad', 'AppleTV'];
const MAC: readonly Platform[] = ['Mac'];

/** The categories of docs/kandji-api.md §6.10, in the order the simulator lists them. */
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

export const PRISM: Record<PrismCategory, PrismCategorySpec> = {
  device_information: {
    platforms: APPLE,
    grain: 'device',
    changedBy: ['os'],
    total: true,
    rows: (t, d, common) => {
      const s = t.seed;
      const release = os(d);
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
    },
  },
  apps: {
    platforms: APPLE,
    grain: 'device × app',
    changedBy: ['app'],
    total: true,
    count: (_t, d) => d.apps.size,
    rows: (t, d, _common, device) => {
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
    },
  },
  filevault: {
    platforms: MAC,
    grain: 'device',
    changedBy: ['filevault'],
    total: false,
    rows: (_t, d, common) => {
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
    },
  },
  // xprotect_version follows the OS release, so an OS update moves the row too.
  gatekeeper_and_xprotect: {
    platforms: MAC,
    grain: 'device',
    changedBy: ['gatekeeper', 'os'],
    total: false,
    rows: (_t, d, common) => {
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
    },
  },
  startup_settings: {
    platforms: MAC,
    grain: 'device',
    changedBy: [],
    total: true,
    rows: (t, d, common) => {
      const s = t.seed;
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
    },
  },
  application_firewall: {
    platforms: MAC,
    grain: 'device',
    changedBy: ['firewall'],
    total: false,
    rows: (t, d, common) => {
      const s = t.seed;
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
    },
  },
  installed_profiles: {
    platforms: APPLE,
    grain: 'device × profile',
    changedBy: ['profile'],
    total: true,
    count: (_t, d) => d.profiles.length,
    rows: (t, d, common) => {
      const s = t.seed;
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
        // One entry per payload; the first keeps the ids the single-payload profiles always had.
        profile_data: payloadTypesOf(p).map((type, k) => ({
          type,
          uuid: k === 0 ? uuid(s, 'payload', p) : uuid(s, 'payload', p, k),
          version: 1,
          identifier: k === 0 ? `com.kandji.payload.${p}` : `com.kandji.payload.${p}.${k}`,
          display_name: PROFILE_NAMES[p],
          organization: 'Kandji, Inc.',
        })),
      }));
    },
  },
  // filevault_user follows the Mac's FileVault, so turning FileVault on or off moves the rows too.
  local_users: {
    platforms: MAC,
    grain: 'device × local user',
    changedBy: ['local_user', 'filevault'],
    total: true,
    count: (_t, d) => d.localUsers,
    rows: (t, d, common) => {
      const s = t.seed;
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
    },
  },
  cellular: {
    platforms: ['iPhone'],
    grain: 'device',
    changedBy: [],
    total: false,
    rows: (t, d, common) => {
      const s = t.seed;
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
    },
  },
  certificates: {
    platforms: APPLE,
    grain: 'device × certificate',
    changedBy: [],
    total: false,
    count: (t, d) =>
      d.platform === 'Mac' ? between(t.seed, 4, CERTIFICATES.length, 'cert-count', d.index) : between(t.seed, 2, 4, 'cert-count', d.index),
    rows: (t, d, common) => {
      const count = PRISM.certificates.count?.(t, d) ?? 1;
      return CERTIFICATES.slice(0, count).map((c) => ({ ...common(), common_name: c.name, identity_certificate: c.identity }));
    },
  },
  launch_agents_and_daemons: {
    platforms: MAC,
    grain: 'device × launchd plist',
    changedBy: [],
    total: true,
    count: (t, d) => between(t.seed, 2, 6, 'launch-count', d.index),
    rows: (t, d, common) => {
      const s = t.seed;
      const count = PRISM.launch_agents_and_daemons.count?.(t, d) ?? 1;
      const owner = d.localUsers > 0 ? localUser(t, d, 0) : undefined;
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
    },
  },
  system_extensions: {
    platforms: MAC,
    grain: 'device × system extension',
    changedBy: [],
    total: true,
    count: (t, d) => (d.agentInstalled ? 1 + (hash(t.seed, 'sysext-count', d.index) % SYSTEM_EXTENSIONS.length) : 0),
    rows: (t, d, common) => {
      const s = t.seed;
      const count = PRISM.system_extensions.count?.(t, d) ?? 1;
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
    },
  },
  transparency_database: {
    platforms: MAC,
    grain: 'device × TCC entry',
    changedBy: [],
    total: true,
    count: (t, d) => between(t.seed, 3, TCC_ENTRIES.length, 'tcc-count', d.index),
    rows: (t, d, common) => {
      const count = PRISM.transparency_database.count?.(t, d) ?? 1;
      const owner = d.localUsers > 0 ? localUser(t, d, 0) : undefined;
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
    },
  },
  // Their saved examples show device_information's columns, which looks like a copy-paste in the docs; the real ones
  // are UNCONFIRMED (docs/kandji-api.md §6.10), so the simulator serves those.
  activation_lock: {
    platforms: APPLE,
    grain: 'device',
    changedBy: ['os'],
    total: true,
    rows: (t, d, common, device) => PRISM.device_information.rows(t, d, common, device),
  },
  desktop_and_screensaver: {
    platforms: MAC,
    grain: 'device',
    changedBy: ['os'],
    total: true,
    rows: (t, d, common, device) => PRISM.device_information.rows(t, d, common, device),
  },
  // The saved example is empty (`total: 0`) and its columns UNCONFIRMED: no device has kernel extensions here.
  kernel_extensions: { platforms: [], grain: 'device × kernel extension', changedBy: [], total: true, count: () => 0, rows: () => [] },
};

const spec = (category: PrismCategory): PrismCategorySpec => PRISM[category];

/** Whether devices of a platform have rows in a category at all: cheap, so scans skip a device before building it. */
export function platformInPrism(platform: Platform, category: PrismCategory): boolean {
  return spec(category).platforms.includes(platform);
}

export function inPrism(d: Device, category: PrismCategory): boolean {
  return platformInPrism(d.platform, category);
}

/** The latest `updated_at` among a device's rows in a category: lets a filtered scan skip devices without rows. */
export function prismChangedAt(d: Device, category: PrismCategory): number {
  const c = d.changedAt;
  let at = Math.max(c.base, c.blueprint);
  for (const kind of spec(category).changedBy) at = Math.max(at, c[kind]);
  return at;
}

/** How many rows a device has in a category, without building them. */
export function prismRowCount(t: Tenant, d: Device, category: PrismCategory): number {
  if (!inPrism(d, category)) return 0;
  return spec(category).count?.(t, d) ?? 1;
}

/** Whether a category's responses carry `total`. */
export function prismTotalKnown(category: PrismCategory): boolean {
  return spec(category).total;
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

/** The common columns of one row (docs/kandji-api.md §6.10), given the device's shared ones and the row's change time. */
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
  const updated = prismChangedAt(d, category);
  const device = prismDeviceColumns(t, d);
  return spec(category).rows(t, d, () => prismCommon(device, d, updated), device);
}
