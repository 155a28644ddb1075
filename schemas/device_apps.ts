/**
 * `device_apps`: one record per app per device. From Prism `apps` (one fleet-wide paged pass), or from
 * `GET /devices/{id}/apps` when the token lacks Prism; both are mapped to these columns. Key: device_id, bundle_id, path.
 */
import { prismCommon } from './prism.ts';
import { boolean, integer, record, string, timestamp } from './schema.ts';

export const device_apps = record({
  ...prismCommon,
  name: string(),
  bundle_id: string(),
  version: string(),
  short_version: string(),
  path: string('Install path on Macs; null on iOS'),
  obtained_from: string('"Identified Developer", "Mac App Store", "Apple", …'),
  bundle_size: integer('Bytes (the per-device endpoint sends a string)'),
  signature: string(),
  team_id: string(),
  developer_name: string(),
  app_store_vendable: boolean(),
  device_based_vpp: boolean(),
  minimum_system_version: string(),
  creation_date: timestamp('Per-device endpoint only'),
  modification_date: timestamp('Per-device endpoint only'),
  app_id: string('Per-device endpoint only'),
});
