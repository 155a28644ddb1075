/** `users`: directory-integration users from `GET /users` (docs/kandji-api.md §6.8). Key: id. */
import { boolean, integer, object, record, string, timestamp } from './schema.ts';

export const users = record({
  id: string(),
  email: string(),
  name: string(),
  active: boolean(),
  archived: boolean(),
  department: string(),
  job_title: string(),
  deprecated_user_id: string('Legacy numeric id as a string; joins Prism device__user_id'),
  device_count: integer(),
  integration: object({ id: integer(), name: string(), uuid: string(), type: string() }),
  created_at: timestamp(),
  updated_at: timestamp(),
});
