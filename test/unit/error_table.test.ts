/**
 * The error table (core/http/errors.ts), pinned row by row: what the client meets → what it does → the failure type
 * → the words of the message that name the fix. A change of any row's decision fails here first.
 */
import { describe, expect, it } from 'vitest';
import { classify, conditionOf, ERROR_TABLE, type Condition, type Situation } from '../../core/http/errors.ts';
import { serverWait } from '../../core/http/client.ts';

const BASE: Situation = {
  endpoint: 'GET /devices',
  host: 'acme.api.kandji.io',
  permission: 'Device list',
  body: '{"detail":"Invalid token."}',
  timeoutSeconds: 30,
  tokenProven: false,
  attempts: 8,
};

type Case = [string, Condition, Partial<Situation>, string, string | undefined, RegExp | undefined];

const CASES: Case[] = [
  ['200', { status: 200 }, {}, 'return', undefined, undefined],
  ['204', { status: 204 }, {}, 'return', undefined, undefined],
  ['429', { status: 429 }, {}, 'wait', 'transient_error', /429 Too Many Requests after 8 attempts.*lower request_budget_share/],
  ['first 401', { status: 401 }, {}, 'fail', 'config_error', /rejected the API token \(HTTP 401\).*into api_token/],
  ['401 once the token is proven', { status: 401 }, { tokenProven: true }, 'fail', 'config_error', /not allowed.*enable "Device list"/],
  ['403', { status: 403 }, {}, 'fail', 'config_error', /not allowed to call GET \/devices \(HTTP 403\).*enable "Device list"/],
  ['404', { status: 404 }, {}, 'skip', 'system_error', /answered 404/],
  ['302', { status: 302 }, {}, 'fail', 'system_error', /redirect \(HTTP 302\).*Check api_url/],
  ['400', { status: 400 }, { body: '{"detail":"bad filter"}' }, 'fail', 'system_error', /HTTP 400\): bad filter/],
  ['500', { status: 500 }, {}, 'retry', 'transient_error', /kept failing after 8 attempts \(last: HTTP 500\)/],
  ['503', { status: 503 }, {}, 'retry', 'transient_error', /Kandji may be having trouble/],
  ['599', { status: 599 }, {}, 'retry', 'transient_error', /HTTP 599/],
  ['truncated JSON', { code: 'BAD_JSON' }, {}, 'retry', 'transient_error', /last: BAD_JSON/],
  [
    'DNS fails, the apex resolves',
    { code: 'ENOTFOUND' },
    { otherHostResolves: true, probeHost: 'kandji.io' },
    'fail',
    'config_error',
    /acme\.api\.kandji\.io does not exist.*kandji\.io resolves.*typo.*subdomain and the region/,
  ],
  [
    'DNS fails everywhere',
    { code: 'ENOTFOUND' },
    { otherHostResolves: false, probeHost: 'kandji.io' },
    'fail',
    'transient_error',
    /Could not look up acme\.api\.kandji\.io, nor kandji\.io.*network may be down.*HTTPS_PROXY.*typo/,
  ],
  ['DNS answers nothing', { code: 'EAI_AGAIN' }, {}, 'fail', 'transient_error', /Could not look up/],
  ['proxy wants credentials', { code: 'PROXY_AUTH' }, { proxy: 'proxy:3128' }, 'fail', 'config_error', /proxy:3128 asks for credentials/],
  ['proxy refuses the tunnel', { code: 'PROXY_REFUSED' }, { proxy: 'proxy:3128' }, 'retry', 'transient_error', /NO_PROXY/],
  ['expired certificate', { code: 'CERT_HAS_EXPIRED' }, {}, 'fail', 'config_error', /could not be verified.*NODE_EXTRA_CA_CERTS/],
  [
    'plain HTTP on a TLS port',
    { code: 'ERR_SSL_WRONG_VERSION_NUMBER' },
    { host: '127.0.0.1:4010' },
    'fail',
    'config_error',
    /does not speak HTTPS.*http:\/\/127\.0\.0\.1:4010/,
  ],
  [
    'headers timeout',
    { code: 'UND_ERR_HEADERS_TIMEOUT' },
    {},
    'retry',
    'transient_error',
    /within request_timeout_seconds \(30 s\).*raise request_timeout_seconds/,
  ],
  ['body timeout', { code: 'UND_ERR_BODY_TIMEOUT' }, {}, 'retry', 'transient_error', /request_timeout_seconds/],
  ['connection refused', { code: 'ECONNREFUSED' }, {}, 'retry', 'transient_error', /Nothing answers on acme\.api\.kandji\.io.*port/],
  ['reset', { code: 'ECONNRESET' }, {}, 'retry', 'transient_error', /last: ECONNRESET/],
  ['anything else', { code: 'SOMETHING_NEW' }, {}, 'retry', 'transient_error', /last: SOMETHING_NEW/],
];

describe('the error table', () => {
  it.each(CASES)('%s → %s', (_name, condition, overrides, action, failureType, message) => {
    const situation = { ...BASE, ...overrides };
    const row = classify(condition, situation);
    expect(row.action).toBe(action);
    expect(row.failureType).toBe(failureType);
    const error = row.error?.(situation, condition);
    if (message === undefined) return void expect(error).toBeUndefined();
    expect(error?.failureType).toBe(failureType);
    expect(error?.message).toMatch(message);
  });

  it('has a reason for the log on every row that retries, and an error on every row that does not return', () => {
    for (const row of ERROR_TABLE) {
      if (row.action === 'retry' || row.action === 'wait') expect(row.why, row.when).toBeDefined();
      if (row.action !== 'return') expect(row.error, row.when).toBeDefined();
    }
    // Only what belongs to the connection, not to one endpoint, stops the whole read.
    expect(ERROR_TABLE.filter((row) => row.stopsRun).map((row) => row.when)).toEqual([
      '401, and the token reads nothing, not even GET /devices (the token)',
      'DNS lookup fails while the domain apex resolves (a typo)',
      'DNS lookup fails for every host (no network or no DNS)',
      'the proxy asks for credentials (407)',
      'TLS certificate not trusted',
      'the host answers plain HTTP to HTTPS',
    ]);
    // The last row catches everything, so every condition has a decision.
    expect(ERROR_TABLE.at(-1)?.matches({ code: 'x' }, BASE)).toBe(true);
  });

  it("names the proxy's answers, which undici reports as plain errors", () => {
    expect(conditionOf(new Error('Proxy response (403) !== 200 when HTTP Tunneling'))).toEqual({ code: 'PROXY_REFUSED' });
    expect(conditionOf(new Error('Proxy response (407) !== 200 when HTTP Tunneling'))).toEqual({ code: 'PROXY_AUTH' });
    expect(conditionOf(Object.assign(new Error('getaddrinfo ENOTFOUND x'), { code: 'ENOTFOUND' }))).toEqual({ code: 'ENOTFOUND' });
  });
});

describe("the server's wait", () => {
  it('reads Retry-After in seconds or as an HTTP date, and beats RateLimit-Reset', () => {
    expect(serverWait({ 'retry-after': '3', 'ratelimit-reset': '40' }, true)).toBe(3000);
    const at = new Date(Date.now() + 10_000).toUTCString();
    expect(serverWait({ 'retry-after': at }, true)).toBeGreaterThan(8000);
  });

  it('takes RateLimit-Reset for a 429 without Retry-After, and no header for a 5xx', () => {
    expect(serverWait({ 'ratelimit-reset': '7' }, true)).toBe(7000);
    expect(serverWait({ 'ratelimit-reset': '7' }, false)).toBeUndefined();
  });

  it('reads an empty or unreadable Retry-After as no wait, not as 0 s', () => {
    expect(serverWait({ 'retry-after': '' }, false)).toBeUndefined();
    expect(serverWait({ 'retry-after': '  ' }, false)).toBeUndefined();
    expect(serverWait({ 'retry-after': 'soon' }, false)).toBeUndefined();
    expect(serverWait({ 'retry-after': '', 'ratelimit-reset': '' }, true)).toBeUndefined();
    expect(serverWait({ 'retry-after': '', 'ratelimit-reset': '2' }, true)).toBe(2000);
  });
});

describe('docs/airbyte.md', () => {
  it("lists every row of the table by its `when`, so the documented table is the code's", async () => {
    const { readFileSync } = await import('node:fs');
    const doc = readFileSync(new URL('../../docs/airbyte.md', import.meta.url), 'utf8');
    for (const row of ERROR_TABLE) {
      const line = doc.split('\n').find((l) => l.startsWith(`| ${row.when} `));
      expect(line, row.when).toBeDefined();
      expect(line?.includes('send no more'), row.when).toBe(row.stopsRun === true);
      if (row.failureType) expect(line, row.when).toContain(row.failureType);
    }
  });
});
