/**
 * The user's configuration file → what the connector runs with. Validates against the schema in source/spec.ts,
 * applies its defaults, registers the token as a secret, and turns whatever the user pasted as the tenant's
 * address into one API origin (docs/kandji-api.md §1). Every mistake is a ConfigError that names the field and the fix;
 * no message ever contains the token.
 */
import Value from 'typebox/value';
import { parseTimestamp } from '../schemas/values.ts';
import { ConfigError } from '../core/errors.ts';
import { type JsonFileKind, readJsonFile } from '../core/json_file.ts';
import { registerSecret } from '../core/redact.ts';
import { configSchema, SECRET_FIELDS, type Config } from './spec.ts';

/** Which kind of host the connector talks to. `iru` is `{sub}.api.iru.com`; `legacy` is `{sub}.clients.us-1.kandji.io`. */
export type Region = 'us' | 'eu' | 'iru' | 'legacy' | 'loopback';

/** The configuration resolved for the connector: defaults applied, host normalised, units made explicit. */
export interface ResolvedConfig {
  /** The API origin requests go to: scheme, host and port only, e.g. `https://acme.api.kandji.io` (no `/api/v1`). */
  baseUrl: string;
  /** The host of `baseUrl`, with the port when it is not the scheme's default, e.g. `acme.api.kandji.io`. */
  host: string;
  /** The API token (a UUID for every Kandji token seen), without whitespace or a `Bearer ` prefix. Registered with core/redact.ts. */
  token: string;
  /** Where audit_events starts on a first sync, ms since epoch; undefined: `START_DATE_DEFAULT_DAYS` before the sync. */
  startDate: number | undefined;
  /** Share of the tenant's 10,000 requests/hour this sync may use, 0.01–1. Default 0.5. */
  requestBudgetShare: number;
  /** Requests in flight at once, 1–16. Default 4. */
  maxConcurrency: number;
  /** Per request: time to first byte and between body chunks, ms. Default 30,000. */
  requestTimeoutMs: number;
  /** Most `/devices/{id}/details` calls per sync, 0–100,000. Default 2000. */
  deviceDetailsMaxPerSync: number;
  /** Most devices per sync for each of device_activity, device_commands, device_parameters and device_library_items, 0–100,000. Default 500. */
  deviceHistoryMaxPerSync: number;
  /** How device_apps is read. Default `prism`. */
  deviceAppsSource: 'prism' | 'per_device';
  /** Time-filtered reads start this much before their bookmark, ms. Default 15 minutes. */
  lookbackMs: number;
  /** Incremental Prism streams re-read their category in full every this many days; 0 never. Default 7. */
  fullReadEveryDays: number;
  /**
   * The tenant's name, stamped on every record as `tenant_id` and the first part of every primary key: the `tenant`
   * field, else the subdomain, else `local` (the simulator on loopback without a subdomain).
   */
  tenant: string;
  /** Things the user should know but that do not stop the sync (a legacy host, a start date in the future). */
  warnings: string[];
}

/** The tenant name of a loopback URL (the simulator) when neither `tenant` nor `subdomain` names it. */
export const LOOPBACK_TENANT = 'local';

const EXAMPLE =
  'It should hold a JSON object like {"api_url": "acme.api.kandji.io", "api_token": "<the API token from Settings → Access>"}.';

const PASS_CONFIG = 'Pass --config with the path of your configuration file.';
const CONFIG_FILE: JsonFileKind = {
  what: 'config',
  whenMissing: `${PASS_CONFIG} ${EXAMPLE}`,
  whenDirectory: PASS_CONFIG,
  whenUnreadable: 'Check that it exists and is readable.',
  whenEmpty: EXAMPLE,
  whenInvalid: 'Look for a missing comma or quote, a trailing comma, or a comment (JSON allows none).',
};

/** Read, validate and resolve the configuration file at `path`. `now` (ms) only decides whether start_date is in the future. */
export async function loadConfig(path: string, now: number = Date.now()): Promise<ResolvedConfig> {
  const raw = await readJsonFile(path, CONFIG_FILE);
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw))
    throw new ConfigError(`The config file ${path} holds ${kindOf(raw)}, not a JSON object. ${EXAMPLE}`);
  return resolveConfig(raw, now);
}

/**
 * Validate and resolve a parsed configuration. Unknown keys are allowed; for optional fields `null` and `""` mean
 * "not set" (UIs send them for cleared inputs); strings are trimmed. `now` (ms) only decides whether start_date is
 * in the future, which is a warning.
 */
export function resolveConfig(raw: unknown, now: number = Date.now()): ResolvedConfig {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw))
    throw new ConfigError(`The configuration is ${kindOf(raw)}, not a JSON object. ${EXAMPLE}`);
  const given = raw as Record<string, unknown>;
  // Before anything can fail, so that no message, log line or trace after this point can carry a secret.
  for (const field of SECRET_FIELDS) {
    const value = given[field];
    if (typeof value === 'string') {
      registerSecret(value);
      registerSecret(cleanToken(value));
    }
  }
  const warnings: string[] = unknownKeys(given);
  let config: Defaulted;
  try {
    config = validate(given);
  } catch (error) {
    // `api_tokn` given, api_token missing: the typo is the fix, so say it in the error itself.
    const typos = warnings.filter((w) => w.includes('did you mean'));
    if (!(error instanceof ConfigError) || typos.length === 0) throw error;
    throw new ConfigError(`${error.message} (${typos.join(' ')})`);
  }
  const token = resolveToken(config.api_token, warnings);
  const { baseUrl, host, subdomain } = resolveHost(config, warnings);
  return {
    baseUrl,
    host,
    tenant: config.tenant ?? subdomain ?? LOOPBACK_TENANT,
    token,
    startDate: resolveStartDate(config.start_date, now, warnings),
    requestBudgetShare: config.request_budget_share,
    maxConcurrency: config.max_concurrency,
    requestTimeoutMs: config.request_timeout_seconds * 1000,
    deviceDetailsMaxPerSync: config.device_details_max_per_sync,
    deviceAppsSource: config.device_apps_source,
    deviceHistoryMaxPerSync: config.device_history_max_per_sync,
    lookbackMs: config.lookback_minutes * 60_000,
    fullReadEveryDays: config.prism_full_read_every_days,
    warnings,
  };
}

// ---------------------------------------------------------------------------------------------------------------
// Schema validation

/** A validated configuration: the fields whose schema has a `default` are filled by `Value.Default`. */
type Defaulted = Config &
  Required<
    Pick<
      Config,
      | 'region'
      | 'request_budget_share'
      | 'max_concurrency'
      | 'request_timeout_seconds'
      | 'device_details_max_per_sync'
      | 'device_apps_source'
      | 'lookback_minutes'
      | 'device_history_max_per_sync'
      | 'prism_full_read_every_days'
    >
  >;

function validate(given: Record<string, unknown>): Defaulted {
  const copy: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(given)) {
    // JSON.parse makes "__proto__" an own key; copying it would set the copy's prototype, hiding fields in it.
    if (key === '__proto__') continue;
    const text = typeof value === 'string' ? value.trim() : value;
    const required = (configSchema.required as string[]).includes(key);
    if (value === null || (text === '' && !required)) continue;
    copy[key] = text;
  }
  const problems: string[] = [];
  const seen = new Set<string>();
  for (const error of Value.Errors(configSchema, copy)) {
    const fields =
      error.keyword === 'required'
        ? ((error.params as { requiredProperties: string[] }).requiredProperties ?? [])
        : [error.instancePath.split('/')[1] ?? ''];
    for (const field of fields) {
      if (seen.has(field)) continue;
      seen.add(field);
      problems.push(
        error.keyword === 'required'
          ? `${field} is missing: ${firstSentence(field)}`
          : `${field} must be ${expectation(field)}${SECRET_FIELDS.includes(field) ? '' : `, not ${show(copy[field])}`}.`,
      );
    }
  }
  if (problems.length > 0) throw new ConfigError(`The configuration is invalid: ${problems.join(' ')}`);
  return Value.Default(configSchema, copy) as Defaulted;
}

/**
 * A key the spec does not have is allowed (Airbyte UIs may add their own) but said, with the closest known key: a
 * typo such as `api_tokn` or `start_data` would otherwise be silently ignored.
 */
function unknownKeys(given: Record<string, unknown>): string[] {
  const known = Object.keys(configSchema.properties as Record<string, unknown>);
  return Object.keys(given)
    .filter((key) => !known.includes(key) && key !== '__proto__' && !key.startsWith('_')) // `_note`: a comment, as CAT's configs use
    .map((key) => {
      const [closest] = known
        .map((k) => ({ k, d: editDistance(key.toLowerCase(), k) }))
        .filter(({ k, d }) => d <= Math.max(2, Math.floor(k.length / 4)))
        .sort((a, b) => a.d - b.d);
      // The key's name only, never its value: it may be a secret under a misspelled name.
      return closest
        ? `${key}: unknown key; did you mean ${closest.k}?`
        : `${key}: unknown key; ignored (the known keys are in spec.json).`;
    });
}

/** Levenshtein distance: the fewest single-character edits from a to b. */
function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++)
      current[j] = Math.min(
        (previous[j] as number) + 1,
        (current[j - 1] as number) + 1,
        (previous[j - 1] as number) + (a[i - 1] === b[j - 1] ? 0 : 1),
      );
    previous = current;
  }
  return previous[b.length] as number;
}

function fieldSchema(field: string): Record<string, unknown> {
  return ((configSchema.properties as Record<string, unknown>)[field] ?? {}) as Record<string, unknown>;
}

/** The first sentence of a field's description, which says what to put there. */
function firstSentence(field: string): string {
  return /^[^.]*\./.exec(String(fieldSchema(field).description))?.[0] ?? '';
}

/** What a field accepts, in words, from its schema: `an integer from 1 to 16`, `one of "us", "eu"`. */
function expectation(field: string): string {
  const schema = fieldSchema(field);
  if (Array.isArray(schema.enum)) return `one of ${schema.enum.map((v) => JSON.stringify(v)).join(', ')}`;
  const range =
    schema.minimum !== undefined && schema.maximum !== undefined ? ` from ${String(schema.minimum)} to ${String(schema.maximum)}` : '';
  if (schema.type === 'integer') return `an integer${range}`;
  if (schema.type === 'number') return `a number${range}`;
  if (typeof schema.pattern_descriptor === 'string') return `a string of the form ${schema.pattern_descriptor}`;
  return `a ${String(schema.type)}`;
}

/** A UUID anywhere in a value may be a token pasted into the wrong field: never echo it. */
const UUID_LIKE = /[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}/i;

function show(value: unknown): string {
  const text = JSON.stringify(value) ?? String(value);
  if (UUID_LIKE.test(text)) return '(a UUID-like value, not shown: is it the API token in the wrong field?)';
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

function kindOf(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return `a ${typeof value}`;
}

// ---------------------------------------------------------------------------------------------------------------
// Token

// Kandji's tokens are UUIDs and its own CLI accepts nothing else (docs/kandji-api.md §1, [IRUCTL] validate_token), but the
// public OpenAPI describes a bearer token of another format: a token of another shape is sent, with a warning.
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Without surrounding whitespace and without a pasted `Bearer ` prefix. */
function cleanToken(value: string): string {
  return value
    .trim()
    .replace(/^bearer(?:\s+|$)/i, '')
    .trim();
}

function resolveToken(value: string, warnings: string[]): string {
  const token = cleanToken(value);
  if (token === '') throw new ConfigError('api_token is empty. Paste the API token from Kandji: Settings → Access → API tokens.');
  // Never quote the value: a near-miss token is still most of a secret.
  if (/[^\x21-\x7e]/.test(token))
    throw new ConfigError(
      'api_token holds spaces, line breaks or other characters an HTTP header cannot carry. Copy the token again from Settings → Access → API tokens.',
    );
  if (!UUID.test(token))
    warnings.push(
      `api_token is not shaped like a Kandji API token (a UUID, 36 characters like 12345678-abcd-4def-8123-456789abcdef; the value given has ${token.length} characters). It is sent as given; if Kandji answers 401, copy the token again from Settings → Access → API tokens.`,
    );
  return token;
}

// ---------------------------------------------------------------------------------------------------------------
// Host

/** What the address resolves to; only `baseUrl` and `host` leave this file (the rest decides them). */
interface Host extends Pick<ResolvedConfig, 'baseUrl' | 'host'> {
  region: Region;
  /** The tenant's subdomain, e.g. `acme`; undefined for a loopback URL unless `subdomain` was given. */
  subdomain: string | undefined;
  /** True for the simulator on 127.0.0.0/8, localhost or [::1], the only hosts plain http is allowed to. */
  isLoopback: boolean;
}

// A DNS label, which is all a Kandji subdomain is.
const LABEL = '[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?';
const SUBDOMAIN = new RegExp(`^${LABEL}$`);

/** The API host names (docs/kandji-api.md §1); the first group is the tenant's subdomain. */
const API_HOSTS: { pattern: RegExp; region: Exclude<Region, 'loopback'> }[] = [
  { pattern: new RegExp(`^(${LABEL})\\.api\\.kandji\\.io$`), region: 'us' },
  { pattern: new RegExp(`^(${LABEL})\\.api\\.eu\\.kandji\\.io$`), region: 'eu' },
  { pattern: new RegExp(`^(${LABEL})\\.api\\.iru\\.com$`), region: 'iru' },
  // Seen in 2022 recordings; current docs name only the api. hosts.
  { pattern: new RegExp(`^(${LABEL})\\.clients\\.us-1\\.kandji\\.io$`), region: 'legacy' },
];

const CONSOLE_HOST = new RegExp(`^(${LABEL})\\.(?:kandji\\.io|iru\\.com)$`);

/**
 * Whether `host` (a host name, any case, optionally with a port) is a tenant's web app, `{sub}.kandji.io` or
 * `{sub}.iru.com`, which users paste instead of the API host. Some API responses also put it in `next` links.
 */
export function isConsoleHost(host: string): boolean {
  const m = CONSOLE_HOST.exec(hostnameOf(host));
  return m !== null && m[1] !== 'api' && m[1] !== 'www';
}

/** The message for a console host given where the API host belongs: what it is, and what to use instead. */
export function consoleHostMessage(host: string): string {
  const name = hostnameOf(host);
  return `${name} is the Kandji web app, not the API. Use the API URL shown under Settings → Access, e.g. ${name.split('.')[0]}.api.kandji.io.`;
}

function hostnameOf(host: string): string {
  return host.toLowerCase().replace(/:\d+$/, '').replace(/\.$/, '');
}

function resolveHost(config: Defaulted, warnings: string[]): Host {
  const subdomain = config.subdomain === undefined ? undefined : parseSubdomain(config.subdomain);
  const region = config.region;
  if (config.api_url === undefined) {
    if (subdomain === undefined)
      throw new ConfigError(
        'Neither api_url nor subdomain is set. Set api_url to the API URL shown in Kandji under Settings → Access, e.g. acme.api.kandji.io (or set subdomain and region).',
      );
    return tenantHost(subdomain, region);
  }
  const fromUrl = parseApiUrl(config.api_url, region, warnings);
  if (fromUrl.isLoopback) return { ...fromUrl, subdomain };
  if (subdomain !== undefined && subdomain !== fromUrl.subdomain)
    throw new ConfigError(
      `api_url points at the tenant "${fromUrl.subdomain}" (${fromUrl.host}) but subdomain says "${subdomain}". Set only api_url, or make the two agree.`,
    );
  return fromUrl;
}

function parseSubdomain(value: string): string {
  const label = value.toLowerCase();
  if (/[./:]/.test(label))
    throw new ConfigError(
      `subdomain "${value}" is not a subdomain: subdomain is just the first label, e.g. 'acme'; put full URLs in api_url.`,
    );
  if (!SUBDOMAIN.test(label)) throw new ConfigError(`subdomain "${value}" may only hold letters, digits and inner hyphens, e.g. 'acme'.`);
  return label;
}

function tenantHost(subdomain: string, region: 'us' | 'eu'): Host {
  const host = region === 'eu' ? `${subdomain}.api.eu.kandji.io` : `${subdomain}.api.kandji.io`;
  return { baseUrl: `https://${host}`, host, region, subdomain, isLoopback: false };
}

/**
 * Anything users paste as the API URL: a bare subdomain (`acme`, in `region`), a host with or without scheme and
 * path (`ACME.API.KANDJI.IO/`, `https://acme.api.eu.kandji.io/api/v1/`), or the simulator on loopback.
 */
function parseApiUrl(value: string, region: 'us' | 'eu', warnings: string[]): Host {
  if (SUBDOMAIN.test(value.toLowerCase())) return tenantHost(value.toLowerCase(), region);
  let url: URL;
  try {
    url = new URL(/^[a-z][a-z0-9+.-]*:\/\//i.test(value) ? value : `https://${value}`);
  } catch {
    throw new ConfigError(
      `api_url "${value}" is not a URL or host name. Use the API URL shown under Settings → Access, e.g. acme.api.kandji.io.`,
    );
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:')
    throw new ConfigError(`api_url must be an https:// URL or a host name like acme.api.kandji.io, not a ${url.protocol} URL.`);
  if (url.username !== '' || url.password !== '')
    throw new ConfigError('api_url must not hold a user name or password: the token goes in api_token.');
  const hostname = url.hostname.replace(/\.$/, '');
  // The simulator: taken as given, path dropped.
  if (hostname === 'localhost' || hostname === '[::1]' || /^127(?:\.\d{1,3}){3}$/.test(hostname))
    return { baseUrl: `${url.protocol}//${url.host}`, host: url.host, region: 'loopback', subdomain: undefined, isLoopback: true };
  const match = API_HOSTS.map(({ pattern, region: kind }) => ({ kind, m: pattern.exec(hostname) })).find(({ m }) => m !== null);
  if (!match) {
    if (isConsoleHost(hostname)) throw new ConfigError(consoleHostMessage(hostname));
    throw new ConfigError(
      `api_url host ${hostname} is not a Kandji API host. Use the API URL shown under Settings → Access: {subdomain}.api.kandji.io (US), {subdomain}.api.eu.kandji.io (EU) or {subdomain}.api.iru.com.`,
    );
  }
  if (url.protocol === 'http:')
    throw new ConfigError(`api_url ${value} uses http: plain http is only allowed to loopback (the simulator); use https://${hostname}.`);
  const subdomain = match.m?.[1] as string;
  const host = url.port === '' ? hostname : `${hostname}:${url.port}`;
  if (match.kind === 'legacy')
    warnings.push(
      `${hostname} is Kandji's legacy API host; current tenants use ${subdomain}.api.kandji.io, as shown under Settings → Access. Using the legacy host as configured.`,
    );
  return { baseUrl: `https://${host}`, host, region: match.kind, subdomain, isLoopback: false };
}

// ---------------------------------------------------------------------------------------------------------------
// Start date

function resolveStartDate(value: string | undefined, now: number, warnings: string[]): number | undefined {
  if (value === undefined) return undefined;
  // The schema's pattern has checked the shape; this catches dates that do not exist, like 2023-02-30.
  const parsed = parseTimestamp(value);
  if (!parsed.ok || parsed.value === null)
    throw new ConfigError(`start_date ${value} is not a real date. Use YYYY-MM-DD or YYYY-MM-DDTHH:mm:ssZ (UTC).`);
  if (parsed.epochMs > now)
    warnings.push(
      `start_date ${value} is in the future by this machine's clock: if it is also after the tenant's clock, audit_events fails with a config error.`,
    );
  return parsed.epochMs;
}
