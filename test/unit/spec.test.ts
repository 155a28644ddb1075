/**
 * The connector spec: spec.json is what the generator writes, the spec obeys Airbyte's spec checks
 * (docs/airbyte-protocol.md §2.1), and every field in it is read by the connector (STYLE.md §6).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Ajv } from 'ajv';
import { describe, expect, it } from 'vitest';
import { resolveConfig } from '../../source/config.ts';
import { connectorSpecification, SECRET_FIELDS } from '../../source/spec.ts';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const spec = connectorSpecification.connectionSpecification;
const properties = spec.properties as Record<string, Record<string, unknown>>;

describe('spec.json', () => {
  it('is exactly what scripts/generate_spec.ts writes (run `npm run spec:generate` after changing source/spec.ts)', () => {
    const text = readFileSync(join(ROOT, 'spec.json'), 'utf8');
    expect(JSON.parse(text)).toEqual(connectorSpecification);
    expect(text).toBe(`${JSON.stringify(connectorSpecification, null, 2)}\n`);
  });
});

// ---------------------------------------------------------------------------------------------------------------
// Airbyte's spec checks (connector-acceptance-test tests/test_core.py, TestSpec), re-implemented. Each violation is
// a string starting with the check's number in docs/airbyte-protocol.md §2.1.

type Schema = Record<string, unknown>;

interface SchemaNode {
  schema: Schema;
  /** JSON pointer of the node in the spec. */
  path: string;
  /** The property the node describes: the last path part that is not a keyword or an index, as CAT names it. */
  name: string | undefined;
  isRoot: boolean;
}

/** Every schema node: the root, each property, array items, combinator options and additionalProperties schemas. */
function* schemaNodes(schema: Schema, path = '', name: string | undefined = undefined): Generator<SchemaNode> {
  yield { schema, path, name, isRoot: path === '' };
  for (const [key, child] of Object.entries((schema.properties ?? {}) as Record<string, Schema>))
    yield* schemaNodes(child, `${path}/properties/${key}`, key);
  const items = schema.items;
  if (Array.isArray(items)) for (const [i, item] of items.entries()) yield* schemaNodes(item as Schema, `${path}/items/${i}`, name);
  else if (items && typeof items === 'object') yield* schemaNodes(items as Schema, `${path}/items`, name);
  for (const keyword of ['oneOf', 'anyOf', 'allOf'])
    for (const [i, option] of ((schema[keyword] ?? []) as Schema[]).entries()) yield* schemaNodes(option, `${path}/${keyword}/${i}`, name);
  for (const keyword of ['not', 'additionalProperties'])
    if (schema[keyword] && typeof schema[keyword] === 'object') yield* schemaNodes(schema[keyword] as Schema, `${path}/${keyword}`, name);
}

const typesOf = (schema: Schema): unknown[] => (Array.isArray(schema.type) ? schema.type : schema.type === undefined ? [] : [schema.type]);

// S6: names CAT expects to be secret (test_core.py, test_secret_is_properly_marked).
const SECRET_NAMES = [
  'client_token',
  'access_token',
  'api_token',
  'token',
  'secret',
  'client_secret',
  'password',
  'key',
  'service_account_info',
  'service_account',
  'tenant_id',
  'certificate',
  'jwt',
  'credentials',
  'app_id',
  'appid',
  'refresh_token',
];
// S10: keywords CAT forbids anywhere in a spec.
const FORBIDDEN = [
  'not',
  'anyOf',
  'patternProperties',
  'prefixItems',
  'allOf',
  'if',
  'then',
  'else',
  'dependentSchemas',
  'dependentRequired',
];

function specViolations(root: Schema): string[] {
  const out: string[] = [];
  for (const { schema, path, name, isRoot } of schemaNodes(root)) {
    const at = path || '/';
    const types = typesOf(schema);
    if (Array.isArray(schema.enum) && new Set(schema.enum.map((v) => JSON.stringify(v))).size !== schema.enum.length)
      out.push(`S4 ${at}: enum values repeat`);
    const canHoldSecret = types.some((t) => t === 'string' || t === 'integer' || t === 'number') && !('const' in schema);
    if (name !== undefined && SECRET_NAMES.includes(name.toLowerCase()) && canHoldSecret && schema.airbyte_secret !== true)
      out.push(`S6 ${at}: ${name} must be airbyte_secret`);
    if (schema.airbyte_secret !== undefined && !canHoldSecret) out.push(`S6 ${at}: airbyte_secret on a field that cannot hold a secret`);
    if (
      Array.isArray(schema.type) &&
      !(schema.type.length === 1 || (schema.type.length === 2 && schema.type[0] !== 'null' && schema.type[1] === 'null'))
    )
      out.push(`S7 ${at}: type ${JSON.stringify(schema.type)} is not [T] or [T, "null"]`);
    if (!isRoot && types.includes('object') && Object.keys((schema.properties ?? {}) as object).length === 0 && !schema.oneOf)
      out.push(`S8 ${at}: object without properties`);
    if (types.includes('array')) {
      const items = schema.items as Schema | Schema[] | undefined;
      const itemTypes = items && !Array.isArray(items) ? typesOf(items) : [];
      if (
        !items ||
        Array.isArray(items) ||
        !(itemTypes.some((t) => ['object', 'string', 'number', 'integer'].includes(t as string)) || Array.isArray(items.enum))
      )
        out.push(`S9 ${at}: array items must be one schema of type object, string, number or integer, or an enum`);
    }
    for (const keyword of FORBIDDEN) if (keyword in schema) out.push(`S10 ${at}: forbidden keyword ${keyword}`);
    if (schema.properties) {
      const seen = new Set<string>();
      for (const child of Object.values(schema.properties as Record<string, Schema>)) {
        if (child.order === undefined) continue;
        const key = `${String(child.group)}/${String(child.order)}`;
        if (seen.has(key)) out.push(`S12 ${at}: order ${String(child.order)} repeats`);
        seen.add(key);
      }
    }
    if ('$ref' in schema) out.push(`S15 ${at}: $ref`);
    if ('additionalProperties' in schema && schema.additionalProperties !== true)
      out.push(`S17 ${at}: additionalProperties must be exactly true`);
  }
  return out;
}

describe('the spec passes Airbyte’s spec checks', () => {
  it('has no violation of S4, S6, S7, S8, S9, S10, S12, S15, S17', () => {
    expect(specViolations(spec)).toEqual([]);
  });

  it('checks with a checker that does catch each violation', () => {
    const bad: Schema = {
      type: 'object',
      additionalProperties: false,
      properties: {
        region: { type: 'string', enum: ['us', 'us'], order: 0 },
        api_token: { type: 'string', order: 0 },
        flag: { type: 'boolean', airbyte_secret: true },
        either: { type: ['null', 'string'], anyOf: [{ type: 'string' }] },
        nested: { type: 'object' },
        list: { type: 'array', items: [{ type: 'string' }] },
        linked: { $ref: '#/definitions/x' },
      },
    };
    expect(specViolations(bad)).toEqual([
      'S12 /: order 0 repeats',
      'S17 /: additionalProperties must be exactly true',
      'S4 /properties/region: enum values repeat',
      'S6 /properties/api_token: api_token must be airbyte_secret',
      'S6 /properties/flag: airbyte_secret on a field that cannot hold a secret',
      'S7 /properties/either: type ["null","string"] is not [T] or [T, "null"]',
      'S10 /properties/either: forbidden keyword anyOf',
      'S8 /properties/nested: object without properties',
      'S9 /properties/list: array items must be one schema of type object, string, number or integer, or an enum',
      'S15 /properties/linked: $ref',
    ]);
  });

  it('marks exactly api_token as secret', () => {
    expect(SECRET_FIELDS).toEqual(['api_token']);
    expect(properties.api_token).toMatchObject({ type: 'string', airbyte_secret: true });
  });

  it('gives every field a title, a description, and a unique order', () => {
    for (const [name, field] of Object.entries(properties)) {
      expect(field.title, name).toEqual(expect.any(String));
      expect(field.description, name).toEqual(expect.any(String));
    }
    expect(Object.values(properties).map((field) => field.order)).toEqual([...Object.keys(properties).keys()]);
  });

  it('names each default in its description', () => {
    for (const [name, field] of Object.entries(properties))
      if ('default' in field) expect(field.description, name).toContain(`Default: ${String(field.default)}`);
  });

  it('is a valid draft-07 schema whose examples and defaults it accepts itself (S2)', () => {
    // strict: false because of Airbyte's own annotations (airbyte_secret, order, always_show, pattern_descriptor).
    const validate = new Ajv({ strict: false }).compile(spec);
    expect(validate({ api_url: 'acme.api.kandji.io', api_token: '0f8fad5b-d9cb-469f-a165-70867728950e' })).toBe(true);
    expect(validate({ subdomain: 'acme', region: 'eu', api_token: '0f8fad5b-d9cb-469f-a165-70867728950e', _ignored: 1 })).toBe(true);
    expect(validate({ api_url: 'acme.api.kandji.io' })).toBe(false);
    for (const [name, field] of Object.entries(properties)) {
      const one = (value: unknown) => validate({ api_token: '0f8fad5b-d9cb-469f-a165-70867728950e', [name]: value });
      for (const example of (field.examples ?? []) as unknown[])
        expect(one(example), `${name} example ${JSON.stringify(example)}`).toBe(true);
      if ('default' in field) expect(one(field.default), `${name} default`).toBe(true);
    }
  });
});

// ---------------------------------------------------------------------------------------------------------------
// Every spec field is read by the connector (STYLE.md §6).
//
// source/config.ts reads every field by construction, so reading it there proves nothing: a field is used when the
// code *outside* source/spec.ts and source/config.ts reads what config.ts makes of it. That is its ResolvedConfig
// name (camelCase, or an override below), or the snake_case name itself for code that reads the raw Config.
//
// It is a name-based check: it looks for the name as an identifier in the code, with comments and string literals
// removed, so a field mentioned only in a description or a comment does not count. It cannot prove the value flows
// from the config (an unrelated variable of the same name would satisfy it); it exists to catch the usual mistake,
// a field added to the spec that nothing reads.

/** ResolvedConfig names that are not the field's camelCase name. The host fields become the base URL. */
const RESOLVED_AS: Record<string, string[]> = {
  api_url: ['baseUrl', 'host'],
  subdomain: ['baseUrl'],
  region: ['baseUrl'],
  api_token: ['token'],
  request_timeout_seconds: ['requestTimeoutMs'],
  lookback_minutes: ['lookbackMs'],
  prism_full_read_every_days: ['fullReadEveryDays'],
};

const camelCase = (name: string) => name.replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase());
const resolvedNames = (field: string) => RESOLVED_AS[field] ?? [camelCase(field)];

const SCANNED = ['core', 'source', 'streams', 'state', 'schemas'];
const NOT_EVIDENCE = ['source/spec.ts', 'source/config.ts'];

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return entry.name.endsWith('.ts') ? [path] : [];
  });
}

/**
 * The code of a TypeScript file with comments and the text of string, template and regex literals blanked out;
 * `${…}` expressions inside templates are kept, since they are code. A small scanner, not a parser: enough for
 * identifier searches over this repository's own files.
 */
function codeOnly(text: string): string {
  let out = '';
  let i = 0;
  // One entry per open `${`: the brace depth inside it, so its closing `}` returns to the template's text.
  const templates: number[] = [];
  let lastSignificant = '';
  const skipString = (quote: string) => {
    for (i++; i < text.length && text[i] !== quote; i++) if (text[i] === '\\') i++;
    i++;
    out += ' ';
    lastSignificant = 'a';
  };
  const skipTemplateText = () => {
    // From just after a backtick or a `}` closing `${…}`, to the closing backtick or the next `${`.
    for (; i < text.length; i++) {
      if (text[i] === '\\') i++;
      else if (text[i] === '`') {
        i++;
        lastSignificant = 'a';
        return;
      } else if (text[i] === '$' && text[i + 1] === '{') {
        i += 2;
        templates.push(0);
        lastSignificant = '(';
        return;
      }
    }
  };
  while (i < text.length) {
    const c = text[i] as string;
    const next = text[i + 1];
    if (c === '/' && next === '/') {
      while (i < text.length && text[i] !== '\n') i++;
    } else if (c === '/' && next === '*') {
      const end = text.indexOf('*/', i + 2);
      i = end === -1 ? text.length : end + 2;
      out += ' ';
    } else if (c === '"' || c === "'") {
      skipString(c);
    } else if (c === '`') {
      i++;
      out += ' ';
      skipTemplateText();
    } else if (c === '}' && templates.length > 0 && templates[templates.length - 1] === 0) {
      templates.pop();
      i++;
      out += ' ';
      skipTemplateText();
    } else if (
      c === '/' &&
      (lastSignificant === '' ||
        '(,=:[!&|?{};+-*%<>~^'.includes(lastSignificant) ||
        /\b(?:return|typeof|case|in|of|throw|yield|await)$/.test(out.trimEnd()))
    ) {
      // A regex literal: a slash where no value precedes it.
      for (i++; i < text.length && text[i] !== '/'; i++) {
        if (text[i] === '\\') i++;
        else if (text[i] === '[') while (i < text.length && text[i] !== ']') i += text[i] === '\\' ? 2 : 1;
      }
      i++;
      out += ' ';
      lastSignificant = 'a';
    } else {
      if (templates.length > 0 && c === '{') templates[templates.length - 1]! += 1;
      if (templates.length > 0 && c === '}') templates[templates.length - 1]! -= 1;
      out += c;
      if (!/\s/.test(c)) lastSignificant = c;
      i++;
    }
  }
  return out;
}

describe('every spec field is read by the connector', () => {
  const files = SCANNED.flatMap((dir) => sourceFiles(join(ROOT, dir)))
    .map((path) => ({ path: relative(ROOT, path).split('\\').join('/'), code: '' }))
    .filter(({ path }) => !NOT_EVIDENCE.includes(path))
    .map((file) => ({ ...file, code: codeOnly(readFileSync(join(ROOT, file.path), 'utf8')) }));

  it('scans the connector’s code', () => {
    expect(files.map((f) => f.path)).toEqual(expect.arrayContaining(['source/cli.ts', 'core/http/client.ts']));
  });

  it('blanks comments and literals, and keeps the code of template expressions', () => {
    const code = codeOnly(
      [
        '// maxConcurrency in a comment',
        "const a = 'device_details_max_per_sync'; /* startDate */",
        // biome-ignore lint/suspicious/noTemplateCurlyInString: the fixture is TypeScript source that holds a template literal
        'const b = `x ${config.deviceAppsSource} y ${`${{ k: 1 }.k}`} requestBudgetShare`;',
        'const c = /api_token"/.test(s) ? config.token : 0;',
      ].join('\n'),
    );
    for (const gone of ['maxConcurrency', 'device_details_max_per_sync', 'startDate', 'requestBudgetShare', 'api_token'])
      expect(code).not.toContain(gone);
    for (const kept of ['config.deviceAppsSource', '{ k: 1 }.k', 'config.token', 'const c =']) expect(code).toContain(kept);
  });

  it('maps every field to names ResolvedConfig has', () => {
    const resolved = resolveConfig({ api_url: 'acme', api_token: '0f8fad5b-d9cb-469f-a165-70867728950e' });
    for (const field of Object.keys(properties))
      for (const name of resolvedNames(field)) expect(Object.keys(resolved), `${field} → ${name}`).toContain(name);
  });

  it.each(Object.keys(properties))('%s', (field) => {
    const names = [field, ...resolvedNames(field)];
    const pattern = new RegExp(`(?<![\\w$])(?:${names.join('|')})(?![\\w$])`);
    const readers = files.filter(({ code }) => pattern.test(code)).map(({ path }) => path);
    expect(
      readers,
      `nothing outside source/spec.ts and source/config.ts reads ${names.join(' or ')}: use the field, or remove it from the spec`,
    ).not.toEqual([]);
  });
});
