import { device_apps } from '../schemas/device_apps.ts';
import type { StreamDeclaration } from './declaration.ts';

/** Per-device app rows use other names than Prism's; map them onto the Prism columns. */
function fromPerDevice(row: Record<string, unknown>): Record<string, unknown> {
  if (!('app_name' in row)) return row;
  const { app_name, source, ...rest } = row;
  return { ...rest, name: app_name, obtained_from: source, path: row.path === '' ? null : row.path };
}

export const deviceAppsStream = {
  name: 'device_apps',
  description: 'Installed apps per device, fleet-wide from Prism apps; per device (GET /devices/{id}/apps) when the token lacks Prism.',
  schema: device_apps,
  primaryKey: [['device_id'], ['bundle_id'], ['path']],
  cursor: { field: 'updated_at', filter: 'prism' },
  permission: 'Prism',
  plan: { kind: 'prism', category: 'apps' },
  fallback: {
    preferredWhen: (config) => config.deviceAppsSource === 'per_device',
    permission: 'Device apps',
    plan: {
      kind: 'per-device',
      parent: 'devices',
      path: (id) => `/devices/${encodeURIComponent(id)}/apps`,
      endpoint: 'GET /devices/{id}/apps',
      rows: (body, deviceId) => {
        const apps = (body as { apps?: unknown[] }).apps ?? [];
        return apps.map((app) => ({ device_id: deviceId, ...(app as Record<string, unknown>) }));
      },
    },
  },
  map: fromPerDevice,
} satisfies StreamDeclaration;
