/**
 * The error table (STYLE.md §3): every HTTP status or network condition the client meets → what it does (retry,
 * wait for the server, skip, fail) → the failure type → a message that names the fix. The client consults it once
 * per response; nothing else in the connector decides whether to retry.
 */
import { ConfigError, type ConnectorError, SystemError, TransientError } from '../errors.ts';

export type Action =
  | { do: 'return' }
  /** Retry after our own backoff. */
  | { do: 'retry'; why: string }
  /** Retry after the server's wait (Retry-After / RateLimit-Reset), falling back to our backoff. */
  | { do: 'wait'; why: string }
  | { do: 'fail'; error: ConnectorError };

/** A device (or other object) that went away between the list and the detail call: callers skip it. */
export class NotFoundError extends SystemError {
  readonly endpoint: string;
  constructor(endpoint: string, internal: string) {
    super(`${endpoint} answered 404 Not Found`, { internal });
    this.name = 'NotFoundError';
    this.endpoint = endpoint;
  }
}

/** The token is valid but lacks the permission for an endpoint. */
export class PermissionError extends ConfigError {
  readonly endpoint: string;
  readonly status: number;
  constructor(endpoint: string, status: number, permission: string | undefined, internal: string) {
    super(
      `The API token is not allowed to call ${endpoint} (HTTP ${status}).` +
        (permission
          ? ` In Kandji, open Settings → Access → API token → Manage permissions and enable "${permission}".`
          : " Check the token's permissions in Kandji under Settings → Access."),
      { internal },
    );
    this.name = 'PermissionError';
    this.endpoint = endpoint;
    this.status = status;
  }
}

/** This run's share of the tenant's hourly request budget is spent: checkpoint and stop, resume later. */
export class BudgetExhaustedError extends TransientError {
  /** When the budget refills enough to resume, ms since epoch. */
  readonly resumeAt: number;
  constructor(message: string, resumeAt: number) {
    super(message);
    this.name = 'BudgetExhaustedError';
    this.resumeAt = resumeAt;
  }
}

/** Read the human part of an error body: `detail` → `error` → `message` → raw text (kandji-api.md §3). */
export function errorDetail(body: string): string {
  const text = body.trim();
  if (text === '') return '(empty body)';
  try {
    const parsed: unknown = JSON.parse(text);
    if (typeof parsed === 'string') return parsed;
    if (Array.isArray(parsed)) return parsed.map(String).join('; ');
    if (parsed && typeof parsed === 'object') {
      const o = parsed as Record<string, unknown>;
      for (const key of ['detail', 'error', 'message']) if (typeof o[key] === 'string') return o[key] as string;
      // DRF field errors: {"field": ["message"]}
      return Object.entries(o)
        .map(([k, v]) => `${k}: ${Array.isArray(v) ? v.join(' ') : JSON.stringify(v)}`)
        .join('; ');
    }
  } catch {
    // Not JSON: HTML error pages and gateway texts.
  }
  return text.startsWith('<')
    ? text
        .replace(/<[^>]+>/g, ' ')
        .replace(/\s+/g, ' ')
        .trim()
        .slice(0, 200)
    : text.slice(0, 200);
}

/** Decide what to do with a response status. `permission` names what a 401/403 on this endpoint needs. */
export function classifyStatus(status: number, endpoint: string, body: string, permission?: string): Action {
  if (status >= 200 && status < 300) return { do: 'return' };
  const internal = `HTTP ${status} from ${endpoint}: ${errorDetail(body)}`;
  switch (status) {
    case 429:
      return { do: 'wait', why: 'rate limited (429)' };
    case 500:
    case 502:
    case 503:
    case 504:
      return { do: 'retry', why: `server error ${status}` };
    case 401:
      return {
        do: 'fail',
        error: new ConfigError(
          'Kandji rejected the API token (HTTP 401): it is wrong, revoked or expired, or lacks the permission for ' +
            `${endpoint}${permission ? ` ("${permission}")` : ''}. Copy a current token from Settings → Access → API token in Kandji.`,
          { internal },
        ),
      };
    case 403:
      return { do: 'fail', error: new PermissionError(endpoint, status, permission, internal) };
    case 404:
      return { do: 'fail', error: new NotFoundError(endpoint, internal) };
    default:
      if (status >= 300 && status < 400) {
        return {
          do: 'fail',
          error: new SystemError(
            `${endpoint} answered a redirect (HTTP ${status}); the connector does not follow redirects with the token. Check api_url.`,
            { internal },
          ),
        };
      }
      if (status >= 500) return { do: 'retry', why: `server error ${status}` };
      return {
        do: 'fail',
        error: new SystemError(`Kandji refused a request to ${endpoint} (HTTP ${status}): ${errorDetail(body)}`, { internal }),
      };
  }
}

/** Network-level failures: which are worth a retry, and which mean the configuration points nowhere. */
export function classifyNetworkError(error: unknown, host: string): Action {
  const code = (error as { code?: string }).code ?? '';
  switch (code) {
    case 'ENOTFOUND':
      return {
        do: 'fail',
        error: new ConfigError(
          `The host ${host} does not exist (DNS lookup failed). Check the subdomain and the region: US tenants use SUBDOMAIN.api.kandji.io, EU tenants SUBDOMAIN.api.eu.kandji.io.`,
          { internal: code },
        ),
      };
    case 'CERT_HAS_EXPIRED':
    case 'DEPTH_ZERO_SELF_SIGNED_CERT':
    case 'SELF_SIGNED_CERT_IN_CHAIN':
    case 'UNABLE_TO_VERIFY_LEAF_SIGNATURE':
    case 'ERR_TLS_CERT_ALTNAME_INVALID':
      return {
        do: 'fail',
        error: new ConfigError(
          `The TLS certificate of ${host} could not be verified (${code}). Check api_url points at your Kandji API host.`,
          { internal: code },
        ),
      };
    case 'ECONNRESET':
    case 'EPIPE':
    case 'ECONNREFUSED':
    case 'ETIMEDOUT':
    case 'EAI_AGAIN':
    case 'UND_ERR_SOCKET':
    case 'UND_ERR_CLOSED':
    case 'UND_ERR_HEADERS_TIMEOUT':
    case 'UND_ERR_BODY_TIMEOUT':
    case 'UND_ERR_CONNECT_TIMEOUT':
    case 'UND_ERR_RES_CONTENT_LENGTH_MISMATCH':
      return { do: 'retry', why: code };
    default:
      return { do: 'retry', why: code || (error instanceof Error ? error.message : String(error)) };
  }
}
