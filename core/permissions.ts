/**
 * The Kandji API token's permissions (Settings → Access → API token), written once: the stream declarations name
 * them, `check` proves each with its probe, and the simulator enforces them. Each permission carries the smallest
 * request that proves it (filters that match nothing keep the answers tiny), and, for the endpoints of an add-on
 * module a tenant may not have bought, the module's name so that `check` and `read` can say which one is missing.
 */
export interface Probe {
  /** Counter label, e.g. `GET /devices`. */
  endpoint: string;
  /** The path to request; undefined when the probe needs a device and the tenant has none. */
  path: (deviceId: string | undefined) => string | undefined;
  query: Record<string, string | number>;
}

export interface PermissionInfo {
  /** How `check` proves the permission; absent for permissions the connector never uses (device secrets). */
  probe?: Probe;
  /** An add-on module the tenant must have for these endpoints to answer at all (Vulnerability Management, EDR). */
  addOn?: string;
}

const perDevice = (endpoint: string, suffix: string): Probe => ({
  endpoint,
  path: (id) => (id ? `/devices/${encodeURIComponent(id)}/${suffix}` : undefined),
  query: {},
});

export const PERMISSIONS = {
  'Device list': { probe: { endpoint: 'GET /devices', path: () => '/devices', query: { limit: 1 } } },
  'Device details': { probe: perDevice('GET /devices/{id}/details', 'details') },
  'Device apps': { probe: perDevice('GET /devices/{id}/apps', 'apps') },
  'Device activity': { probe: perDevice('GET /devices/{id}/activity', 'activity') },
  'Device commands': { probe: perDevice('GET /devices/{id}/commands', 'commands') },
  'Device parameters': { probe: perDevice('GET /devices/{id}/parameters', 'parameters') },
  'Device library items': { probe: perDevice('GET /devices/{id}/library-items', 'library-items') },
  // Never probed nor read: reading a secret is itself an audit event (docs/kandji-api.md §6.5).
  'Device secrets': {},
  Prism: { probe: { endpoint: 'GET /prism/device_information', path: () => '/prism/device_information', query: { limit: 1 } } },
  Blueprints: { probe: { endpoint: 'GET /blueprints', path: () => '/blueprints', query: { limit: 1 } } },
  'Library items': { probe: { endpoint: 'GET /library/custom-scripts', path: () => '/library/custom-scripts', query: {} } },
  Users: { probe: { endpoint: 'GET /users', path: () => '/users', query: { id: '00000000-0000-4000-8000-000000000000' } } },
  'Audit log': { probe: { endpoint: 'GET /audit/events', path: () => '/audit/events', query: { limit: 1 } } },
  Tags: { probe: { endpoint: 'GET /tags', path: () => '/tags', query: { search: 'source-kandji-connection-check' } } },
  Licensing: { probe: { endpoint: 'GET /settings/licensing', path: () => '/settings/licensing', query: {} } },
  'Automated Device Enrollment': {
    probe: { endpoint: 'GET /integrations/apple/ade', path: () => '/integrations/apple/ade', query: {} },
  },
  'Vulnerability management': {
    probe: {
      endpoint: 'GET /vulnerability-management/detections',
      path: () => '/vulnerability-management/detections',
      query: { size: 1 },
    },
    addOn: 'Vulnerability Management',
  },
  Threats: {
    probe: { endpoint: 'GET /threat-details', path: () => '/threat-details', query: { limit: 1 } },
    addOn: 'EDR',
  },
} as const satisfies Record<string, PermissionInfo>;

export type Permission = keyof typeof PERMISSIONS;

export const PERMISSION_NAMES = Object.keys(PERMISSIONS) as Permission[];

export function permissionInfo(permission: Permission): PermissionInfo {
  return PERMISSIONS[permission];
}
