/**
 * `library_items`: custom apps, in-house (IPA) apps, custom profiles and custom scripts, one stream from four list
 * endpoints (docs/kandji-api.md §6.7). `item_type` says which. Key: id.
 */
import { array, boolean, integer, record, string, timestamp } from './schema.ts';

export const library_items = record({
  id: string(),
  item_type: string('custom_app, ipa_app, custom_profile or custom_script'),
  name: string(),
  active: boolean(),
  created_at: timestamp(),
  updated_at: timestamp(),
  install_type: string(),
  install_enforcement: string(),
  file_key: string(),
  file_size: integer('Bytes'),
  file_updated: timestamp(),
  sha256: string(),
  show_in_self_service: boolean(),
  self_service_category_id: string(),
  restart: boolean(),
  app_name: string(),
  app_version: string(),
  identifier: string(),
  supported_device_families: array(string()),
  minimum_os_version: string(),
  mdm_identifier: string(),
  runs_on_mac: boolean(),
  runs_on_iphone: boolean(),
  runs_on_ipad: boolean(),
  runs_on_tv: boolean(),
  runs_on_vision: boolean(),
  execution_frequency: string(),
  profile: string('Profile XML'),
  script: string(),
  remediation_script: string(),
});
