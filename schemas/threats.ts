/**
 * EDR detections (docs/kandji-api.md §6.11, the EDR add-on). `threats` (`GET /threat-details`): a file found on a device,
 * malware or a PUP, and whether it was quarantined or released; no id, keyed by device and file hash. Its dates come
 * without a time zone (T7, read as UTC). `behavioral_detections` (`GET /behavioral-detections`): a process behaving
 * like malware. Both incremental on `detection_date`, filtered here.
 */
import { array, json, object, record, string, timestamp } from './schema.ts';

export const threats = record({
  device_id: string(),
  file_hash: string(),
  threat_name: string(),
  classification: string('malware or pup'),
  status: string('quarantined, not_quarantined or released'),
  detection_date: timestamp('The incremental cursor'),
  date_of_quarantine: timestamp(),
  date_of_release: timestamp(),
  released_by: string(),
  release_note: string(),
  process_name: string(),
  process_owner: string(),
  device_name: string(),
  device_serial_number: string(),
  file_path: string(),
  bundle_path: string(),
  blueprint_id: string(),
  blueprint_name: string(),
  library_item_id: string(),
  library_item_name: string(),
  pup_posture: string(),
  malware_posture: string(),
});

export const behavioral_detections = record({
  id: string(),
  threat_id: string(),
  rule_version: string(),
  description: string(),
  classification: string('malicious or suspicious'),
  informational_tags: array(string()),
  malware_family: array(string()),
  detection_date: timestamp('The incremental cursor'),
  threat_status: string(),
  device_info: object({ id: string(), name: string(), serial_number: string() }),
  parent_process: json(),
  target_process: json(),
  library_item: object({ id: string(), name: string(), mal_posture_mode: string() }),
  blueprint: object({ id: string(), name: string() }),
});
