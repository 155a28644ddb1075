/**
 * `library_item_statuses`: every library item's status on every device in its scope, from
 * `GET /library/library-items/{id}/status` (docs/kandji-api.md §6.7). The API's status is kept as it comes (`status`), and
 * beside it `status_normalized`, one vocabulary across item types. Key: library_item_id, device_id.
 */
import { json, object, record, string, timestamp, integer } from './schema.ts';

/**
 * When an item last reported on a device and what it logged: the same fields in a library item's status list and in
 * a device's library items (device_library_items, docs/kandji-api.md §6.5).
 */
export const itemReportFields = {
  reported_at: timestamp(),
  log: string(),
  last_audit_run: timestamp(),
  last_audit_log: string(),
  control_log: string(),
  control_reported_at: timestamp(),
};

export const library_item_statuses = record({
  library_item_id: string('The library item (library_items.id)'),
  device_id: string('The device (computer.id)'),
  id: integer('The status row id'),
  status: string('As the API sends it: PASS, PENDING, ERROR, EXCLUDED, WARNING, INCOMPATIBLE, …; success, failed, pending for profiles'),
  status_normalized: string(
    'pass | fail | pending | excluded | not_applicable | muted. WARNING is an alert muted on the tenant, EXCLUDED a device an assignment rule left out (not a failure); null for a status not known here (status keeps it)',
  ),
  type: string(),
  ...itemReportFields,
  blueprint: object({ id: string(), name: string() }),
  computer: object({ id: string(), name: string() }),
  edr_status: json('EDR items: status, malware and PUP posture, scan times'),
});
