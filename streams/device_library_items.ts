import { device_library_items } from '../schemas/device_library_items.ts';
import type { StreamDeclaration } from './declaration.ts';
import { NORMALIZED } from './library_item_statuses.ts';

export const deviceLibraryItemsStream = {
  name: 'device_library_items',
  description:
    "Every library item in each device's scope and its status there (GET /devices/{id}/library-items), Kandji's own items (EDR) included, for devices that checked in since the last sync, at most device_history_max_per_sync a sync.",
  schema: device_library_items,
  primaryKey: [['device_id'], ['item_id']],
  cursor: { field: 'refreshed_at', filter: 'refresh' },
  permission: 'Device library items',
  plan: {
    kind: 'per-device',
    parent: 'devices',
    path: (id) => `/devices/${encodeURIComponent(id)}/library-items`,
    endpoint: 'GET /devices/{id}/library-items',
    // An item's status moves when the device reports, which is when it checks in.
    changedBy: 'check_in',
    maxPerSync: (config) => config.deviceHistoryMaxPerSync,
    rows: (body, deviceId) =>
      ((body as { library_items?: Record<string, unknown>[] }).library_items ?? []).map((item) => ({ device_id: deviceId, ...item })),
  },
  map: (row) => ({ ...row, status_normalized: typeof row.status === 'string' ? (NORMALIZED[row.status.toUpperCase()] ?? null) : null }),
} satisfies StreamDeclaration;
