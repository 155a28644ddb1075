/** `devices`: one record per enrolled device, from `GET /devices` (docs/kandji-api.md §6.1). Key: device_id. */
import { boolean, object, record, string, timestamp, array } from './schema.ts';

export const devices = record({
  device_id: string('Device UUID'),
  device_name: string(),
  model: string('Marketing model name, e.g. "MacBook Pro (14-inch, M3, Nov 2023)"'),
  serial_number: string(),
  platform: string('Mac, iPhone, iPad, AppleTV, Windows or Android'),
  os_version: string(),
  supplemental_build_version: string(),
  supplemental_os_version_extra: string(),
  last_check_in: timestamp('Last MDM or agent check-in (moves on every check-in)'),
  user: object(
    { email: string(), name: string(), id: string('User UUID (an integer in 2022 payloads)'), is_archived: boolean() },
    'Assigned user; null when unassigned (the API sends "")',
  ),
  asset_tag: string(),
  blueprint_id: string(),
  blueprint_name: string(),
  mdm_enabled: boolean(),
  agent_installed: boolean(),
  is_missing: boolean(),
  is_removed: boolean(),
  agent_version: string(),
  first_enrollment: timestamp(),
  last_enrollment: timestamp(),
  lost_mode_status: string('"" when not in lost mode; absent in older payloads'),
  tags: array(string()),
  api_level: string('Android only'),
  security_patch_level: string('Android only'),
  full_software_version: string('Windows and Android only'),
});
