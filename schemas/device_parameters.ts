/**
 * `device_parameters`: each Mac's blueprint parameters and their status (`GET /devices/{id}/parameters`,
 * docs/kandji-api.md §6.5, macOS only), read for Macs whose posture changed since the last sync. The status is kept as it
 * comes and normalised beside it like library_item_statuses: WARNING is a muted alert, REMEDIATED a pass.
 * Key: device_id, item_id.
 */
import { record, string, timestamp } from './schema.ts';

export const device_parameters = record({
  device_id: string(),
  item_id: string('The parameter'),
  name: string(),
  category: string(),
  subcategory: string(),
  status: string('ERROR, INCOMPATIBLE, PASS, PENDING, REMEDIATED or WARNING'),
  status_normalized: string('pass | fail | pending | not_applicable | muted'),
  refreshed_at: timestamp("When the connector read it (the server's clock at the start of the sync)"),
});
