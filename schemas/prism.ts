/**
 * The Prism streams: fleet-wide inventory from `GET /prism/{category}` (docs/kandji-api.md §6.10). Every row carries the
 * same device columns; each category adds its own. `updated_at` is the change marker the incremental syncs filter on.
 */
import { array, boolean, integer, json, number, object, record, string, timestamp } from './schema.ts';

export const prismCommon = {
  device_id: string(),
  device__name: string(),
  device__family: string('Mac, iPhone, iPad or tvOS'),
  device__user_id: string('Legacy numeric user id, as a string; joins users.deprecated_user_id'),
  device__user_name: string(),
  device__user_email: string(),
  blueprint_id: string(),
  blueprint_name: string(),
  tags: array(string()),
  asset_tag: string(),
  serial_number: string(),
  model_id: string(),
  created_at: timestamp(),
  updated_at: timestamp('When the row last changed: the incremental cursor'),
  last_changed_at: timestamp(),
  last_collected_at: timestamp(),
};

export const device_information = record({
  ...prismCommon,
  device_capacity: number('GB'),
  host_name: string(),
  local_hostname: string(),
  apple_silicon: boolean(),
  model: string(),
  model_name: string(),
  shared_ipad: boolean(),
  cellular_technology: string(),
  data_roaming: boolean(),
  hotspot: boolean(),
  first_enrollment_date: timestamp(),
  last_enrollment_date: timestamp(),
  agent_version: string(),
  mdm_enabled: boolean(),
  agent_installed: boolean(),
  os_version: string(),
  os_build: string(),
  marketing_name: string(),
  supplemental_build_version: string(),
  supplemental_os_version_extra: string(),
  display_os_version: string(),
  last_checkin: timestamp(),
  last_checkin_agent: timestamp(),
  last_checkin_mdm: timestamp(),
  battery_health: string(),
  lost_mode_status: string(),
});

export const filevault = record({
  ...prismCommon,
  status: boolean('FileVault on'),
  key_type: string(),
  key_escrowed: boolean(),
  regeneration_needed: boolean(),
  scheduled_key_rotation: timestamp(),
});

export const gatekeeper_and_xprotect = record({
  ...prismCommon,
  gatekeeper_status: boolean(),
  trusted_developers: boolean(),
  gatekeeper_version: string(),
  gatekeeper_opaque_version: string(),
  xprotect_version: string(),
  malware_removal_tool_version: string(),
});

export const startup_settings = record({
  ...prismCommon,
  sip: boolean('System Integrity Protection on'),
  ssv: boolean(),
  bootstrap_token_auth: boolean(),
  kext_requires_bst: boolean(),
  software_update_requires_bst: boolean(),
  bootstrap_token_escrowed: boolean(),
  external_boot_level: string(),
  secure_boot_level: string(),
  any_signed_os: boolean(),
  mdm_manages_kext: boolean(),
  user_manages_kext: boolean(),
});

export const application_firewall = record({
  ...prismCommon,
  status: boolean('Firewall on'),
  block_all_incoming: boolean(),
  logging: boolean(),
  logging_option: string(),
  stealth_mode: boolean(),
  version: string(),
  allow_signed_applications: boolean(),
  unloading: boolean(),
});

export const installed_profiles = record({
  ...prismCommon,
  profile_display_name: string(),
  payload_identifier: string(),
  payload_uuid: string(),
  removal_passcode: boolean(),
  encrypted: boolean(),
  managed: boolean(),
  profile_description: string(),
  organization: string(),
  removable: boolean(),
  signed: boolean(),
  profile_data: array(
    object({ type: string(), uuid: string(), version: integer(), identifier: string(), display_name: string(), organization: string() }),
  ),
});

export const local_users = record({
  ...prismCommon,
  uid: integer(),
  user_created_at: timestamp(),
  failed_logins: integer(),
  failed_login_time: timestamp(),
  password_last_set: timestamp(),
  generated_uid: string(),
  directory: string(),
  home_directory: string(),
  shell: string(),
  type: string(),
  hidden_user: boolean(),
  secure_token: boolean(),
  filevault_user: boolean(),
  volume_owner: boolean(),
  full_name: string(),
  username: string(),
  logged_in: boolean(),
  logged_in_time: timestamp(),
  mobile_account: boolean(),
  home_folder_secure: boolean(),
});

/** System extensions per Mac (docs/kandji-api.md §6.10): one row per extension. */
export const system_extensions = record({
  ...prismCommon,
  path: string(),
  identifier: string('The extension bundle identifier'),
  state: string('activated_enabled, activated_waiting_for_user, …'),
  name: string(),
  short_version: string(),
  bundle_version: string(),
  categories: string('e.g. com.apple.system_extension.network_extension'),
  bundle_path: string(),
  team_id: string(),
  is_mdm_managed: boolean(),
});

/**
 * activation_lock and desktop_and_screensaver: their saved examples repeat device_information's columns, and the real
 * ones are UNCONFIRMED (docs/kandji-api.md §6.10). Only the common columns are typed; every other column is kept as it
 * comes (unknown columns pass through).
 */
export const activation_lock = record({ ...prismCommon });
export const desktop_and_screensaver = record({ ...prismCommon });

/** Cellular per iPhone: one row per device, with each SIM slot's columns suffixed `_slot_1` / `_slot_2`. */
export const cellular = record({
  ...prismCommon,
  cellular_technology: string(),
  data_roaming_enabled: boolean(),
  voice_roaming_enabled: boolean(),
  personal_hotspot_enabled: boolean(),
  modem_firmware_version: string(),
  meid: string(),
  carrier_settings_version_slot_1: string(),
  current_carrier_network_slot_1: string(),
  current_mcc_slot_1: string(),
  current_mnc_slot_1: string(),
  eid_slot_1: string(),
  iccid_slot_1: string(),
  imei_slot_1: string(),
  is_data_preferred_slot_1: boolean(),
  is_roaming_slot_1: boolean(),
  is_voice_preferred_slot_1: boolean(),
  label_slot_1: string(),
  label_id_slot_1: string(),
  phone_number_slot_1: string(),
  subscriber_carrier_network_slot_1: string(),
  carrier_settings_version_slot_2: string(),
  current_carrier_network_slot_2: string(),
  current_mcc_slot_2: string(),
  current_mnc_slot_2: string(),
  eid_slot_2: string(),
  iccid_slot_2: string(),
  imei_slot_2: string(),
  is_data_preferred_slot_2: boolean(),
  is_roaming_slot_2: boolean(),
  is_voice_preferred_slot_2: boolean(),
  label_slot_2: string(),
  label_id_slot_2: string(),
  phone_number_slot_2: string(),
  subscriber_carrier_network_slot_2: string(),
  slot_1: string(),
  slot_2: string(),
});

/** Certificates installed per device: one row per certificate. */
export const certificates = record({
  ...prismCommon,
  common_name: string(),
  identity_certificate: boolean('The certificate has a private key on the device'),
});

/** Kernel extensions per Mac. The saved example is empty and the columns UNCONFIRMED: every column is kept as it comes. */
export const kernel_extensions = record({ ...prismCommon, identifier: string('UNCONFIRMED: the kext bundle identifier'), path: string() });

/** Launch agents and daemons per Mac: one row per launchd plist. */
export const launch_agents_and_daemons = record({
  ...prismCommon,
  path: string(),
  file_name: string(),
  label: string(),
  program: string(),
  run_at_load: boolean(),
  keep_alive: boolean(),
  disabled: boolean(),
  is_disabled: boolean(),
  is_loaded: boolean(),
  group_name: string(),
  user_name: string(),
  standard_out_path: string(),
  standard_error_path: string(),
  start_interval: integer('Seconds'),
  program_arguments: string(),
  start_on_mount: boolean(),
  root_directory: string(),
  working_directory: string(),
  process_type: string(),
  domain: json('Which launchd domains load it, and for which users'),
  service_domain: string(),
  pid: integer(),
  user_agent_local_user: string(),
  user_agent_local_user_id: integer(),
});

/** The privacy (TCC) database per Mac: one row per service, application and local user. */
export const transparency_database = record({
  ...prismCommon,
  service: string(),
  application: string(),
  client_type: string(),
  status: string(),
  status_reason: string('MDM Policy, User Consent, …'),
  last_modified: timestamp(),
  local_user: string('"" for a system-wide entry'),
});
