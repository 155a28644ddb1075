/**
 * Automated Device Enrollment (docs/kandji-api.md §6.11). `ade_tokens`: the tenant's Apple Business Manager server tokens,
 * with their expiry (`days_left`) and health (`status`). `ade_devices`: every device assigned to the tenant in ABM;
 * `mdm_device` is null for a device bought but not yet enrolled. Keys: id.
 */
import { boolean, integer, object, record, string, timestamp } from './schema.ts';

export const ade_tokens = record({
  id: string(),
  server_name: string(),
  server_uuid: string(),
  org_name: string(),
  org_email: string(),
  org_type: string(),
  admin_id: string(),
  stoken_file_name: string(),
  access_token_expiry: timestamp(),
  days_left: integer('Days until the server token expires'),
  status: string('SUCCESS or BROKEN'),
  status_reason: string(),
  status_received_at: timestamp(),
  last_device_sync: timestamp(),
  blueprint: object({ id: string(), name: string() }),
  device_counts: object({ Mac: integer(), iPad: integer(), iPhone: integer(), AppleTV: integer(), total: integer() }),
});

export const ade_devices = record({
  id: string(),
  serial_number: string(),
  model: string(),
  description: string(),
  color: string(),
  asset_tag: string(),
  device_family: string('iPad, iPhone, iPod, Mac, AppleTV or Vision'),
  os: string('iOS, iPadOS, OSX, tvOS or visionOS'),
  device_assigned_by: string(),
  device_assigned_date: timestamp(),
  profile_status: string('assigned, empty, pushed or removed'),
  profile_assign_time: timestamp(),
  profile_push_time: timestamp(),
  last_assignment_status: string(),
  failed_assignment_attempts: integer(),
  assignment_status_received_at: timestamp(),
  dep_account: object({ id: string(), server_name: string() }),
  blueprint_id: string(),
  user_id: string(),
  mdm_device: object(
    {
      id: string('The device_id once enrolled'),
      enrolled_at: timestamp(),
      name: string(),
      enrollment_status: integer(),
      deferred_install: boolean(),
      is_missing: boolean(),
      is_removed: boolean(),
    },
    'Null for a device bought but not yet enrolled',
  ),
});
