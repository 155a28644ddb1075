/**
 * Fuzzing the three inputs a user hands the connector (issue 6): config, catalog and state, as parsed values and as
 * file text. For any input, parsing either gives a valid result or throws a ConfigError — a message the user can
 * act on, failure_type config_error — never another error (a TypeError would reach the user as a system error
 * with a stack trace). And no message ever contains the token, whatever was pasted where.
 *
 * Seeded: fast-check replays the same inputs on every run; a failure prints the seed and the shrunk input.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { loadCatalog, parseCatalog } from '../../source/catalog.ts';
import { loadConfig, resolveConfig } from '../../source/config.ts';
import { ConfigError } from '../../core/errors.ts';
import { clearSecrets, redact } from '../../core/redact.ts';
import { STREAMS } from '../../streams/index.ts';
import { readAuditBookmark, readRollingBookmark, readPrismBookmark } from '../../state/bookmarks.ts';
import { loadState, parseState } from '../../state/input.ts';

const SEED = 6_2026;
const RUNS = 1000;
const params = { seed: SEED, numRuns: RUNS };
const NOW = Date.UTC(2026, 0, 5);

afterEach(() => clearSecrets());

/** Run `fn`; a ConfigError is an acceptable outcome, any other throw fails the property. Returns the error, if any. */
async function onlyConfigErrors(fn: () => unknown): Promise<ConfigError | undefined> {
  try {
    await fn();
    return undefined;
  } catch (error) {
    if (!(error instanceof ConfigError))
      throw new Error(`expected a ConfigError, got ${(error as Error)?.name}: ${(error as Error)?.message}`, { cause: error });
    expect(error.failureType).toBe('config_error');
    expect(error.message.length).toBeGreaterThan(10);
    return error;
  }
}

const dir = mkdtempSync(join(tmpdir(), 'source-kandji-fuzz-'));
let files = 0;
function file(text: string): string {
  const path = join(dir, `f${files++}.json`);
  writeFileSync(path, text);
  return path;
}

// ---------------------------------------------------------------------------------------------------------------
// Generators

/** Values of every JSON type, weighted towards the ones a config field might hold or be mistaken for. */
const oddValue = fc.oneof(
  fc.constantFrom(null, '', ' ', 0, -1, 1.5, true, false, [], {}, '0', 'NaN', 'null', '1e3', '  42  '),
  fc.string(),
  fc.integer(),
  fc.double({ noNaN: true }),
  fc.jsonValue({ maxDepth: 2 }),
);

const hosts = fc.constantFrom(
  'acme',
  'acme.api.kandji.io',
  'https://acme.api.eu.kandji.io/api/v1/',
  'http://acme.api.kandji.io',
  'acme.kandji.io',
  'acme.api.iru.com',
  'acme.clients.us-1.kandji.io',
  'http://127.0.0.1:1',
  'http://localhost:8080/api',
  'http://[::1]:9',
  'ftp://acme.api.kandji.io',
  'https://user:pw@acme.api.kandji.io',
  'https://acme.api.kandji.io:99999',
  'https://',
  '://',
  'https://xn--acm-fla.api.kandji.io',
  'ACME.API.KANDJI.IO.',
  'a'.repeat(70),
  'acme..api.kandji.io',
  '-acme.api.kandji.io',
);

const dates = fc.oneof(
  fc.constantFrom(
    '2026-01-01',
    '2026-02-30',
    '2026-01-01T00:00:00Z',
    '2026-01-01T25:00:00Z',
    '9999-12-31',
    '0000-01-01',
    '2026-1-1',
    'yesterday',
    '',
  ),
  fc.date({ noInvalidDate: true }).map((d) => d.toISOString()),
);

const FIELDS = [
  'api_url',
  'api_token',
  'subdomain',
  'region',
  'start_date',
  'request_budget_share',
  'max_concurrency',
  'request_timeout_seconds',
  'device_details_max_per_sync',
  'device_apps_source',
];

/** Config-shaped objects: the spec's fields (and others), each with a plausible value or an odd one. */
const configLike = (token: fc.Arbitrary<string>) =>
  fc.dictionary(
    fc.oneof(fc.constantFrom(...FIELDS), fc.string({ maxLength: 8 })),
    fc.oneof(hosts, token, dates, fc.constantFrom('us', 'eu', 'EU', 'prism', 'per_device', 'both'), oddValue),
    { maxKeys: 8 },
  );

/** A token, or something pasted as one: UUIDs with a Bearer prefix or whitespace, and near misses. */
const tokens = fc.oneof(
  fc.uuid(),
  fc.uuid().map((t) => `Bearer ${t}`),
  fc.uuid().map((t) => `  ${t.toUpperCase()}\n`),
  fc.uuid().map((t) => t.slice(0, 30)),
  fc.uuid().map((t) => `${t}x`),
  fc.stringMatching(/^[0-9a-f-]{12,40}$/),
);

const streamNames = fc.oneof(
  fc.constantFrom(...STREAMS.map((s) => s.name)),
  fc.constantFrom('__proto__', 'constructor', 'toString', ''),
  fc.string({ maxLength: 12 }),
);

/** Catalog-shaped values: a streams list of entries that are right, half right, or anything. */
const catalogLike = fc.oneof(
  fc.record(
    {
      streams: fc.array(
        fc.oneof(
          fc.record(
            {
              stream: fc.oneof(
                fc.record(
                  { name: fc.oneof(streamNames, oddValue), json_schema: oddValue, supported_sync_modes: oddValue },
                  { requiredKeys: [] },
                ),
                oddValue,
              ),
              sync_mode: fc.oneof(fc.constantFrom('full_refresh', 'incremental', 'INCREMENTAL', 'append'), oddValue),
              destination_sync_mode: oddValue,
              cursor_field: oddValue,
            },
            { requiredKeys: [] },
          ),
          oddValue,
        ),
        { maxLength: 6 },
      ),
    },
    { requiredKeys: [] },
  ),
  fc.jsonValue({ maxDepth: 4 }),
);

/** Bookmark-shaped states: the fields each kind keeps, with right, wrong and odd values. */
const streamState = fc.oneof(
  fc.record(
    {
      updated_at: fc.oneof(dates, oddValue),
      occurred_at: fc.oneof(dates, oddValue),
      refreshed_at: fc.oneof(dates, oddValue),
      ids_at_cursor: fc.oneof(fc.array(fc.string()), oddValue),
      pending_after: fc.oneof(fc.uuid(), oddValue),
      pending_since: fc.oneof(dates, oddValue),
      resume: fc.oneof(fc.record({ cursor: oddValue, anchor: fc.oneof(dates, oddValue) }, { requiredKeys: [] }), oddValue),
    },
    { requiredKeys: [] },
  ),
  oddValue,
);

const stateLike = fc.oneof(
  fc.array(
    fc.oneof(
      fc.record(
        {
          type: fc.oneof(fc.constantFrom('STREAM', 'GLOBAL', 'LEGACY', 'stream'), oddValue),
          stream: fc.oneof(
            fc.record(
              {
                stream_descriptor: fc.oneof(
                  fc.record({ name: fc.oneof(streamNames, oddValue), namespace: oddValue }, { requiredKeys: [] }),
                  oddValue,
                ),
                stream_state: streamState,
              },
              { requiredKeys: [] },
            ),
            oddValue,
          ),
          data: oddValue,
          global: oddValue,
        },
        { requiredKeys: [] },
      ),
      oddValue,
    ),
    { maxLength: 5 },
  ),
  fc.jsonValue({ maxDepth: 4 }),
);

/** File text: valid JSON of a shape, the same cut short or with a character changed, or any text at all. */
const fileText = (shape: fc.Arbitrary<unknown>) =>
  fc.oneof(
    shape.map((v) => JSON.stringify(v) ?? 'undefined'),
    fc.tuple(shape, fc.nat(), fc.string({ maxLength: 2 })).map(([v, at, s]) => {
      const text = JSON.stringify(v) ?? '';
      const i = text.length === 0 ? 0 : at % text.length;
      return text.slice(0, i) + s + text.slice(i + 1);
    }),
    fc.string({ maxLength: 60 }),
    fc.constantFrom('', '   \n', '\uFEFF{}', '[', '{"streams": [', 'null', 'true', '"text"', '[]', '{}', '\u0000'),
  );

// ---------------------------------------------------------------------------------------------------------------

describe('config', () => {
  it('resolveConfig gives a config or a ConfigError, for any JSON value', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(configLike(tokens), fc.jsonValue({ maxDepth: 3 })),
        async (raw) => void (await onlyConfigErrors(() => resolveConfig(raw, NOW))),
      ),
      params,
    );
  });

  it('a valid config always resolves to an https Kandji host or loopback, with the token cleaned', async () => {
    await fc.assert(
      fc.asyncProperty(fc.uuid(), hosts, configLike(fc.constant('x')), async (token, apiUrl, extra) => {
        const raw = { ...extra, api_url: apiUrl, api_token: ` Bearer ${token} ` };
        const error = await onlyConfigErrors(() => resolveConfig(raw, NOW));
        if (error) return;
        const config = resolveConfig(raw, NOW);
        expect(config.token).toBe(token);
        expect(
          /^http:\/\/(?:localhost|127(?:\.\d{1,3}){3}|\[::1\])(?::\d+)?$/.test(config.baseUrl) || config.baseUrl.startsWith('https://'),
        ).toBe(true);
      }),
      params,
    );
  });

  it('no message quotes the token, wherever it was put; what is pasted as api_token is never quoted at all', async () => {
    await fc.assert(
      fc.asyncProperty(
        tokens,
        configLike(tokens),
        fc.subarray(['api_url', 'subdomain', 'start_date', 'region', 'max_concurrency']),
        async (token, extra, alsoIn) => {
          clearSecrets();
          const raw: Record<string, unknown> = { ...extra, api_token: token };
          for (const field of alsoIn) raw[field] = token;
          const error = await onlyConfigErrors(() => resolveConfig(raw, NOW));
          const bare = token
            .trim()
            .replace(/^bearer\s+/i, '')
            .trim();
          // A token of an unexpected shape is taken with a warning, which must not quote it either.
          const text = error ? `${error.message} ${error.internal ?? ''}` : resolveConfig(raw, NOW).warnings.join(' ');
          // Where the token was only in api_token, the message itself never has it; elsewhere, what is printed is redacted.
          if (alsoIn.length === 0 && bare.length >= 8) expect(text).not.toContain(bare);
          if (bare.length >= 6) expect(redact(text)).not.toContain(bare);
        },
      ),
      params,
    );
  });

  it('loadConfig gives a config or a ConfigError for any file text, and never quotes the token of a broken file', async () => {
    const token = '0f8fad5b-d9cb-469f-a165-70867728950e';
    await fc.assert(
      fc.asyncProperty(fileText(configLike(fc.constant(token)).map((c) => ({ api_url: 'acme', ...c, api_token: token }))), async (text) => {
        clearSecrets();
        const error = await onlyConfigErrors(() => loadConfig(file(text), NOW));
        if (!error) return;
        let parsed: unknown;
        try {
          parsed = JSON.parse(text);
        } catch {
          // A file that does not parse cannot register its secrets first: the message must quote none of its text.
          expect(error.message, text.slice(0, 80)).not.toContain(token);
          return;
        }
        // A file that parses registers api_token before anything can fail: what is printed is redacted.
        if ((parsed as { api_token?: unknown } | null)?.api_token === token) expect(redact(error.message)).not.toContain(token);
      }),
      params,
    );
  });

  it('a broken config file is reported without any of its text', async () => {
    const token = '0f8fad5b-d9cb-469f-a165-70867728950e';
    const text = JSON.stringify({ api_url: 'acme', api_token: token });
    await fc.assert(
      fc.asyncProperty(fc.nat({ max: text.length - 1 }), fc.constantFrom('', 'x', '"', '\\', '}', ','), async (at, insert) => {
        clearSecrets();
        const broken = text.slice(0, at) + insert + text.slice(at + 1);
        const error = await onlyConfigErrors(() => loadConfig(file(broken), NOW));
        if (error) for (let n = 8; n <= token.length; n += 4) expect(error.message).not.toContain(token.slice(0, n));
      }),
      params,
    );
  });
});

describe('catalog', () => {
  it('parseCatalog gives a catalog or a ConfigError for any JSON value; what it accepts is a real stream, once, in a supported mode', async () => {
    await fc.assert(
      fc.asyncProperty(catalogLike, async (raw) => {
        const error = await onlyConfigErrors(() => parseCatalog(raw));
        if (error) return;
        const catalog = parseCatalog(raw);
        const names = catalog.streams.map((s) => s.declaration.name);
        expect(new Set(names).size).toBe(names.length);
        for (const s of catalog.streams) {
          expect(STREAMS).toContain(s.declaration);
          expect(s.syncMode === 'full_refresh' || (s.syncMode === 'incremental' && s.declaration.cursor?.field !== undefined)).toBe(true);
        }
        for (const r of catalog.rejected) expect(r.reason.length).toBeGreaterThan(10);
      }),
      params,
    );
  });

  it('loadCatalog gives a catalog or a ConfigError for any file text', async () => {
    await fc.assert(
      fc.asyncProperty(fileText(catalogLike), async (text) => void (await onlyConfigErrors(() => loadCatalog(file(text))))),
      params,
    );
  });
});

describe('state', () => {
  it('parseState, and every bookmark read from what it accepts, give a result or a ConfigError', async () => {
    await fc.assert(
      fc.asyncProperty(stateLike, async (raw) => {
        const error = await onlyConfigErrors(() => parseState(raw));
        if (error) return;
        for (const [name, value] of parseState(raw)) {
          expect(typeof value === 'object' && value !== null && !Array.isArray(value)).toBe(true);
          await onlyConfigErrors(() => readPrismBookmark(name, 'updated_at', value));
          await onlyConfigErrors(() => readAuditBookmark(name, 'occurred_at', value));
          await onlyConfigErrors(() => readRollingBookmark(name, 'refreshed_at', value));
        }
      }),
      params,
    );
  });

  it('loadState gives a state or a ConfigError for any file text', async () => {
    await fc.assert(
      fc.asyncProperty(fileText(stateLike), async (text) => void (await onlyConfigErrors(() => loadState(file(text))))),
      params,
    );
  });

  it('reads a missing, a directory and an unreadable path as a ConfigError', async () => {
    for (const path of [join(dir, 'missing.json'), dir]) {
      await onlyConfigErrors(() => loadState(path)).then((e) => expect(e).toBeInstanceOf(ConfigError));
      await onlyConfigErrors(() => loadCatalog(path)).then((e) => expect(e).toBeInstanceOf(ConfigError));
      await onlyConfigErrors(() => loadConfig(path)).then((e) => expect(e).toBeInstanceOf(ConfigError));
    }
  });
});
