/**
 * The SQL models under transforms/: where they are, what each file's header declares, and the order to build them.
 *
 * A model is one SELECT in `transforms/<layer>/**\/<name>.sql`; its layer folder is its schema (`staging`,
 * `intermediate`, `snapshots`, `marts`) and the file name is its name, so `staging/base/base_kandji__devices.sql`
 * builds `staging.base_kandji__devices`. Every file opens with a header of `-- ` lines:
 *
 *   -- <name>: what a row is and where it comes from (free text, as many lines as it needs)
 *   -- grain: one row per …
 *   -- keys: a, b                  the grain's columns: unique together and, unless listed below, never null
 *   -- nullable keys: b            (optional) key columns that may be null (an iPhone app has no install path)
 *   -- materialized: view | table
 *   -- incremental: snapshot_date  (optional, tables only) rebuilt only from the earliest day new runs brought: the
 *                                  rows of a day depend on nothing synced after it (transforms/incremental.ts)
 *   -- requires: a, b              (optional) the streams whose rows it needs: when one has none (not selected, not
 *                                  permitted, not synced yet) the model is built empty and the transform warns
 *   -- scope: all tenants          (optional) built once over every tenant's rows, after the per-tenant models
 *
 * A model is built once per tenant, in that tenant's own catalog over that tenant's raw rows (transforms/tenants.ts),
 * so its SQL never names a tenant; the tenants' rows are then combined with `tenant_id` leading every key. A model
 * with `scope: all tenants` is built after that, over the combined rows (cross-tenant rollups, sync status).
 *
 * Models reference each other and the raw layer as `<schema>.<name>`; those references decide the build order.
 * Checks (`transforms/checks/*.sql`) are SELECTs that return the rows breaking a rule. A check whose header has a
 * `-- severity: warn` line is reported and the marts are built anyway (a dangling reference to a blueprint is a
 * fact about the tenant, not a broken build); any other check that returns a row fails the transform.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { generatedModels, isOptionalModel } from './generated.ts';
import { ident, PLACEHOLDER } from './sql.ts';

export const LAYERS = ['staging', 'intermediate', 'snapshots', 'marts'] as const;
export type Layer = (typeof LAYERS)[number];

export interface Model {
  schema: Layer;
  name: string;
  /** `schema.name`. */
  id: string;
  file: string;
  sql: string;
  grain: string;
  keys: string[];
  nullableKeys: string[];
  materialized: 'view' | 'table';
  /**
   * How a table is kept from one build to the next (transforms/incremental.ts); undefined: rebuilt whole every time.
   *   day   (header `incremental: <date column>`) rows before the earliest day the new runs brought are kept, the
   *         rest rebuilt
   *   key   (the generated staging models) the rows of the keys the new runs brought replace those keys' rows;
   *         `current`, a boolean SQL expression over a row (read in the tenant's catalog), is what its is_current
   *         is now: a kept row whose is_current differs from it is replaced too, with it
   */
  incremental?: { by: 'day'; column: string } | { by: 'key'; keys: string[]; current?: string };
  /**
   * An incremental table's storage order: each build's new rows are written sorted by these columns, so rows that
   * repeat values sit together and compress. Undefined: its keys (by day, its date column first, so a day's rows sit
   * together and the day filters skip the others). Not part of the fingerprint (it changes no row).
   */
  order?: string[];
  /** Models and raw tables it reads, as `schema.name`. */
  refs: string[];
  /** The streams it needs rows of (the header's `requires`); empty for most. */
  requires: string[];
  /** `tenant`: built per tenant, then combined; `all`: built once over the combined rows (header `scope: all tenants`). */
  scope: 'tenant' | 'all';
}

export interface Check {
  name: string;
  file: string;
  /** The header in words: the rule. */
  rule: string;
  sql: string;
  /** error: a row fails the transform (the default). warn: rows are reported, the database is built. */
  severity: 'error' | 'warn';
}

/**
 * The folder holding the layers and checks: this file's own when run from source, the package's `transforms/` when
 * run from the build (dist/transforms/ holds the compiled TypeScript only).
 */
const HERE = fileURLToPath(new URL('.', import.meta.url));
export const TRANSFORMS_DIR =
  [HERE, fileURLToPath(new URL('../../transforms/', import.meta.url))].find((dir) => existsSync(join(dir, 'marts'))) ?? HERE;

function sqlFiles(dir: string): string[] {
  let entries: string[];
  try {
    entries = readdirSync(dir);
  } catch {
    return [];
  }
  return entries.sort().flatMap((entry) => {
    const path = join(dir, entry);
    if (statSync(path).isDirectory()) return sqlFiles(path);
    return entry.endsWith('.sql') ? [path] : [];
  });
}

/** The leading `-- ` comment lines of a SQL file, without their markers. */
function headerLines(sql: string): string[] {
  const lines: string[] = [];
  for (const line of sql.split('\n')) {
    if (!line.startsWith('--')) break;
    lines.push(line.replace(/^--\s?/, ''));
  }
  return lines;
}

function directive(lines: string[], name: string): string | undefined {
  const prefix = `${name}:`;
  return lines
    .find((l) => l.startsWith(prefix))
    ?.slice(prefix.length)
    .trim();
}

const list = (value: string | undefined) =>
  value
    ? value
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean)
    : [];

/** Strip comments and string literals, so references are found in code only. */
function codeOnly(sql: string): string {
  return sql.replace(/--[^\n]*/g, ' ').replace(/'(?:[^']|'')*'/g, "''");
}

/** The SQL body to wrap in CREATE: without the trailing semicolon. */
function body(sql: string): string {
  return sql.trim().replace(/;\s*$/, '');
}

/** The SQL files' models and the models generated from the stream declarations (transforms/generated.ts). */
export function loadModels(dir: string = TRANSFORMS_DIR): Model[] {
  const models: Model[] = [];
  const generated = generatedModels();
  const generatedIds = new Set(generated.map((m) => m.id));
  for (const schema of LAYERS) {
    for (const file of sqlFiles(join(dir, schema))) {
      const sql = readFileSync(file, 'utf8');
      const name = basename(file, '.sql');
      const where = relative(dir, file);
      if (generatedIds.has(`${schema}.${name}`))
        throw new Error(`${where}: ${schema}.${name} is generated from the stream declarations; remove the file`);
      const lines = headerLines(sql);
      if (!lines[0]?.startsWith(`${name}:`)) throw new Error(`${where}: the header must open with "-- ${name}: <what a row is>"`);
      const grain = directive(lines, 'grain');
      const keys = list(directive(lines, 'keys'));
      const materialized = directive(lines, 'materialized') ?? 'view';
      if (!grain) throw new Error(`${where}: the header has no "-- grain:" line`);
      if (keys.length === 0) throw new Error(`${where}: the header has no "-- keys:" line`);
      if (materialized !== 'view' && materialized !== 'table')
        throw new Error(`${where}: materialized must be view or table, not ${materialized}`);
      const incremental = directive(lines, 'incremental');
      if (incremental !== undefined && materialized !== 'table') throw new Error(`${where}: only a table can be incremental`);
      // The placeholders are filled in only where transforms/incremental.ts builds a model a day at a time.
      const code = codeOnly(sql);
      const named = Object.values(PLACEHOLDER).filter((p) => code.includes(p));
      if (named.length > 0 && incremental === undefined)
        throw new Error(
          `${where}: ${named.join(', ')} is filled in only for an incremental model: add "-- incremental: <date column>" or leave it out`,
        );
      if ((code.includes(PLACEHOLDER.previous) || code.includes(PLACEHOLDER.before)) && !/\bno_previous\s+as\s*\(/i.test(code))
        throw new Error(
          `${where}: a model that names ${PLACEHOLDER.previous} or ${PLACEHOLDER.before} defines what they are from scratch: add a CTE "no_previous as (select … where false)" with the columns it reads of them`,
        );
      const scope = directive(lines, 'scope');
      if (scope !== undefined && scope !== 'all tenants')
        throw new Error(`${where}: scope must be "all tenants" or left out, not ${scope}`);
      if (scope !== undefined && incremental !== undefined)
        throw new Error(`${where}: a model built over all tenants is rebuilt whole; leave out its incremental line`);
      const refs = [
        ...new Set(
          [...codeOnly(sql).matchAll(/\b(raw|staging|intermediate|snapshots|marts)\.([a-z_][a-z0-9_]*)/gi)].map((m) =>
            `${m[1]}.${m[2]}`.toLowerCase(),
          ),
        ),
      ];
      models.push({
        schema,
        name,
        id: `${schema}.${name}`,
        file,
        sql: body(sql),
        grain,
        keys,
        nullableKeys: list(directive(lines, 'nullable keys')),
        materialized,
        ...(incremental === undefined ? {} : { incremental: { by: 'day' as const, column: incremental } }),
        refs,
        requires: list(directive(lines, 'requires')),
        scope: scope === undefined ? 'tenant' : 'all',
      });
    }
  }
  return [...generated, ...models];
}

/**
 * Models in an order where each comes after everything it references; unknown references and cycles are errors.
 * An optional (generated daily) model is built only when a model that is built reads it. `built` names models that
 * already exist (the per-tenant models, for the cross-tenant ones).
 */
export function buildOrder(models: Model[], rawTables: ReadonlySet<string>, built: ReadonlySet<string> = new Set()): Model[] {
  const byId = new Map(models.map((m) => [m.id, m]));
  const done = new Set<string>();
  const visiting = new Set<string>();
  const order: Model[] = [];
  const visit = (model: Model, path: string[]) => {
    if (done.has(model.id)) return;
    if (visiting.has(model.id)) throw new Error(`models reference each other in a cycle: ${[...path, model.id].join(' → ')}`);
    visiting.add(model.id);
    for (const ref of model.refs) {
      if (built.has(ref) && !ref.startsWith('raw.')) continue;
      if (ref.startsWith('raw.')) {
        if (!rawTables.has(ref)) throw new Error(`${relative(TRANSFORMS_DIR, model.file)} reads ${ref}, which the raw layer does not have`);
        continue;
      }
      const dependency = byId.get(ref);
      if (!dependency) throw new Error(`${relative(TRANSFORMS_DIR, model.file)} reads ${ref}, which no model defines`);
      visit(dependency, [...path, model.id]);
    }
    visiting.delete(model.id);
    done.add(model.id);
    order.push(model);
  };
  for (const model of models) if (!isOptionalModel(model)) visit(model, []);
  return order;
}

export function loadChecks(dir: string = TRANSFORMS_DIR): Check[] {
  return sqlFiles(join(dir, 'checks')).map((file) => {
    const sql = readFileSync(file, 'utf8');
    const lines = headerLines(sql);
    const severity = directive(lines, 'severity') ?? 'error';
    if (severity !== 'error' && severity !== 'warn')
      throw new Error(`${relative(dir, file)}: severity must be error or warn, not ${severity}`);
    const rule = lines
      .filter((l) => !l.startsWith('severity:'))
      .join(' ')
      .replace(/\s+/g, ' ')
      .trim();
    return { name: basename(file, '.sql'), file, rule, sql: body(sql), severity };
  });
}

/** The generic checks every model gets from its header: its keys unique together, and not null (of the rows `where` keeps). */
export function keyChecks(model: Model, where?: string): Check[] {
  const keys = model.keys.map(ident).join(', ');
  const rows = where ? `(select * from ${model.id} where ${where})` : model.id;
  const checks: Check[] = [
    {
      name: `${model.id} unique (${model.keys.join(', ')})`,
      file: model.file,
      rule: `${model.id}: one row per ${model.keys.join(', ')}`,
      severity: 'error',
      sql: `select ${keys}, count(*) as rows from ${rows} group by ${keys} having count(*) > 1`,
    },
  ];
  const notNull = model.keys.filter((k) => !model.nullableKeys.includes(k));
  if (notNull.length > 0) {
    checks.push({
      name: `${model.id} not null (${notNull.join(', ')})`,
      file: model.file,
      rule: `${model.id}: ${notNull.join(', ')} never null`,
      severity: 'error',
      sql: `select * from ${rows} where ${notNull.map((k) => `${ident(k)} is null`).join(' or ')}`,
    });
  }
  return checks;
}
