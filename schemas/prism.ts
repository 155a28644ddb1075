/**
 * The Prism streams: fleet-wide inventory from `GET /prism/{category}` (kandji-api.md §6.10). Every row carries the
 * same device columns; each category adds its own. `updated_at` is the change marker the incremental syncs filter on.
 */
import { array, boolean, integer, number, object, record, string, timestamp, type Static } from './schema.ts';

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

export type DeviceInformation = Static<typeof device_information>;
