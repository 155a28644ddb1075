/**
 * `device_details`: one record per device, from `GET /devices/{id}/details` (docs/kandji-api.md §6.3), platform-shaped.
 * Sections that do not apply arrive as `{}`, `[]` or missing; they are normalised to null. Key: device_id.
 */
import { array, boolean, integer, number, object, record, string, timestamp, type Static } from './schema.ts';

const userRef = object({ email: string(), name: string(), id: string(), is_archived: boolean() });

export const device_details = record({
  device_id: string('Device UUID (copied from general.device_id)'),
  refreshed_at: timestamp("When the connector fetched these details (the server's clock at the start of the sync)"),
  general: object({
    device_id: string(),
    device_name: string(),
    last_enrollment: timestamp(),
    first_enrollment: timestamp(),
    model: string(),
    platform: string(),
    os_version: string(),
    supplemental_build_version: string(),
    supplemental_os_version_extra: string(),
    system_version: string(),
    boot_volume: string(),
    time_since_boot: string('Human text, e.g. "1 month ago"'),
    last_user: string(),
    asset_tag: string(),
    assigned_user: userRef,
    blueprint_name: string(),
    blueprint_uuid: string(),
  }),
  mdm: object({
    mdm_enabled: boolean('The API sends "True"/"False"'),
    supervised: boolean(),
    install_date: timestamp(),
    last_check_in: timestamp(),
    mdm_enabled_user: array(string()),
  }),
  activation_lock: object({
    bypass_code_failed: boolean(),
    user_activation_lock_enabled: boolean(),
    device_activation_lock_enabled: boolean(),
    activation_lock_allowed_while_supervised: boolean(),
    activation_lock_supported: boolean(),
  }),
  filevault: object({
    filevault_enabled: boolean(),
    filevault_recoverykey_type: string(),
    filevault_prk_escrowed: boolean(),
    filevault_next_rotation: timestamp(),
    filevault_regen_required: boolean(),
  }),
  lost_mode: object({
    lost_mode_status: string(),
    enabled_by: string(),
    enable_status_at: timestamp(),
    disable_status_at: timestamp(),
    lock_screen_message: string(),
  }),
  automated_device_enrollment: object({ auto_enroll_eligible: boolean(), auto_enrolled: boolean() }),
  kandji_agent: object({
    agent_installed: boolean('The API sends "True"/"False"'),
    install_date: timestamp(),
    last_check_in: timestamp(),
    agent_version: string(),
  }),
  hardware_overview: object({
    model_name: string(),
    model_identifier: string(),
    processor_name: string(),
    processor_speed: string(),
    number_of_processors: integer('The API sends a string'),
    total_number_of_cores: integer('The API sends a string'),
    memory: string('e.g. "16 GB"'),
    udid: string(),
    uuid: string(),
    serial_number: string(),
  }),
  volumes: array(
    object({
      name: string(),
      format: string(),
      percent_used: string('As sent, e.g. "19%"'),
      percent_used_number: number('percent_used as a number, 0–100'),
      identifier: string(),
      capacity: string('As sent, e.g. "228.27 GB"'),
      capacity_bytes: number('capacity in bytes'),
      available: string(),
      available_bytes: number('available in bytes'),
      encrypted: boolean('The API sends "Yes"/"No"/""'),
    }),
  ),
  network: object({ local_hostname: string(), mac_address: string(), ip_address: string(), public_ip: string() }),
  recovery_information: object({
    recovery_lock_enabled: boolean(),
    firmware_password_exist: boolean(),
    firmware_password_pending: boolean(),
    password_rotation_scheduled: timestamp(),
    password_has_been_set: boolean(),
  }),
  users: object({
    regular_users: array(object({ username: string(), uid: string(), path: string(), admin: boolean('"Yes"/"No"'), name: string() })),
    system_users: array(object({ username: string(), uid: string(), path: string(), admin: boolean('"Yes"/"No"') })),
  }),
  installed_profiles: array(
    object({
      name: string(),
      uuid: string(),
      verified: string(),
      identifier: string(),
      organization: string(),
      payload_types: array(string()),
      install_date: timestamp(),
    }),
  ),
  apple_business_manager: object({
    model: string(),
    color: string(),
    description: string(),
    serial_number: string(),
    device_family: string(),
    os: string(),
    device_assigned_date: timestamp(),
    device_assigned_by: string(),
  }),
  security_information: object({ remote_desktop_enabled: boolean() }),
  cellular: object({ voice_roaming: boolean(), data_roaming: boolean(), cellular_technology: integer() }),
  tags: array(string()),
});
export type DeviceDetails = Static<typeof device_details>;
