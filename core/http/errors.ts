/**
 * The error table (STYLE.md §3): every HTTP status or network condition the client meets → what it does (retry,
 * wait for the server, skip, fail) → the failure type → a message that names the fix. It is data: `ERROR_TABLE` is
 * read top to bottom and the first row that matches decides; `test/unit/error_table.test.ts` pins every row. The
 * client consults it once per attempt; nothing else in the connector decides whether to retry.
 */
import { PERMISSIONS, type PermissionInfo } from '../permissions.ts';
import { ConfigError, type ConnectorError, SystemError, TransientError, type FailureType } from '../errors.ts';

/**
 * - `return`: the body is the answer.
 * - `retry`: try the same GET again after our backoff (or the server's `Retry-After`, which beats it).
 * - `wait`: try again after the server's wait (`Retry-After`, else `RateLimit-Reset`), falling back to our backoff.
 * - `skip`: the object is gone; the caller skips it (a device deleted between the list and its detail call).
 * - `fail`: stop this request with the row's error; retrying cannot help.
 */
export type Action = 'return' | 'retry' | 'wait' | 'skip' | 'fail';

/** What the client met: an HTTP status, or a network condition named by its error code. */
export type Condition = { status: number } | { code: string };

/** What a row's messages may name. */
export interface Situation {
  /** Endpoint label, e.g. `GET /devices/{id}/details`. */
  endpoint: string;
  /** The configured API host, with its port when not the default. */
  host: string;
  /** The Kandji permission the endpoint needs. */
  permission?: string | undefined;
  /** The response body, for statuses. */
  body?: string;
  /** `request_timeout_seconds`. */
  timeoutSeconds: number;
  /**
   * The token reads something: a request of this run was answered 2xx, or, asked after a 401, `GET /devices` was.
   * Kandji may answer a missing permission with 401 rather than 403 (docs/kandji-api.md §3), so a 401 alone does not
   * condemn the token.
   */
  tokenProven: boolean;
  /** For a failed DNS lookup: whether the other host (see `dnsProbeHost`) resolved, i.e. DNS itself works. */
  otherHostResolves?: boolean;
  /** The host looked up to tell a typo from a network without DNS. */
  probeHost?: string;
  /** The proxy in use for this host (its host and port only, never its credentials), if any. */
  proxy?: string | undefined;
  /** Attempts made, for the message when the retries run out. */
  attempts?: number;
}

export interface ErrorRow {
  /** What the row matches, in words (the table in docs/airbyte.md is this column). */
  when: string;
  matches: (condition: Condition, situation: Situation) => boolean;
  action: Action;
  /** The failure type reported: of the error for `fail`/`skip`, of the give-up error when `retry`/`wait` run out. */
  failureType: FailureType | undefined;
  /** The error for `fail`/`skip`; for `retry`/`wait`, the one reported when the attempts run out. */
  error?: (situation: Situation, condition: Condition) => ConnectorError;
  /** Why a retry happens, for the log. */
  why?: (condition: Condition) => string;
  /**
   * The condition belongs to the connection, not to the endpoint (the token, the host's name, its certificate):
   * every other request would meet it too, so the client sends no more and the read reports it once.
   */
  stopsRun?: true;
}

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
    // An add-on module's endpoints (Vulnerability Management, EDR) also refuse when the tenant lacks the module.
    const addOn = permission ? (PERMISSIONS as Record<string, PermissionInfo>)[permission]?.addOn : undefined;
    super(
      addOn
        ? `The API token cannot call ${endpoint} (HTTP ${status}): the tenant has no ${addOn}, or the token lacks its "${permission}" permission. Enable ${addOn} for the tenant and "${permission}" on the token in Kandji under Settings → Access, or deselect the stream.`
        : `The API token is not allowed to call ${endpoint} (HTTP ${status}).` +
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

/** The token itself is refused: a 401, and nothing it asked for, not even `GET /devices`, was answered (a row that stops the run). */
export class TokenRejectedError extends ConfigError {
  constructor(internal: string) {
    super(
      'Kandji rejected the API token (HTTP 401): it is wrong, revoked or expired, or belongs to another tenant ' +
        '(or lacks "Device list", which every sync needs). Copy a current token from Settings → Access → API token in Kandji into api_token.',
      { internal },
    );
    this.name = 'TokenRejectedError';
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

/** Read the human part of an error body: `detail` → `error` → `message` → raw text (docs/kandji-api.md §3). */
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

// ---------------------------------------------------------------------------------------------------------------
// The table

const status =
  (test: (status: number) => boolean) =>
  (c: Condition): boolean =>
    'status' in c && test(c.status);
const code =
  (...codes: string[]) =>
  (c: Condition): boolean =>
    'code' in c && codes.includes(c.code);
const describe = (c: Condition) => ('status' in c ? `HTTP ${c.status}` : c.code);
const internal = (c: Condition, s: Situation) =>
  'status' in c ? `HTTP ${c.status} from ${s.endpoint}: ${errorDetail(s.body ?? '')}` : `${c.code} on ${s.endpoint}`;
const attempts = (s: Situation) => `${s.attempts ?? 1} attempt${s.attempts === 1 ? '' : 's'}`;
/** How the request reached the host, for messages about connecting. */
const via = (s: Situation) => (s.proxy ? ` through the proxy ${s.proxy}` : '');

/** Our own condition: a 2xx whose body does not parse, cut off in transit. */
export const BAD_JSON = 'BAD_JSON';
/** Our own condition: a proxy that would not open a tunnel to the host (undici reports it as an abort). */
export const PROXY_REFUSED = 'PROXY_REFUSED';
/** Our own condition: a proxy that asks for credentials (407). */
export const PROXY_AUTH = 'PROXY_AUTH';

const TIMEOUTS = ['UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT', 'UND_ERR_CONNECT_TIMEOUT', 'ETIMEDOUT'];
const TLS_UNTRUSTED = [
  'CERT_HAS_EXPIRED',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'ERR_TLS_CERT_ALTNAME_INVALID',
];
/** What OpenSSL says when the other end answers TLS with plain HTTP. */
const NOT_TLS = ['ERR_SSL_WRONG_VERSION_NUMBER', 'ERR_SSL_PACKET_LENGTH_TOO_LONG', 'ERR_SSL_HTTP_REQUEST', 'EPROTO'];

const kandjiTrouble = (s: Situation, c: Condition) =>
  new TransientError(
    `${s.endpoint} kept failing after ${attempts(s)} (last: ${describe(c)}). Kandji may be having trouble; run the sync again later.`,
    { internal: internal(c, s) },
  );

/** Rows are read top to bottom; the first that matches decides. The last row matches everything. */
export const ERROR_TABLE: readonly ErrorRow[] = [
  { when: '2xx', matches: status((n) => n >= 200 && n < 300), action: 'return', failureType: undefined },
  {
    when: '429 Too Many Requests',
    matches: status((n) => n === 429),
    action: 'wait',
    failureType: 'transient_error',
    why: () => 'rate limited (429)',
    error: (s, c) =>
      new TransientError(
        `Kandji kept answering ${s.endpoint} with 429 Too Many Requests after ${attempts(s)}: other integrations of the tenant are using its rate limit. Run the sync again later, or lower request_budget_share.`,
        { internal: internal(c, s) },
      ),
  },
  {
    when: '401, and the token reads nothing, not even GET /devices (the token)',
    matches: (c, s) => status((n) => n === 401)(c) && !s.tokenProven,
    action: 'fail',
    failureType: 'config_error',
    stopsRun: true,
    error: (s, c) => new TokenRejectedError(internal(c, s)),
  },
  {
    when: '401 while the token reads other endpoints (a permission), 403',
    matches: status((n) => n === 401 || n === 403),
    action: 'fail',
    failureType: 'config_error',
    error: (s, c) => new PermissionError(s.endpoint, (c as { status: number }).status, s.permission, internal(c, s)),
  },
  {
    when: '404',
    matches: status((n) => n === 404),
    action: 'skip',
    failureType: 'system_error',
    error: (s, c) => new NotFoundError(s.endpoint, internal(c, s)),
  },
  {
    when: '3xx',
    matches: status((n) => n >= 300 && n < 400),
    action: 'fail',
    failureType: 'system_error',
    error: (s, c) =>
      new SystemError(
        `${s.endpoint} answered a redirect (${describe(c)}); the connector does not follow redirects with the token. Check api_url.`,
        { internal: internal(c, s) },
      ),
  },
  {
    when: 'other 4xx',
    matches: status((n) => n >= 400 && n < 500),
    action: 'fail',
    failureType: 'system_error',
    error: (s, c) =>
      new SystemError(`Kandji refused a request to ${s.endpoint} (${describe(c)}): ${errorDetail(s.body ?? '')}`, {
        internal: internal(c, s),
      }),
  },
  {
    when: '5xx',
    matches: status((n) => n >= 500),
    action: 'retry',
    failureType: 'transient_error',
    why: (c) => `server error ${(c as { status: number }).status}`,
    error: kandjiTrouble,
  },
  {
    when: 'a 2xx body that is not JSON (cut off in transit)',
    matches: code(BAD_JSON),
    action: 'retry',
    failureType: 'transient_error',
    why: () => 'truncated or invalid JSON body',
    error: kandjiTrouble,
  },
  {
    when: 'DNS lookup fails while the domain apex resolves (a typo)',
    matches: (c, s) => code('ENOTFOUND')(c) && s.otherHostResolves === true,
    action: 'fail',
    failureType: 'config_error',
    stopsRun: true,
    error: (s, c) =>
      new ConfigError(
        `The host ${s.host} does not exist: its DNS lookup failed while ${s.probeHost} resolves, so this is most likely a typo. Check the subdomain and the region in api_url: US tenants use SUBDOMAIN.api.kandji.io, EU tenants SUBDOMAIN.api.eu.kandji.io, as shown in Kandji under Settings → Access.`,
        { internal: internal(c, s) },
      ),
  },
  {
    when: 'DNS lookup fails for every host (no network or no DNS)',
    matches: code('ENOTFOUND', 'EAI_AGAIN', 'EAI_FAIL'),
    action: 'fail',
    failureType: 'transient_error',
    stopsRun: true,
    error: (s, c) =>
      new TransientError(
        `Could not look up ${s.host}${s.probeHost ? `, nor ${s.probeHost}` : ''}: DNS does not answer from here, so the network may be down, or only a proxy reaches outside (set HTTPS_PROXY). If the network is fine, check the subdomain and region in api_url for a typo.`,
        { internal: internal(c, s) },
      ),
  },
  {
    when: 'the proxy asks for credentials (407)',
    matches: code(PROXY_AUTH),
    action: 'fail',
    failureType: 'config_error',
    stopsRun: true,
    error: (s, c) =>
      new ConfigError(
        `The proxy ${s.proxy ?? ''} asks for credentials (HTTP 407). Put them in the proxy URL: HTTPS_PROXY=http://USER:PASSWORD@proxy:port.`,
        { internal: internal(c, s) },
      ),
  },
  {
    when: 'the proxy will not open a tunnel to the host',
    matches: code(PROXY_REFUSED),
    action: 'retry',
    failureType: 'transient_error',
    why: () => 'the proxy refused the tunnel',
    error: (s, c) =>
      new TransientError(
        `The proxy ${s.proxy ?? ''} would not connect to ${s.host} (${attempts(s)}). Check that the proxy allows ${s.host}, or list the host in NO_PROXY if it is reachable directly.`,
        { internal: internal(c, s) },
      ),
  },
  {
    when: 'TLS certificate not trusted',
    matches: code(...TLS_UNTRUSTED),
    action: 'fail',
    failureType: 'config_error',
    stopsRun: true,
    error: (s, c) =>
      new ConfigError(
        `The TLS certificate of ${s.host}${via(s)} could not be verified (${describe(c)}). Check api_url points at your Kandji API host; behind a TLS-inspecting proxy, give Node its CA with NODE_EXTRA_CA_CERTS.`,
        { internal: internal(c, s) },
      ),
  },
  {
    when: 'the host answers plain HTTP to HTTPS',
    matches: code(...NOT_TLS),
    action: 'fail',
    failureType: 'config_error',
    stopsRun: true,
    error: (s, c) =>
      new ConfigError(
        `${s.host} does not speak HTTPS (${describe(c)}). An api_url without a scheme means https://; for a plain-HTTP server such as the local simulator, write the scheme: http://${s.host}.`,
        { internal: internal(c, s) },
      ),
  },
  {
    when: 'no answer within request_timeout_seconds',
    matches: code(...TIMEOUTS),
    action: 'retry',
    failureType: 'transient_error',
    why: (c) => `no answer within the request timeout (${describe(c)})`,
    error: (s, c) =>
      new TransientError(
        `${s.endpoint} got no answer from ${s.host}${via(s)} within request_timeout_seconds (${s.timeoutSeconds} s), ${attempts(s)}. Kandji may be slow or unreachable: run the sync again later, or raise request_timeout_seconds (up to 300).`,
        { internal: internal(c, s) },
      ),
  },
  {
    when: 'connection refused',
    matches: code('ECONNREFUSED'),
    action: 'retry',
    failureType: 'transient_error',
    why: () => 'connection refused',
    error: (s, c) =>
      new TransientError(
        `Nothing answers on ${s.host}${via(s)} (connection refused, ${attempts(s)}). Check api_url (and its port), or run the sync again later.`,
        { internal: internal(c, s) },
      ),
  },
  {
    when: 'any other network error (reset, closed socket)',
    matches: () => true,
    action: 'retry',
    failureType: 'transient_error',
    why: describe,
    error: kandjiTrouble,
  },
];

/** The row that decides what to do about `condition`. */
export function classify(condition: Condition, situation: Situation): ErrorRow {
  // The last row matches everything.
  return ERROR_TABLE.find((row) => row.matches(condition, situation)) as ErrorRow;
}

/** The network condition of a thrown request error: its code, or one of ours for the proxy's answers. */
export function conditionOf(error: unknown): Condition {
  const e = error as { code?: unknown; message?: unknown };
  const message = typeof e.message === 'string' ? e.message : '';
  if (/Proxy Authentication Required|^Proxy response \(407\)/.test(message)) return { code: PROXY_AUTH };
  if (/^Proxy response \(\d+\)/.test(message)) return { code: PROXY_REFUSED };
  if (typeof e.code === 'string' && e.code !== '') return { code: e.code };
  return { code: message || String(error) };
}
