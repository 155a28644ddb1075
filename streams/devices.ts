import { devices } from '../schemas/devices.ts';
import { stableOffset } from '../core/http/paginators.ts';
import type { StreamDeclaration } from './declaration.ts';

export const devicesStream = {
  name: 'devices',
  description: 'Every enrolled device (GET /devices), read in device_id order with overlapping pages.',
  schema: devices,
  primaryKey: [['device_id']],
  permission: 'Device list',
  plan: {
    kind: 'list',
    // The per-device streams fan out over these rows; a device changed when it last checked in.
    children: { id: 'device_id', changedAt: 'last_check_in', kind: 'platform' },
    // 300 is the hard maximum per page (docs/kandji-api.md §6.1).
    requests: [{ path: '/devices', endpoint: 'GET /devices', paginator: () => stableOffset({ limit: 300, key: 'device_id', overlap: 5 }) }],
  },
} satisfies StreamDeclaration;
