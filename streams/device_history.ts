/**
 * Per-device history streams: paged per device (`{device_id, <key>: {count, next, previous, results}}`), incremental
 * per device on their time field filtered here, and read only for devices that checked in since the bookmark, at
 * most device_history_max_per_sync a sync in a rolling window.
 */
import { device_activity, device_commands } from '../schemas/device_history.ts';
import { followNext } from '../core/http/paginators.ts';
import type { StreamDeclaration } from './declaration.ts';

const history = (key: string) => ({
  kind: 'per-device' as const,
  parent: 'devices',
  path: (id: string) => `/devices/${encodeURIComponent(id)}/${key}`,
  endpoint: `GET /devices/{id}/${key}`,
  changedBy: 'check_in' as const,
  maxPerSync: (config: { deviceHistoryMaxPerSync: number }) => config.deviceHistoryMaxPerSync,
  // limit ≤ 300 (marked required), offset; the envelope sits under `key`.
  paginator: () => followNext({ style: 'limit/offset envelope', first: { limit: 300, offset: 0 }, under: key }),
  rows: (rows: unknown, deviceId: string) => (rows as Record<string, unknown>[]).map((row) => ({ device_id: deviceId, ...row })),
});

export const deviceActivityStream = {
  name: 'device_activity',
  description: 'What happened on each device (GET /devices/{id}/activity), for devices that checked in since the last sync.',
  schema: device_activity,
  primaryKey: [['device_id'], ['id']],
  cursor: { field: 'created_at', filter: 'client' },
  permission: 'Device activity',
  plan: history('activity'),
} satisfies StreamDeclaration;

export const deviceCommandsStream = {
  name: 'device_commands',
  description: 'MDM commands per device and their status (GET /devices/{id}/commands), for devices that checked in since the last sync.',
  schema: device_commands,
  primaryKey: [['device_id'], ['uuid']],
  cursor: { field: 'date_requested', filter: 'client' },
  permission: 'Device commands',
  plan: history('commands'),
} satisfies StreamDeclaration;
