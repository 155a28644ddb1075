/**
 * Incremental tables: the day-grained models (a row per device per day, per device, control and day…) that a year of
 * history makes large, built only from the earliest day the new runs brought.
 *
 * A model opts in with `-- incremental: <date column>` in its header (the generated daily snapshots do it in
 * transforms/generated.ts; the generated staging tables are incremental by key instead: see buildIncremental). Its contract: the rows of a day depend on nothing synced after that day. Then, when the
 * raw layer gains runs whose earliest synced_date is F (transforms/raw.ts `changed`), the rows before F are those the
 * last build made, and only the rows from F on are built again: the model's SQL runs as it is, over the whole history
 * (a window that looks back still sees every earlier day), and only its rows from F on are written. A rerun with no
 * new run writes nothing. Anything that can change older rows rebuilds the tenant's rows whole: a run removed, re-read
 * or moved in the order, a new raw layout; and a model whose SQL, or the SQL of anything it reads, changed is rebuilt
 * whole for every tenant (its fingerprint). The result is the rows a build from scratch gives: a test builds both.
 *
 * The tables live in the combined database (tenant_id leading their keys) and persist from one build to the next. In
 * a tenant's catalog (transforms/tenants.ts) the model is a view of the combined table's rows of that tenant, so the
 * models after it read every day of it.
 */
import { createHash } from 'node:crypto';
import { type DuckDBConnection, version } from '@duckdb/node-api';
import { TENANT_FIELD } from '../schemas/schema.ts';
import { LAYERS, type Model } from './models.ts';
import { ident, literal, PLACEHOLDER } from './sql.ts';

/**
 * Bump when this file changes how the tables are built (not what a model's SQL says, which its fingerprint covers):
 * every incremental table is then rebuilt whole once. The DuckDB version is part of the fingerprint too.
 */
const ENGINE_VERSION = 1;

/** Where a tenant's incremental rows are rebuilt from: a day, every day, or none (nothing of the tenant changed). */
export type RebuildFrom = string | 'all' | 'none';

/** What the last build left: the incremental tables still valid, and their columns as the model's SQL gives them. */
export interface KeptTables {
  /** Model id → the model's own columns (without the tenant_id the combined table leads with, unless it has one). */
  columns: Map<string, string[]>;
  /** Models whose table this build creates anew (none kept): every tenant's rows are built whole. */
  fresh: Set<string>;
}

/**
 * Each model's fingerprint: its SQL, its incremental column and the fingerprints of the models it reads, with the
 * macros and the raw layout. A model whose fingerprint changed since the last build is rebuilt whole.
 */
export function fingerprints(models: readonly Model[], salt: string): Map<string, string> {
  const byId = new Map(models.map((m) => [m.id, m]));
  const done = new Map<string, string>();
  const of = (model: Model): string => {
    const known = done.get(model.id);
    if (known) return known;
    const upstream = model.refs
      .filter((ref) => byId.has(ref))
      .sort()
      .map((ref) => of(byId.get(ref) as Model));
    const hash = createHash('sha256')
      .update(JSON.stringify([ENGINE_VERSION, version(), salt, model.sql, model.incremental ?? null, upstream]))
      .digest('hex')
      .slice(0, 16);
    done.set(model.id, hash);
    return hash;
  };
  for (const model of models) of(model);
  return done;
}

/** The table a build writes a model's next rows into, beside the live one: swapped in when every check passed. */
export const nextTable = (model: Pick<Model, 'schema' | 'name'>) => `${model.schema}.${ident(`${model.name}__next`)}`;
/**
 * An incremental model's new rows (every tenant's), beside the live table: by day, the days rebuilt; by key, the rows of
 * the keys rebuilt. Merged into the live table when every check passed.
 */
const newRows = (model: Pick<Model, 'schema' | 'name'>) => `${model.schema}.${ident(`${model.name}__new`)}`;
/** What a build killed midway leaves: its next and new tables. */
const LEFTOVER = /__(next|new)$/;

/**
 * Before the models are built: drop what a build killed midway left (its next and new tables), and find the incremental
 * tables of the last build still valid (fingerprint unchanged). Nothing live is touched: the last build's tables stay
 * readable until `swap`.
 */
export async function keepIncremental(
  connection: DuckDBConnection,
  models: readonly Model[],
  prints: ReadonlyMap<string, string>,
): Promise<KeptTables> {
  await connection.run(
    `create table if not exists _transform.incremental (model_id varchar primary key, fingerprint varchar not null, columns varchar not null)`,
  );
  const recorded = new Map(
    (await connection.runAndReadAll(`select model_id, fingerprint, columns from _transform.incremental`))
      .getRowObjectsJson()
      .map((r) => [String(r.model_id), { fingerprint: String(r.fingerprint), columns: JSON.parse(String(r.columns)) as string[] }]),
  );
  const existing = await modelTables(connection);
  for (const { schema, name } of existing.filter((t) => LEFTOVER.test(t.name)))
    await connection.run(`drop table ${ident(schema)}.${ident(name)}`);
  const ids = new Set(existing.map((t) => `${t.schema}.${t.name}`));
  const kept: KeptTables = { columns: new Map(), fresh: new Set() };
  for (const model of models) {
    const before = recorded.get(model.id);
    if (model.incremental && before && before.fingerprint === prints.get(model.id) && ids.has(model.id)) {
      kept.columns.set(model.id, before.columns);
    }
  }
  return kept;
}

/** The tables and views of the model schemas in the database being built. */
async function modelTables(connection: DuckDBConnection): Promise<{ schema: string; name: string; kind: 'table' | 'view' }[]> {
  const found: { schema: string; name: string; kind: 'table' | 'view' }[] = [];
  for (const kind of ['view', 'table'] as const) {
    const rows = (
      await connection.runAndReadAll(
        `select schema_name, ${kind}_name as name from duckdb_${kind}s() where database_name = current_database() and not internal and schema_name in (${LAYERS.map(literal).join(', ')})`,
      )
    ).getRowObjectsJson();
    for (const r of rows) found.push({ schema: String(r.schema_name), name: String(r.name), kind });
  }
  return found;
}

/**
 * One build's incremental work, shared by every tenant: where each tenant's rows are rebuilt from, the incremental
 * tables kept, and which of them have new rows staged.
 */
export interface IncrementalBuild {
  kept: KeptTables;
  /** This build's tenants. */
  tenants: readonly string[];
  /** Tenants the last good build had and this one has not: their rows leave every kept table at the swap. */
  gone: readonly string[];
  from(tenant: string): RebuildFrom;
  /** Incremental models whose new rows are staged (their __new table exists). */
  staged: Set<string>;
}

/** Where a model's rows of a tenant are built from in this build: `all` for a table not kept. */
function fromOf(model: Model, build: IncrementalBuild, tenant: string): RebuildFrom {
  return build.kept.columns.has(model.id) && !build.kept.fresh.has(model.id) ? build.from(tenant) : 'all';
}

/**
 * Build an incremental model for one tenant, from inside the tenant's catalog, next to the live table `main`.<id>,
 * which stays as the last build left it until `swap`. Its new rows go into <id>__new:
 *
 *   by day  its rows from `from` on (every row, for `all`), to replace the tenant's rows from that day
 *   by key  its rows of the keys the new runs brought (every row, for `all`), to replace the rows of those keys; and
 *           the kept rows whose is_current the model's `current` moves, with it
 *
 * A model's SQL may name three placeholders: {{from}}, the first day to build (a DATE; -infinity from scratch);
 * {{previous}} (by day), the last build's rows of the tenant on the last day before {{from}}; and {{before}} (by
 * day), all of the last build's rows of the tenant before {{from}}, for a summary of them narrower than the model's
 * own window over the history. From scratch, both name `no_previous`, which such a model defines: an empty relation
 * of the columns it reads of them. Then, in the tenant's catalog, the model becomes a view of the tenant's rows as
 * the swap will leave them, so the models after it read every row of it. Neither mode copies the rows it keeps: a year of them is not written again every night.
 */
export async function buildIncremental(
  connection: DuckDBConnection,
  model: Model,
  options: { main: string; tenant: string; build: IncrementalBuild },
): Promise<void> {
  const { main, tenant, build } = options;
  const { kept } = build;
  const mode = model.incremental;
  if (!mode) throw new Error(`${model.id} is not incremental`);
  const live = `${ident(main)}.${model.id}`;
  const fresh = `${ident(main)}.${newRows(model)}`;
  const ofTenant = `${TENANT_FIELD} = ${literal(tenant)}`;
  const from = fromOf(model, build, tenant);
  if (!kept.columns.has(model.id)) kept.fresh.add(model.id);
  if (from !== 'none') {
    const day = from === 'all' ? `'-infinity'::date` : `${literal(from)}::date`;
    const column = mode.by === 'day' ? ident(mode.column) : '';
    // Nothing before {{from}} to read from scratch, nor by key.
    const scratch = from === 'all' || mode.by === 'key';
    const previous = scratch
      ? 'no_previous'
      : `(select * from ${live} where ${ofTenant} and ${column} = (select max(${column}) from ${live} where ${ofTenant} and ${column} < ${day}))`;
    const before = scratch ? 'no_previous' : `(select * from ${live} where ${ofTenant} and ${column} < ${day})`;
    const sql = model.sql
      .replaceAll(PLACEHOLDER.from, day)
      .replaceAll(PLACEHOLDER.previous, previous)
      .replaceAll(PLACEHOLDER.before, before);
    const staged = `${model.schema}.${ident(`${model.name}__staged`)}`;
    // Sorted by the storage order: the inserts after keep it (DuckDB preserves insertion order), so each build's rows
    // land in the table grouped, and a column that repeats along them (a device's fields on each of its rows) compresses.
    const where = mode.by === 'day' && from !== 'all' ? `\nwhere ${column} >= ${day}` : '';
    const order = storageOrder(model).map(ident).join(', ');
    await connection.run(`create or replace table ${staged} as select * from (\n${sql}\n)${where}\norder by ${order}`);
    if (!kept.columns.has(model.id))
      kept.columns.set(
        model.id,
        (await connection.runAndReadAll(`describe ${staged}`)).getRowObjectsJson().map((r) => String(r.column_name)),
      );
    const own = (kept.columns.get(model.id) as string[]).filter((c) => c !== TENANT_FIELD).map(ident);
    const rows = `select ${literal(tenant)} as ${TENANT_FIELD}${own.length > 0 ? `, ${own.join(', ')}` : ''} from ${staged}`;
    await connection.run(build.staged.has(model.id) ? `insert into ${fresh} by name ${rows}` : `create table ${fresh} as ${rows}`);
    build.staged.add(model.id);
    if (mode.by === 'key' && mode.current && from !== 'all') {
      // Kept rows whose is_current the new runs moved (a complete full read that no longer has them) are replaced too.
      const current = `(${mode.current})`;
      await connection.run(
        `insert into ${fresh} by name select * exclude (is_current), ${current} as is_current from ${live} as l
where l.${ofTenant} and l.is_current is distinct from ${current} and not exists (select 1 from ${staged} as n where ${keyMatch(mode.keys, 'n', 'l')})`,
      );
    }
    await connection.run(`drop table ${staged}`);
  }
  const columns = (kept.columns.get(model.id) as string[]).map(ident).join(', ');
  const view =
    from === 'none'
      ? `select ${columns} from ${live} where ${ofTenant}`
      : from === 'all'
        ? `select ${columns} from ${fresh} where ${ofTenant}`
        : `select ${columns} from ${live} as l where ${keptOf(model, build, tenant, 'l', main)}
union all
select ${columns} from ${fresh} where ${ofTenant}`;
  await connection.run(`create or replace view ${model.id} as ${view}`);
}

/** The columns a model's new rows are stored in order of: its declared order, else its keys, the day first by day. */
function storageOrder(model: Model): string[] {
  if (model.order) return model.order;
  const mode = model.incremental;
  return mode?.by === 'day' ? [mode.column, ...model.keys.filter((k) => k !== mode.column)] : model.keys;
}

/** Null keys match null keys (an iPhone app has no path). */
const keyMatch = (keys: readonly string[], a: string, b: string) =>
  keys.map((k) => `${a}.${ident(k)} is not distinct from ${b}.${ident(k)}`).join(' and ');

/**
 * Of the live rows of a kept incremental model, the SQL condition on a row (`row` names it) that holds for those of
 * `tenant` this build keeps: all of them when nothing of the tenant changed; by day, its rows before the tenant's day;
 * by key, its rows of keys the new rows do not have; undefined when none is kept (`all`). Each is a conjunction on the
 * tenant and the day, so DuckDB skips the row groups of other days by their min and max. `main` is the catalog of
 * the new rows, '' for the current one.
 */
function keptOf(model: Model, build: IncrementalBuild, tenant: string, row: string, main: string): string | undefined {
  const from = build.from(tenant);
  const mode = model.incremental;
  const ofTenant = `${row}.${TENANT_FIELD} = ${literal(tenant)}`;
  if (from === 'none' || !mode) return ofTenant;
  if (from === 'all') return undefined;
  if (mode.by === 'day') return `${ofTenant} and ${row}.${ident(mode.column)} < ${literal(from)}::date`;
  const catalog = main === '' ? '' : `${ident(main)}.`;
  return `${ofTenant} and not exists (select 1 from ${catalog}${newRows(model)} as n where n.${TENANT_FIELD} = ${literal(tenant)} and ${keyMatch(mode.keys, 'n', row)})`;
}

/** The same rows' complement for `tenant`, as DELETE statements of the swap: those its new rows replace. */
function replacedOf(model: Model, build: IncrementalBuild, tenant: string): string | undefined {
  const from = build.from(tenant);
  const mode = model.incremental;
  if (from === 'none' || !mode) return undefined;
  const ofTenant = `${TENANT_FIELD} = ${literal(tenant)}`;
  if (from === 'all') return ofTenant;
  if (mode.by === 'day') return `${ofTenant} and ${ident(mode.column)} >= ${literal(from)}::date`;
  return `${ofTenant} and exists (select 1 from ${newRows(model)} as n where n.${TENANT_FIELD} = ${literal(tenant)} and ${keyMatch(mode.keys, 'n', model.id)})`;
}

/**
 * A model's rows as the swap will leave them, every tenant's: the SQL a view of the next state selects (the
 * cross-tenant models, the key checks and the row counts read these). `main` is the combined database's catalog.
 */
export function nextRows(model: Model, build: IncrementalBuild, main: string): string {
  if (!model.incremental) return `select * from ${ident(main)}.${nextTable(model)}`;
  const columns = [TENANT_FIELD, ...(build.kept.columns.get(model.id) ?? []).filter((c) => c !== TENANT_FIELD)].map(ident).join(', ');
  const fresh = `select ${columns} from ${ident(main)}.${newRows(model)}`;
  if (build.kept.fresh.has(model.id)) return fresh;
  const kept = build.tenants.flatMap((tenant) => keptOf(model, build, tenant, 'l', main) ?? []);
  const old = `select ${columns} from ${ident(main)}.${model.id} as l where ${kept.map((k) => `(${k})`).join(' or ') || 'false'}`;
  return build.staged.has(model.id) ? `${old}\nunion all\n${fresh}` : old;
}

/**
 * After a build whose every check passed, in one transaction: every model's next rows take the place of the live
 * ones (a day model's new days replace its rows from each tenant's day; every other model's next table replaces it),
 * the tables of models no longer built go, and the incremental tables' fingerprints and columns are recorded. A build
 * that fails or is killed before this leaves the last build's tables as they were; its next and new tables are
 * dropped by the next build (keepIncremental).
 */
export async function swap(
  connection: DuckDBConnection,
  models: readonly Model[],
  build: IncrementalBuild,
  prints: ReadonlyMap<string, string>,
  more: () => Promise<void>,
  debug?: (line: string) => void,
): Promise<void> {
  const built = new Set(models.map((m) => m.id));
  const stale = (await modelTables(connection)).filter((t) => !built.has(`${t.schema}.${t.name}`) && !LEFTOVER.test(t.name));
  const timed = async (what: string, statements: string[]) => {
    const t0 = performance.now();
    for (const sql of statements) await connection.run(sql);
    debug?.(`swap ${what}: ${((performance.now() - t0) / 1000).toFixed(2)} s`);
  };
  await connection.run('begin transaction');
  try {
    for (const { schema, name, kind } of stale) await connection.run(`drop ${kind} ${ident(schema)}.${ident(name)}`);
    for (const model of models) {
      if (model.incremental && !build.kept.fresh.has(model.id)) {
        // A kept incremental table: its replaced rows go, its new rows come; the rows it keeps are not written.
        const gone =
          build.gone.length > 0 ? [`delete from ${model.id} where ${TENANT_FIELD} in (${build.gone.map(literal).join(', ')})`] : [];
        const replaced = build.tenants.flatMap((tenant) => replacedOf(model, build, tenant) ?? []);
        const added = build.staged.has(model.id)
          ? [`insert into ${model.id} by name select * from ${newRows(model)}`, `drop table ${newRows(model)}`]
          : [];
        await timed(model.id, [...gone, ...replaced.map((r) => `delete from ${model.id} where ${r}`), ...added]);
        continue;
      }
      await connection.run(`drop table if exists ${model.id}`);
      await connection.run(`alter table ${model.incremental ? newRows(model) : nextTable(model)} rename to ${ident(model.name)}`);
    }
    await connection.run(`delete from _transform.incremental`);
    for (const [id, columns] of build.kept.columns)
      await connection.run(`insert into _transform.incremental values ($1, $2, $3)`, [
        id,
        prints.get(id) as string,
        JSON.stringify(columns),
      ]);
    await more();
    await timed('commit', ['commit']);
  } catch (error) {
    await connection.run('rollback');
    throw error;
  }
}
