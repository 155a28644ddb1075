/**
 * `check`: can this configuration read this tenant? One cheap request per Kandji permission the streams need
 * (about ten requests in all, through the same client as a sync), then a verdict a person can act on: SUCCEEDED
 * with the streams this token can read and the permission each of the others lacks, or FAILED with what to fix.
 * The device list is the connector's core, so without it the check fails.
 */
import { STREAMS } from '../streams/index.ts';
import { ConfigError, TransientError } from '../core/errors.ts';
import { KandjiClient, type ClientOptions } from '../core/http/client.ts';
import { NotFoundError, PermissionError } from '../core/http/errors.ts';

interface Probe {
  endpoint: string;
  path: (deviceId: string | undefined) => string | undefined;
  query: Record<string, string | number>;
}

/** The smallest request that proves each permission. Filters that match nothing keep the answers tiny. */
const PROBES: Record<string, Probe> = {
  'Device list': { endpoint: 'GET /devices', path: () => '/devices', query: { limit: 1 } },
  'Device details': { endpoint: 'GET /devices/{id}/details', path: (id) => (id ? `/devices/${id}/details` : undefined), query: {} },
  'Device apps': { endpoint: 'GET /devices/{id}/apps', path: (id) => (id ? `/devices/${id}/apps` : undefined), query: {} },
  Prism: { endpoint: 'GET /prism/device_information', path: () => '/prism/device_information', query: { limit: 1 } },
  Blueprints: { endpoint: 'GET /blueprints', path: () => '/blueprints', query: { limit: 1 } },
  'Library items': { endpoint: 'GET /library/custom-scripts', path: () => '/library/custom-scripts', query: {} },
  Users: { endpoint: 'GET /users', path: () => '/users', query: { id: '00000000-0000-4000-8000-000000000000' } },
  'Audit log': { endpoint: 'GET /audit/events', path: () => '/audit/events', query: { limit: 1 } },
  Tags: { endpoint: 'GET /tags', path: () => '/tags', query: { search: 'source-kandji-connection-check' } },
};

export interface CheckResult {
  status: 'SUCCEEDED' | 'FAILED';
  message: string;
  readable: string[];
  missing: { stream: string; permission: string }[];
}

export async function checkConnection(options: Omit<ClientOptions, 'onRetry'> & { host: string }): Promise<CheckResult> {
  // A check should answer within seconds: few retries.
  const client = new KandjiClient({ ...options, maxAttempts: 3 });
  try {
    const allowed = new Map<string, boolean>();
    let firstDevice: string | undefined;
    try {
      const devices = await client.get<Record<string, unknown>[]>(
        '/devices',
        { limit: 1 },
        { stream: 'check', endpoint: 'GET /devices', permission: 'Device list' },
      );
      firstDevice = Array.isArray(devices) && devices[0] ? String(devices[0].device_id) : undefined;
      allowed.set('Device list', true);
    } catch (error) {
      if (error instanceof PermissionError) {
        return {
          status: 'FAILED',
          message: `Connected to ${options.host}, but the API token lacks the "Device list" permission, which every sync needs. In Kandji, open Settings → Access → API token → Manage permissions and enable "Device list" (and the others listed in the docs).`,
          readable: [],
          missing: STREAMS.map((s) => ({ stream: s.name, permission: s.permission })),
        };
      }
      throw error;
    }
    for (const [permission, probe] of Object.entries(PROBES)) {
      if (allowed.has(permission)) continue;
      const path = probe.path(firstDevice);
      if (path === undefined) continue; // no device to try a per-device permission on
      try {
        await client.get(path, probe.query, { stream: 'check', endpoint: probe.endpoint, permission });
        allowed.set(permission, true);
      } catch (error) {
        if (error instanceof PermissionError) allowed.set(permission, false);
        else if (error instanceof NotFoundError)
          allowed.set(permission, true); // the device vanished; the permission was accepted
        else if (error instanceof ConfigError && /HTTP 401/.test(error.message))
          allowed.set(permission, false); // some tenants answer 401 for a missing permission
        else throw error;
      }
    }
    const readable: string[] = [];
    const missing: CheckResult['missing'] = [];
    for (const stream of STREAMS) {
      const own = allowed.get(stream.permission);
      const viaFallback = stream.fallback ? allowed.get(stream.fallback.permission) : undefined;
      if (own !== false || viaFallback === true) readable.push(stream.name);
      else missing.push({ stream: stream.name, permission: stream.permission });
    }
    const lines = [`Connected to ${options.host}. This token can read ${readable.length} of ${STREAMS.length} streams.`];
    if (missing.length > 0) {
      const byPermission = new Map<string, string[]>();
      for (const m of missing) byPermission.set(m.permission, [...(byPermission.get(m.permission) ?? []), m.stream]);
      lines.push(
        `Not readable: ${[...byPermission].map(([p, s]) => `${s.join(', ')} (needs "${p}")`).join('; ')}. Enable those permissions on the token in Kandji under Settings → Access, or leave the streams out of the catalog.`,
      );
    }
    if (allowed.get('Prism') === false && allowed.get('Device apps') === true)
      lines.push('device_apps will be read per device (one request each) because the token lacks "Prism".');
    return { status: 'SUCCEEDED', message: lines.join(' '), readable, missing };
  } catch (error) {
    // What the user can act on is a FAILED status with exit 0: a config mistake, or a host that does not answer.
    // Only a connector bug (a system error) propagates to a TRACE and a non-zero exit.
    if (error instanceof ConfigError) return { status: 'FAILED', message: error.message, readable: [], missing: [] };
    if (error instanceof TransientError) {
      return {
        status: 'FAILED',
        message: `Could not get an answer from ${options.host}: ${error.message} Check that api_url is reachable from here (network, proxy, firewall).`,
        readable: [],
        missing: [],
      };
    }
    throw error;
  } finally {
    await client.close();
  }
}
