/** `audit_events`: the tenant's audit log from `GET /audit/events` (docs/kandji-api.md §6.9). Key: id; cursor: occurred_at. */
import { json, record, string, timestamp } from './schema.ts';

export const audit_events = record({
  id: string('ULID-like event id'),
  action: string(),
  occurred_at: timestamp('When the event happened: the incremental cursor'),
  actor_id: string(),
  actor_type: string(),
  target_id: string(),
  target_type: string(),
  target_component: string(),
  new_state: json(),
  metadata: json(),
});
