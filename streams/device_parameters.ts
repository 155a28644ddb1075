import { device_parameters } from '../schemas/device_parameters.ts';
import type { StreamDeclaration } from './declaration.ts';
import { NORMALIZED } from './library_item_statuses.ts';

export const deviceParametersStream = {
  name: 'device_parameters',
  description:
    "Each Mac's blueprint parameters and their status (GET /devices/{id}/parameters), for Macs whose security posture changed since the last sync, at most device_history_max_per_sync a sync.",
  schema: device_parameters,
  primaryKey: [['device_id'], ['item_id']],
  cursor: { field: 'refreshed_at', filter: 'refresh' },
  permission: 'Device parameters',
  plan: {
    kind: 'per-device',
    parent: 'devices',
    only: ['Mac'],
    path: (id) => `/devices/${encodeURIComponent(id)}/parameters`,
    endpoint: 'GET /devices/{id}/parameters',
    // The parameters report the Mac's security posture, which these Prism categories carry.
    changedBy: { prism: ['filevault', 'application_firewall', 'gatekeeper_and_xprotect', 'startup_settings'] },
    maxPerSync: (config) => config.deviceHistoryMaxPerSync,
    rows: (body, deviceId) =>
      ((body as { parameters?: Record<string, unknown>[] }).parameters ?? []).map((p) => ({ device_id: deviceId, ...p })),
  },
  map: (row) => ({ ...row, status_normalized: typeof row.status === 'string' ? (NORMALIZED[row.status.toUpperCase()] ?? null) : null }),
} satisfies StreamDeclaration;
