/**
 * `check`: can this configuration read this tenant? One cheap request per Kandji permission the streams need
 * (about ten requests in all, through the same client as a sync), then a verdict a person can act on: SUCCEEDED
 * with the streams this token can read and the permission each of the others lacks, or FAILED with what to fix.
 * The device list is the connector's core, so without it the check fails.
 */
import { STREAMS } from '../streams/index.ts';
import { ConfigError, TransientError, type FailureType } from '../core/errors.ts';
import { KandjiClient, type ClientOptions } from '../core/http/client.ts';
import { BudgetExhaustedError, NotFoundError, PermissionError } from '../core/http/errors.ts';
import { PERMISSIONS, type Permission, type PermissionInfo } from '../core/permissions.ts';

/** The permissions the streams need, main plan and fallback, in the order of the streams. */
function neededPermissions(): Permission[] {
  const needed = new Set<Permission>();
  for (const s of STREAMS) {
    needed.add(s.permission);
    if (s.fallback) needed.add(s.fallback.permission);
  }
  return [...needed];
}

/** Why a stream cannot be read, and the fix: for an add-on module's endpoints, the module too. */
export function notReadable(stream: string, permission: Permission): string {
  const addOn = (PERMISSIONS[permission] as PermissionInfo).addOn;
  const what = stream.replaceAll('_', ' ');
  return addOn
    ? `this token cannot read ${what}: the tenant has no ${addOn}, or the token lacks its "${permission}" permission; enable it or deselect the stream`
    : `this token cannot read ${what}: it lacks the "${permission}" permission; enable it on the token in Kandji under Settings → Access, or deselect the stream`;
}

export interface CheckResult {
  status: 'SUCCEEDED' | 'FAILED';
  message: string;
  readable: string[];
  missing: { stream: string; permission: string }[];
  /** Why a FAILED check failed, for callers that must fail with it (`sync` choosing its streams). */
  failureType?: FailureType;
  /** The tenant's clock at the first answer (its `Date` header), when the API answered at all, 401 included. */
  serverTime?: number;
  /** The run's share of the tenant's request budget ran out before the check could finish: nothing is wrong. */
  budgetSpent?: boolean;
}

export async function checkConnection(options: Omit<ClientOptions, 'onRetry'> & { host: string }): Promise<CheckResult> {
  // A check should answer within seconds: few retries.
  const client = new KandjiClient({ ...options, maxAttempts: 3 });
  try {
    const result = await checkWith(client, options);
    return client.firstServerTime === undefined ? result : { ...result, serverTime: client.firstServerTime };
  } finally {
    await client.close();
  }
}

async function checkWith(client: KandjiClient, options: { host: string }): Promise<CheckResult> {
  try {
    const allowed = new Map<Permission, boolean>();
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
          failureType: 'config_error',
        };
      }
      throw error;
    }
    for (const permission of neededPermissions()) {
      if (allowed.has(permission)) continue;
      const probe = (PERMISSIONS[permission] as PermissionInfo).probe;
      if (!probe) throw new Error(`No check probe for the permission "${permission}" a stream needs`);
      const path = probe.path(firstDevice);
      if (path === undefined) continue; // no device to try a per-device permission on
      try {
        await client.get(path, probe.query, { stream: 'check', endpoint: probe.endpoint, permission });
        allowed.set(permission, true);
      } catch (error) {
        if (error instanceof PermissionError) allowed.set(permission, false);
        else if (error instanceof NotFoundError)
          allowed.set(permission, true); // the device vanished; the permission was accepted
        // A 401 here, after /devices was answered, is a missing permission: the client reports it as a PermissionError.
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
      const plain = [...byPermission].filter(([p]) => !(PERMISSIONS[p as Permission] as PermissionInfo).addOn);
      if (plain.length > 0)
        lines.push(
          `Not readable: ${plain.map(([p, s]) => `${s.join(', ')} (needs "${p}")`).join('; ')}. Enable those permissions on the token in Kandji under Settings → Access, or leave the streams out of the catalog.`,
        );
      for (const m of missing.filter((x) => (PERMISSIONS[x.permission as Permission] as PermissionInfo).addOn))
        lines.push(`${m.stream}: ${notReadable(m.stream, m.permission as Permission)}.`);
    }
    if (allowed.get('Prism') === false && allowed.get('Device apps') === true)
      lines.push('device_apps will be read per device (one request each) because the token lacks "Prism".');
    return { status: 'SUCCEEDED', message: lines.join(' '), readable, missing };
  } catch (error) {
    // What the user can act on is a FAILED status with exit 0: a config mistake, or a host that does not answer.
    // Only a connector bug (a system error) propagates to a TRACE and a non-zero exit.
    if (error instanceof ConfigError)
      return { status: 'FAILED', message: error.message, readable: [], missing: [], failureType: 'config_error' };
    if (error instanceof BudgetExhaustedError)
      return { status: 'FAILED', message: error.message, readable: [], missing: [], failureType: 'transient_error', budgetSpent: true };
    if (error instanceof TransientError) {
      return {
        status: 'FAILED',
        message: `Could not get an answer from ${options.host}: ${error.message} Check that api_url is reachable from here (network, proxy, firewall).`,
        readable: [],
        missing: [],
        failureType: 'transient_error',
      };
    }
    throw error;
  }
}
