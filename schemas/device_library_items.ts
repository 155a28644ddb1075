/**
 * `device_library_items`: every library item in a device's scope and its status there (`GET /devices/{id}/library-items`,
 * docs/kandji-api.md §6.5), Kandji's own items included (the EDR add-on's `threat-security-policy` item with its
 * `edr_status`), which the library lists of `library_item_statuses` do not name. The status is kept as it comes and
 * normalised beside it like library_item_statuses. Key: device_id, item_id.
 */
import { itemReportFields } from './library_item_statuses.ts';
import { boolean, integer, json, object, record, string, timestamp } from './schema.ts';

export const device_library_items = record({
  device_id: string(),
  item_id: string('The library item'),
  id: integer('The status row id'),
  name: string(),
  type: string('custom-script, profile, macos-release, kandji-setup, threat-security-policy, …'),
  status: string('As the API sends it: PASS, PENDING, ERROR, EXCLUDED, INCOMPATIBLE, …; success, failed, pending for profiles'),
  status_normalized: string('pass | fail | pending | excluded | not_applicable | muted'),
  ...itemReportFields,
  computer: object({ id: string(), name: string() }),
  blueprint: object({ id: string(), name: string() }),
  rules_present: boolean(),
  edr_status: json('The EDR item only: status (enabled), malware and PUP posture, baseline scan times as text (T9)'),
  refreshed_at: timestamp("When the connector read it (the server's clock at the start of the sync)"),
});
