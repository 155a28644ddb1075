import { device_details } from '../schemas/device_details.ts';
import type { StreamDeclaration } from './declaration.ts';

export const deviceDetailsStream = {
  name: 'device_details',
  description:
    'Per-device details (GET /devices/{id}/details) for devices whose Prism data changed since the last sync, at most device_details_max_per_sync a sync.',
  schema: device_details,
  primaryKey: [['device_id']],
  cursor: { field: 'refreshed_at', filter: 'refresh' },
  permission: 'Device details',
  plan: {
    kind: 'per-device',
    parent: 'devices',
    path: (id) => `/devices/${encodeURIComponent(id)}/details`,
    endpoint: 'GET /devices/{id}/details',
    // The Prism categories whose changes show in /details: a device is refetched when one of them moved.
    changedBy: { prism: ['device_information', 'filevault', 'installed_profiles', 'local_users'] },
    maxPerSync: (config) => config.deviceDetailsMaxPerSync,
    rows: (body) => [body],
  },
  map: (row) => ({ device_id: (row.general as Record<string, unknown> | undefined)?.device_id, ...row }),
  // Three quarters of the daily snapshot's bytes were this list, copied for every device every day (measured at
  // 10,000 devices: docs/benchmarks.md), and the installed_profiles stream keeps it day by day, a row per payload.
  dailyOmits: { fields: ['installed_profiles'], keptBy: 'installed_profiles' },
} satisfies StreamDeclaration;
