import { devices } from '../catalog/devices.ts';
import { stableOffset } from '../source/http/paginators.ts';
import type { StreamSpec } from './spec.ts';

export const devicesStream = {
  name: 'devices',
  description: 'Every enrolled device (GET /devices), read in device_id order with overlapping pages.',
  schema: devices,
  primaryKey: [['device_id']],
  permission: 'Device list',
  plan: {
    kind: 'list',
    // 300 is the hard maximum per page (kandji-api.md §6.1).
    requests: [{ path: '/devices', endpoint: 'GET /devices', paginator: () => stableOffset({ limit: 300, key: 'device_id', overlap: 5 }) }],
  },
} satisfies StreamSpec;
