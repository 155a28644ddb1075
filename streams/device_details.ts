import { device_details } from '../schemas/device_details.ts';
import type { StreamDeclaration } from './declaration.ts';

export const deviceDetailsStream = {
  name: 'device_details',
  description:
    'Per-device details (GET /devices/{id}/details) for devices whose Prism data changed since the last sync, at most device_details_max_per_sync a sync.',
  schema: device_details,
  primaryKey: [['device_id']],
  cursorField: 'refreshed_at',
  permission: 'Device details',
  plan: {
    kind: 'per-device',
    path: (id) => `/devices/${encodeURIComponent(id)}/details`,
    endpoint: 'GET /devices/{id}/details',
    select: 'changed',
    rows: (body) => [body],
  },
  map: (row) => ({ device_id: (row.general as Record<string, unknown> | undefined)?.device_id, ...row }),
} satisfies StreamDeclaration;
