/**
 * A device's MDM history (docs/kandji-api.md §6.5): `device_activity` from `GET /devices/{id}/activity` (what happened:
 * enrolment, commands completed or failed, renames) and `device_commands` from `GET /devices/{id}/commands` (each MDM
 * command, its status and times). Both are paged per device and read only for devices that checked in since the
 * stream's bookmark. Keys: device_id and the row's id (activity) or uuid (commands).
 */
import { boolean, integer, json, object, record, string, timestamp } from './schema.ts';

export const device_activity = record({
  device_id: string(),
  id: integer('The activity entry id'),
  created_at: timestamp('The incremental cursor, filtered here: the API sends entries out of time order'),
  action_type: string('enrollment, name_changed, mdm_command_completed, mdm_command_failed, …'),
  details: json('Depends on action_type'),
  computer: object({ id: string(), name: string(), is_removed: boolean() }),
  blueprint: object({ id: string(), name: string(), is_removed: boolean() }),
  user: json(),
  external_token: json(),
});

export const device_commands = record({
  device_id: string(),
  uuid: string(),
  command_type: string(),
  request_type: string(),
  status: integer('1 pending, 2 running, 3 completed, 4 failed, 5 NotNow'),
  attempts: integer(),
  date_requested: timestamp('The incremental cursor, filtered here'),
  date_completed: timestamp(),
  last_pushed: timestamp(),
  error_chain: json('[{code, domain, localized_description, us_english_description}]'),
  metadata: json(),
  request_requires_network_tether: boolean(),
  user: json(),
  priority: integer(),
});
