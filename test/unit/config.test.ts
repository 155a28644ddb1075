import { mkdtemp, rm, writeFile, mkdir, chmod } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { consoleHostMessage, isConsoleHost, loadConfig, resolveConfig } from '../../source/config.ts';
import { ConfigError } from '../../core/errors.ts';
import { clearSecrets, redact } from '../../core/redact.ts';

const TOKEN = '0f8fad5b-d9cb-469f-a165-70867728950e';

afterEach(() => clearSecrets());

/** The ConfigError `fn` throws; fails the test if it throws anything else or nothing. */
function configError(fn: () => unknown): ConfigError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).failureType).toBe('config_error');
    return error as ConfigError;
  }
  throw new Error('expected a ConfigError, nothing was thrown');
}

describe('resolveConfig: the API host', () => {
  it.each([
    // [api_url as pasted, baseUrl]
    ['acme', 'https://acme.api.kandji.io'],
    ['acme.api.kandji.io', 'https://acme.api.kandji.io'],
    ['https://acme.api.kandji.io', 'https://acme.api.kandji.io'],
    ['https://acme.api.kandji.io/api/v1/', 'https://acme.api.kandji.io'],
    ['https://acme.api.kandji.io/api/v1/devices?limit=1#top', 'https://acme.api.kandji.io'],
    ['ACME.API.KANDJI.IO/', 'https://acme.api.kandji.io'],
    ['  acme.api.kandji.io.  ', 'https://acme.api.kandji.io'],
    ['https://acme.api.kandji.io:443', 'https://acme.api.kandji.io'],
    ['https://acme.api.eu.kandji.io/api/v1/', 'https://acme.api.eu.kandji.io'],
    ['acme.api.eu.kandji.io', 'https://acme.api.eu.kandji.io'],
    ['acme.api.iru.com', 'https://acme.api.iru.com'],
    ['https://my-org2.api.iru.com/api/v1', 'https://my-org2.api.iru.com'],
    ['https://acme.clients.us-1.kandji.io', 'https://acme.clients.us-1.kandji.io'],
  ])('api_url %j → %s', (apiUrl, baseUrl) => {
    const config = resolveConfig({ api_url: apiUrl, api_token: TOKEN });
    expect(config).toMatchObject({ baseUrl, host: new URL(baseUrl).host });
  });

  it('reads a bare word in api_url as a subdomain in the configured region', () => {
    expect(resolveConfig({ api_url: 'acme', region: 'eu', api_token: TOKEN })).toMatchObject({
      baseUrl: 'https://acme.api.eu.kandji.io',
    });
    expect(resolveConfig({ api_url: 'ACME', api_token: TOKEN })).toMatchObject({
      baseUrl: 'https://acme.api.kandji.io',
    });
  });

  it('lets a full api_url name its own region, whatever region says', () => {
    // The Airbyte UI fills in region's default, so an EU user who pastes the EU URL also sends region "us".
    expect(resolveConfig({ api_url: 'acme.api.eu.kandji.io', region: 'us', api_token: TOKEN })).toMatchObject({
      baseUrl: 'https://acme.api.eu.kandji.io',
    });
  });

  it('builds the host from subdomain and region', () => {
    expect(resolveConfig({ subdomain: 'acme', api_token: TOKEN })).toMatchObject({
      baseUrl: 'https://acme.api.kandji.io',
      host: 'acme.api.kandji.io',
    });
    expect(resolveConfig({ subdomain: 'acme', region: 'eu', api_token: TOKEN })).toMatchObject({
      baseUrl: 'https://acme.api.eu.kandji.io',
      host: 'acme.api.eu.kandji.io',
    });
    expect(resolveConfig({ subdomain: ' Acme ', api_token: TOKEN })).toMatchObject({ baseUrl: 'https://acme.api.kandji.io' });
  });

  it('accepts api_url and subdomain together when they name the same tenant', () => {
    expect(resolveConfig({ api_url: 'https://ACME.api.eu.kandji.io', subdomain: 'acme', api_token: TOKEN })).toMatchObject({
      baseUrl: 'https://acme.api.eu.kandji.io',
    });
  });

  it('treats empty and null host fields as not set', () => {
    expect(resolveConfig({ api_url: '', subdomain: 'acme', api_token: TOKEN }).baseUrl).toBe('https://acme.api.kandji.io');
    expect(resolveConfig({ api_url: 'acme.api.kandji.io', subdomain: null, region: null, api_token: TOKEN }).baseUrl).toBe(
      'https://acme.api.kandji.io',
    );
  });

  it('warns about the legacy host but uses it as configured', () => {
    const config = resolveConfig({ api_url: 'https://acme.clients.us-1.kandji.io', api_token: TOKEN });
    expect(config.warnings).toEqual([
      "acme.clients.us-1.kandji.io is Kandji's legacy API host; current tenants use acme.api.kandji.io, as shown under Settings → Access. Using the legacy host as configured.",
    ]);
  });

  it.each([
    ['http://127.0.0.1:4010', 'http://127.0.0.1:4010', '127.0.0.1:4010'],
    ['http://127.0.0.1:4010/api/v1/', 'http://127.0.0.1:4010', '127.0.0.1:4010'],
    ['http://localhost:8080/some/prefix', 'http://localhost:8080', 'localhost:8080'],
    ['http://[::1]:9000/api/v1', 'http://[::1]:9000', '[::1]:9000'],
    ['http://127.1.2.3:80', 'http://127.1.2.3', '127.1.2.3'],
    ['https://localhost:8443', 'https://localhost:8443', 'localhost:8443'],
  ])('takes the simulator on loopback as given: %s → %s', (apiUrl, baseUrl, host) => {
    expect(resolveConfig({ api_url: apiUrl, api_token: TOKEN })).toEqual(expect.objectContaining({ baseUrl, host, warnings: [] }));
  });

  it('takes a loopback URL as given, whatever subdomain says', () => {
    expect(resolveConfig({ api_url: 'http://127.0.0.1:4010', subdomain: 'acme', api_token: TOKEN })).toMatchObject({
      baseUrl: 'http://127.0.0.1:4010',
    });
  });
});

describe('resolveConfig: host mistakes', () => {
  it.each([
    [
      'acme.kandji.io',
      'acme.kandji.io is the Kandji web app, not the API. Use the API URL shown under Settings → Access, e.g. acme.api.kandji.io.',
    ],
    [
      'https://acme.kandji.io/devices',
      'acme.kandji.io is the Kandji web app, not the API. Use the API URL shown under Settings → Access, e.g. acme.api.kandji.io.',
    ],
    [
      'HTTPS://Acme.Kandji.IO/',
      'acme.kandji.io is the Kandji web app, not the API. Use the API URL shown under Settings → Access, e.g. acme.api.kandji.io.',
    ],
    [
      'acme.iru.com',
      'acme.iru.com is the Kandji web app, not the API. Use the API URL shown under Settings → Access, e.g. acme.api.kandji.io.',
    ],
    // Plain http to the console: the host is the bigger mistake, so that is what the message is about.
    [
      'http://acme.kandji.io',
      'acme.kandji.io is the Kandji web app, not the API. Use the API URL shown under Settings → Access, e.g. acme.api.kandji.io.',
    ],
  ])('refuses the console URL %j', (apiUrl, message) => {
    expect(configError(() => resolveConfig({ api_url: apiUrl, api_token: TOKEN })).message).toBe(message);
  });

  it.each([
    'example.com',
    'https://example.com/api/v1',
    'api.kandji.io',
    'www.kandji.io',
    'acme.api.kandji.io.example.com',
    'acme.api.kandji.com',
    'acme.eu.kandji.io',
  ])('refuses %j as not a Kandji API host', (apiUrl) => {
    expect(configError(() => resolveConfig({ api_url: apiUrl, api_token: TOKEN })).message).toMatch(
      /^api_url host \S+ is not a Kandji API host\. Use the API URL shown under Settings → Access: \{subdomain\}\.api\.kandji\.io \(US\), \{subdomain\}\.api\.eu\.kandji\.io \(EU\) or \{subdomain\}\.api\.iru\.com\.$/,
    );
  });

  it('refuses plain http to anything but loopback', () => {
    expect(configError(() => resolveConfig({ api_url: 'http://acme.api.kandji.io/api/v1', api_token: TOKEN })).message).toBe(
      'api_url http://acme.api.kandji.io/api/v1 uses http: plain http is only allowed to loopback (the simulator); use https://acme.api.kandji.io.',
    );
  });

  it('refuses other schemes, credentials in the URL, and text that is no URL', () => {
    expect(configError(() => resolveConfig({ api_url: 'ftp://acme.api.kandji.io', api_token: TOKEN })).message).toBe(
      'api_url must be an https:// URL or a host name like acme.api.kandji.io, not a ftp: URL.',
    );
    expect(configError(() => resolveConfig({ api_url: 'https://me:pw@acme.api.kandji.io', api_token: TOKEN })).message).toBe(
      'api_url must not hold a user name or password: the token goes in api_token.',
    );
    expect(configError(() => resolveConfig({ api_url: 'acme api kandji', api_token: TOKEN })).message).toBe(
      'api_url "acme api kandji" is not a URL or host name. Use the API URL shown under Settings → Access, e.g. acme.api.kandji.io.',
    );
  });

  it.each(['acme.api.kandji.io', 'https://acme.api.kandji.io', 'acme.kandji.io', 'localhost:8080'])(
    'refuses a host or URL in subdomain: %j',
    (subdomain) => {
      expect(configError(() => resolveConfig({ subdomain, api_token: TOKEN })).message).toBe(
        `subdomain "${subdomain}" is not a subdomain: subdomain is just the first label, e.g. 'acme'; put full URLs in api_url.`,
      );
    },
  );

  it('refuses a subdomain with characters no host name has', () => {
    expect(configError(() => resolveConfig({ subdomain: 'acme_corp', api_token: TOKEN })).message).toBe(
      `subdomain "acme_corp" may only hold letters, digits and inner hyphens, e.g. 'acme'.`,
    );
    expect(configError(() => resolveConfig({ subdomain: '-acme', api_token: TOKEN })).message).toMatch(/^subdomain "-acme" may only hold/);
  });

  it('refuses a configuration with neither api_url nor subdomain', () => {
    const message =
      'Neither api_url nor subdomain is set. Set api_url to the API URL shown in Kandji under Settings → Access, e.g. acme.api.kandji.io (or set subdomain and region).';
    expect(configError(() => resolveConfig({ api_token: TOKEN })).message).toBe(message);
    expect(configError(() => resolveConfig({ api_url: '  ', subdomain: '', api_token: TOKEN })).message).toBe(message);
  });

  it('refuses api_url and subdomain that name different tenants', () => {
    expect(configError(() => resolveConfig({ api_url: 'acme.api.kandji.io', subdomain: 'other', api_token: TOKEN })).message).toBe(
      'api_url points at the tenant "acme" (acme.api.kandji.io) but subdomain says "other". Set only api_url, or make the two agree.',
    );
  });
});

describe('isConsoleHost', () => {
  it('knows the web app hosts, with any case, port or trailing dot', () => {
    for (const host of ['acme.kandji.io', 'ACME.KANDJI.IO', 'acme.kandji.io:443', 'acme.kandji.io.', 'acme.iru.com'])
      expect(isConsoleHost(host), host).toBe(true);
  });

  it('is not fooled by API hosts or bare vendor domains', () => {
    for (const host of [
      'acme.api.kandji.io',
      'acme.api.eu.kandji.io',
      'acme.api.iru.com',
      'api.kandji.io',
      'www.kandji.io',
      'kandji.io',
      'iru.com',
      'acme.kandji.io.evil.com',
    ])
      expect(isConsoleHost(host), host).toBe(false);
  });

  it('has a message that names the API host to use instead', () => {
    expect(consoleHostMessage('Acme.Kandji.io:443')).toBe(
      'acme.kandji.io is the Kandji web app, not the API. Use the API URL shown under Settings → Access, e.g. acme.api.kandji.io.',
    );
  });
});

describe('resolveConfig: the token', () => {
  it('strips surrounding whitespace and a pasted Bearer prefix', () => {
    for (const pasted of [TOKEN, `  ${TOKEN}\n`, `Bearer ${TOKEN}`, `bearer   ${TOKEN} `, `\tBEARER ${TOKEN}`])
      expect(resolveConfig({ api_url: 'acme', api_token: pasted }).token, JSON.stringify(pasted)).toBe(TOKEN);
  });

  it('keeps the token as given otherwise (upper-case hex included)', () => {
    expect(resolveConfig({ api_url: 'acme', api_token: TOKEN.toUpperCase() }).token).toBe(TOKEN.toUpperCase());
  });

  it('registers the token so that every output is redacted', () => {
    resolveConfig({ api_url: 'acme', api_token: `Bearer ${TOKEN}` });
    expect(redact(`token=${TOKEN}`)).toBe('token=**********');
    expect(redact(`Authorization: Bearer ${TOKEN}`)).not.toContain(TOKEN);
  });

  it('refuses an empty token', () => {
    for (const api_token of ['', '   ', 'Bearer', 'Bearer ', ' bearer  '])
      expect(configError(() => resolveConfig({ api_url: 'acme', api_token })).message, JSON.stringify(api_token)).toBe(
        'api_token is empty. Paste the API token from Kandji: Settings → Access → API tokens.',
      );
  });

  it('refuses a missing or null token', () => {
    for (const config of [{ api_url: 'acme' }, { api_url: 'acme', api_token: null }])
      expect(configError(() => resolveConfig(config)).message).toBe(
        'The configuration is invalid: api_token is missing: An API token of the tenant (a UUID), from Settings → Access → API tokens.',
      );
  });

  it('takes a token that is not a UUID with a warning that says what Kandji tokens look like, without quoting it', () => {
    // The public OpenAPI describes the bearer token as a JWT: a token of another shape may be real, so it is sent.
    const notUuid = 'eyJhbGciOiJIUzI1NiJ9.c2VjcmV0LXRva2VuLXZhbHVl.abc';
    const config = resolveConfig({ api_url: 'acme', api_token: notUuid });
    expect(config.token).toBe(notUuid);
    expect(config.warnings).toEqual([
      `api_token is not shaped like a Kandji API token (a UUID, 36 characters like 12345678-abcd-4def-8123-456789abcdef; the value given has ${notUuid.length} characters). It is sent as given; if Kandji answers 401, copy the token again from Settings → Access → API tokens.`,
    ]);
    expect(resolveConfig({ api_url: 'acme', api_token: TOKEN }).warnings).toEqual([]);
  });

  it('refuses a token that an HTTP header cannot carry', () => {
    expect(configError(() => resolveConfig({ api_url: 'acme', api_token: `${TOKEN} ${TOKEN}` })).message).toMatch(
      /^api_token holds spaces, line breaks or other characters an HTTP header cannot carry\./,
    );
  });

  it('refuses a token of the wrong type without quoting it', () => {
    expect(configError(() => resolveConfig({ api_url: 'acme', api_token: 1234567890123 })).message).toBe(
      'The configuration is invalid: api_token must be a string.',
    );
  });

  describe('never puts the token, or what was pasted as one, in a message', () => {
    const nearMisses = [`${TOKEN}x`, `"${TOKEN}"`, `Token ${TOKEN}`, TOKEN.replace(/-/g, ''), `${TOKEN.slice(0, 35)}z`];
    it.each(nearMisses)('not even a near miss, in an error or a warning: %s', (api_token) => {
      let message: string;
      try {
        message = resolveConfig({ api_url: 'acme', api_token }).warnings.join(' ');
      } catch (error) {
        message = (error as Error).message;
      }
      expect(message).toMatch(/api_token/);
      expect(message).not.toContain(api_token);
      expect(message).not.toContain(TOKEN.slice(0, 8));
    });

    it.each([
      { api_url: 'https://acme.kandji.io', api_token: TOKEN },
      { api_url: 'example.com', api_token: TOKEN },
      { api_url: 'http://acme.api.kandji.io', api_token: TOKEN },
      { api_token: TOKEN },
      { api_url: 'acme', subdomain: 'other', api_token: TOKEN },
      { api_url: 'acme', api_token: TOKEN, max_concurrency: 99, region: 'mars', start_date: 'soon' },
    ])('nor in any other failure: %j', (config) => {
      const { message } = configError(() => resolveConfig(config));
      expect(message).not.toContain(TOKEN);
      expect(message).not.toContain(TOKEN.slice(0, 8));
    });
  });
});

describe('resolveConfig: the other fields', () => {
  it('applies the documented defaults, in the units ResolvedConfig names', () => {
    expect(resolveConfig({ api_url: 'acme', api_token: TOKEN })).toEqual({
      baseUrl: 'https://acme.api.kandji.io',
      host: 'acme.api.kandji.io',
      token: TOKEN,
      startDate: undefined,
      requestBudgetShare: 0.5,
      maxConcurrency: 4,
      requestTimeoutMs: 30_000,
      deviceDetailsMaxPerSync: 2000,
      deviceAppsSource: 'prism',
      deviceHistoryMaxPerSync: 500,
      lookbackMs: 900_000,
      fullReadEveryDays: 7,
      warnings: [],
    });
  });

  it('takes every field as given, and allows unknown keys', () => {
    const config = resolveConfig({
      api_url: 'acme',
      api_token: TOKEN,
      start_date: '2024-01-01',
      request_budget_share: 0.25,
      max_concurrency: 16,
      request_timeout_seconds: 300,
      device_details_max_per_sync: 0,
      device_apps_source: 'per_device',
      _test_note: 'CAT strips keys starting with _',
      something_new: { a: 1 },
    });
    expect(config).toMatchObject({
      startDate: Date.UTC(2024, 0, 1),
      requestBudgetShare: 0.25,
      maxConcurrency: 16,
      requestTimeoutMs: 300_000,
      deviceDetailsMaxPerSync: 0,
      deviceAppsSource: 'per_device',
    });
  });

  it.each([
    ['2024-01-01', Date.UTC(2024, 0, 1)],
    ['2024-01-01T12:30:00Z', Date.UTC(2024, 0, 1, 12, 30)],
    ['2024-01-01T12:30:00', Date.UTC(2024, 0, 1, 12, 30)],
    ['2024-01-01T12:30:00.250+02:00', Date.UTC(2024, 0, 1, 10, 30, 0, 250)],
    [' 2024-01-01 ', Date.UTC(2024, 0, 1)],
  ])('reads start_date %j as UTC', (start_date, ms) => {
    expect(resolveConfig({ api_url: 'acme', api_token: TOKEN, start_date }).startDate).toBe(ms);
  });

  it('treats an empty or null start_date as not set', () => {
    expect(resolveConfig({ api_url: 'acme', api_token: TOKEN, start_date: '' }).startDate).toBeUndefined();
    expect(resolveConfig({ api_url: 'acme', api_token: TOKEN, start_date: null }).startDate).toBeUndefined();
  });

  it('refuses a start_date in another shape, or one that does not exist', () => {
    expect(configError(() => resolveConfig({ api_url: 'acme', api_token: TOKEN, start_date: '01/02/2024' })).message).toBe(
      'The configuration is invalid: start_date must be a string of the form YYYY-MM-DD or YYYY-MM-DDTHH:mm:ssZ, not "01/02/2024".',
    );
    expect(configError(() => resolveConfig({ api_url: 'acme', api_token: TOKEN, start_date: '2023-02-30' })).message).toBe(
      'start_date 2023-02-30 is not a real date. Use YYYY-MM-DD or YYYY-MM-DDTHH:mm:ssZ (UTC).',
    );
  });

  it('warns of an unknown key, naming the closest known one, and never its value', () => {
    const config = resolveConfig({
      api_url: 'acme',
      api_token: TOKEN,
      start_data: '2024-01-01',
      max_concurency: 2,
      colour: 'blue',
      _note: 'x',
    });
    expect(config.warnings).toEqual([
      'start_data: unknown key; did you mean start_date?',
      'max_concurency: unknown key; did you mean max_concurrency?',
      'colour: unknown key; ignored (the known keys are in spec.json).',
    ]);
    expect(config.startDate).toBeUndefined();
    expect(configError(() => resolveConfig({ api_url: 'acme', api_tokn: TOKEN })).message).toMatch(
      /^The configuration is invalid: api_token is missing: .* \(api_tokn: unknown key; did you mean api_token\?\)$/,
    );
  });

  it('warns when start_date is in the future', () => {
    const now = Date.UTC(2026, 0, 1);
    expect(resolveConfig({ api_url: 'acme', api_token: TOKEN, start_date: '2026-06-01' }, now).warnings).toEqual([
      "start_date 2026-06-01 is in the future by this machine's clock: if it is also after the tenant's clock, audit_events fails with a config error.",
    ]);
    expect(resolveConfig({ api_url: 'acme', api_token: TOKEN, start_date: '2025-06-01' }, now).warnings).toEqual([]);
  });

  it('names every wrong field with the type and range it needs, and what it got', () => {
    expect(
      configError(() =>
        resolveConfig({
          api_url: 'acme',
          api_token: TOKEN,
          region: 'EU',
          request_budget_share: '0.5',
          max_concurrency: 2.5,
          request_timeout_seconds: 0,
          device_details_max_per_sync: 100_001,
          device_apps_source: 'both',
        }),
      ).message,
    ).toBe(
      'The configuration is invalid: region must be one of "us", "eu", not "EU". ' +
        'request_budget_share must be a number from 0.01 to 1, not "0.5". ' +
        'max_concurrency must be an integer from 1 to 16, not 2.5. ' +
        'request_timeout_seconds must be an integer from 1 to 300, not 0. ' +
        'device_details_max_per_sync must be an integer from 0 to 100000, not 100001. ' +
        'device_apps_source must be one of "prism", "per_device", not "both".',
    );
  });

  it('refuses a subdomain or api_url that is not a string', () => {
    expect(configError(() => resolveConfig({ api_url: 42, api_token: TOKEN })).message).toBe(
      'The configuration is invalid: api_url must be a string, not 42.',
    );
    expect(configError(() => resolveConfig({ subdomain: ['acme'], api_token: TOKEN })).message).toBe(
      'The configuration is invalid: subdomain must be a string, not ["acme"].',
    );
  });

  it('refuses a configuration that is not an object', () => {
    for (const [raw, kind] of [
      [null, 'null'],
      [[], 'an array'],
      ['acme', 'a string'],
      [7, 'a number'],
    ] as const)
      expect(configError(() => resolveConfig(raw)).message).toBe(
        `The configuration is ${kind}, not a JSON object. It should hold a JSON object like {"api_url": "acme.api.kandji.io", "api_token": "<the API token from Settings → Access>"}.`,
      );
  });
});

describe('loadConfig', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'source-kandji-config-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  async function file(name: string, text: string): Promise<string> {
    const path = join(dir, name);
    await writeFile(path, text);
    return path;
  }

  async function loadError(path: string): Promise<ConfigError> {
    const error = await loadConfig(path).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(ConfigError);
    return error as ConfigError;
  }

  it('reads and resolves a file', async () => {
    const path = await file('ok.json', JSON.stringify({ api_url: 'https://acme.api.eu.kandji.io/api/v1/', api_token: TOKEN }));
    expect(await loadConfig(path)).toMatchObject({ baseUrl: 'https://acme.api.eu.kandji.io', token: TOKEN });
  });

  it('says when the file does not exist', async () => {
    const path = join(dir, 'missing.json');
    expect((await loadError(path)).message).toBe(
      `The config file ${path} does not exist. Pass --config with the path of your configuration file. It should hold a JSON object like {"api_url": "acme.api.kandji.io", "api_token": "<the API token from Settings → Access>"}.`,
    );
  });

  it('says when the path is a directory', async () => {
    const path = join(dir, 'a-directory');
    await mkdir(path);
    expect((await loadError(path)).message).toBe(
      `The config path ${path} is a directory, not a file. Pass --config with the path of your configuration file.`,
    );
  });

  it.skipIf(process.getuid?.() === 0)('says when the file cannot be read', async () => {
    const path = await file('locked.json', '{}');
    await chmod(path, 0o000);
    expect((await loadError(path)).message).toBe(`Could not read the config file ${path} (EACCES). Check that it exists and is readable.`);
  });

  it('says when the file is empty', async () => {
    const path = await file('empty.json', '  \n');
    expect((await loadError(path)).message).toBe(
      `The config file ${path} is empty. It should hold a JSON object like {"api_url": "acme.api.kandji.io", "api_token": "<the API token from Settings → Access>"}.`,
    );
  });

  it('says when the file is not JSON, with the position and no quote of its text', async () => {
    const missingComma = await file('comma.json', `{"api_url": "acme"\n "api_token": "${TOKEN}"}`);
    const error = await loadError(missingComma);
    expect(error.message).toMatch(
      new RegExp(
        `^The config file ${missingComma} is not valid JSON \\(.*line 2 column 2\\)\\)\\. Look for a missing comma or quote, a trailing comma, or a comment \\(JSON allows none\\)\\.$`,
      ),
    );
    expect(error.message).not.toContain(TOKEN);

    // V8 quotes the text around an unexpected token (`..."i_token": x0f8fad5b-"... is not valid JSON`): the
    // quote must not reach the message.
    const unquoted = await file('unquoted.json', `{"api_token": x${TOKEN}}`);
    expect((await loadError(unquoted)).message).toBe(
      `The config file ${unquoted} is not valid JSON (Unexpected token 'x'). Look for a missing comma or quote, a trailing comma, or a comment (JSON allows none).`,
    );
    const trailing = await file('trailing.json', `{"api_token": "${TOKEN}"} and more`);
    const trailingError = await loadError(trailing);
    expect(trailingError.message).toMatch(
      / is not valid JSON \(Unexpected non-whitespace character after JSON at position \d+ \(line 1 column \d+\)\)\. /,
    );
    expect(trailingError.message).not.toContain(TOKEN.slice(0, 8));
  });

  it.each([
    ['[]', 'an array'],
    ['"acme"', 'a string'],
    ['null', 'null'],
    ['42', 'a number'],
  ])('says when the file holds %s instead of an object', async (text, kind) => {
    const path = await file(`kind-${kind.replace(' ', '-')}.json`, text);
    expect((await loadError(path)).message).toBe(
      `The config file ${path} holds ${kind}, not a JSON object. It should hold a JSON object like {"api_url": "acme.api.kandji.io", "api_token": "<the API token from Settings → Access>"}.`,
    );
  });
});

describe('hostile or odd config files', () => {
  it('never echoes a UUID-like value pasted into the wrong field', () => {
    const token = '0f6c1b7e-3a2d-4e5f-8a9b-0c1d2e3f4a5b';
    let message = '';
    try {
      resolveConfig({ api_url: 'acme.api.kandji.io', api_token: '11111111-2222-4333-8444-555555555555', request_timeout_seconds: token });
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).toMatch(/request_timeout_seconds must be/);
    expect(message).toContain('not shown');
    expect(message).not.toContain(token);
  });

  it('ignores fields hidden under __proto__', () => {
    const raw = JSON.parse('{"__proto__": {"api_url": "acme.api.kandji.io", "api_token": "0f6c1b7e-3a2d-4e5f-8a9b-0c1d2e3f4a5b"}}');
    expect(() => resolveConfig(raw)).toThrow(/api_token is missing/);
  });

  it('reads a file that starts with a byte-order mark', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'kandji-bom-'));
    const path = join(dir, 'config.json');
    await writeFile(path, '\uFEFF{"api_url": "acme.api.kandji.io", "api_token": "0f6c1b7e-3a2d-4e5f-8a9b-0c1d2e3f4a5b"}');
    expect((await loadConfig(path)).baseUrl).toBe('https://acme.api.kandji.io');
  });
});
