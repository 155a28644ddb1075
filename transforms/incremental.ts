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

/**
 * Before the models are built: drop every model of the last build except the incremental tables whose fingerprint is
 * unchanged, and delete those tables' rows of tenants that are gone. Returns what was kept.
 */
export async function keepIncremental(
  connection: DuckDBConnection,
  models: readonly Model[],
  prints: ReadonlyMap<string, string>,
  tenants: readonly string[],
): Promise<KeptTables> {
  await connection.run(
    `create table if not exists _transform.incremental (model_id varchar primary key, fingerprint varchar not null, columns varchar not null)`,
  );
  const recorded = new Map(
    (await connection.runAndReadAll(`select model_id, fingerprint, columns from _transform.incremental`))
      .getRowObjectsJson()
      .map((r) => [String(r.model_id), { fingerprint: String(r.fingerprint), columns: JSON.parse(String(r.columns)) as string[] }]),
  );
  const existing = new Set(
    (
      await connection.runAndReadAll(
        `select schema_name || '.' || table_name as id from duckdb_tables() where database_name = current_database() and schema_name in (${LAYERS.map(literal).join(', ')})`,
      )
    )
      .getRowObjectsJson()
      .map((r) => String(r.id)),
  );
  const kept: KeptTables = { columns: new Map(), fresh: new Set() };
  for (const model of models) {
    const before = recorded.get(model.id);
    if (model.incremental && before && before.fingerprint === prints.get(model.id) && existing.has(model.id)) {
      kept.columns.set(model.id, before.columns);
    }
  }
  // Everything else the last build made goes: rebuilt below, or a model since removed.
  for (const kind of ['view', 'table'] as const) {
    const objects = (
      await connection.runAndReadAll(
        `select schema_name, ${kind}_name as name from duckdb_${kind}s() where database_name = current_database() and not internal and schema_name in (${LAYERS.map(literal).join(', ')})`,
      )
    ).getRowObjectsJson();
    for (const { schema_name, name } of objects) {
      const id = `${schema_name}.${name}`;
      if (!kept.columns.has(id)) await connection.run(`drop ${kind} if exists ${ident(String(schema_name))}.${ident(String(name))}`);
    }
  }
  for (const id of kept.columns.keys())
    await connection.run(`delete from ${id} where ${TENANT_FIELD} not in (${tenants.map(literal).join(', ') || 'null'})`);
  await connection.run(
    `delete from _transform.incremental where model_id not in (${[...kept.columns.keys()].map(literal).join(', ') || 'null'})`,
  );
  return kept;
}

/**
 * Build an incremental model for one tenant, from inside the tenant's catalog, into the combined table `main`.<id>:
 *
 *   by day  its rows from `from` on (every row, for `all`) replace the tenant's rows from that day
 *   by key  its rows replace the tenant's rows of the same keys (every row, for `all`); then its `refresh` UPDATE
 *
 * A model's SQL may name two placeholders: {{from}}, the first day to build (a DATE; -infinity from scratch), and
 * {{previous}} (by day), the last build's rows of the tenant on the last day before {{from}}; from scratch,
 * {{previous}} names `no_previous`, which such a model defines: an empty relation of its columns. Then, in the
 * tenant's catalog, the model becomes a view of the combined table's rows of the tenant.
 */
export async function buildIncremental(
  connection: DuckDBConnection,
  model: Model,
  options: { main: string; tenant: string; from: RebuildFrom; kept: KeptTables },
): Promise<void> {
  const { main, tenant, kept } = options;
  const mode = model.incremental;
  if (!mode) throw new Error(`${model.id} is not incremental`);
  const target = `${ident(main)}.${model.id}`;
  const ofTenant = `${TENANT_FIELD} = ${literal(tenant)}`;
  const from = kept.columns.has(model.id) && !kept.fresh.has(model.id) ? options.from : 'all';
  if (from !== 'none') {
    const day = from === 'all' ? `'-infinity'::date` : `${literal(from)}::date`;
    const column = mode.by === 'day' ? ident(mode.column) : '';
    const previous =
      from === 'all' || mode.by === 'key'
        ? 'no_previous'
        : `(select * from ${target} where ${ofTenant} and ${column} = (select max(${column}) from ${target} where ${ofTenant} and ${column} < ${day}))`;
    const sql = model.sql.replaceAll(PLACEHOLDER.from, day).replaceAll(PLACEHOLDER.previous, previous);
    const staged = `${model.schema}.${ident(`${model.name}__new`)}`;
    await connection.run(
      `create or replace table ${staged} as select * from (\n${sql}\n)${mode.by === 'day' && from !== 'all' ? `\nwhere ${column} >= ${day}` : ''}`,
    );
    const columns = (await connection.runAndReadAll(`describe ${staged}`)).getRowObjectsJson().map((r) => String(r.column_name));
    const rest = columns.filter((c) => c !== TENANT_FIELD).map(ident);
    const select = `select ${literal(tenant)} as ${TENANT_FIELD}${rest.length > 0 ? `, ${rest.join(', ')}` : ''} from ${staged}`;
    if (!kept.columns.has(model.id)) {
      await connection.run(`create table ${target} as ${select}`);
      kept.columns.set(model.id, columns);
      kept.fresh.add(model.id);
    } else {
      // The rows to replace: from the day on, or those of the keys the new rows have (null keys match null keys).
      const replaced =
        from === 'all'
          ? ''
          : mode.by === 'day'
            ? ` and ${column} >= ${day}`
            : ` and exists (select 1 from ${staged} as n where ${mode.keys.map((k) => `n.${ident(k)} is not distinct from ${target}.${ident(k)}`).join(' and ')})`;
      await connection.run(`delete from ${target} where ${ofTenant}${replaced}`);
      await connection.run(`insert into ${target} by name ${select}`);
    }
    if (mode.by === 'key' && mode.refresh && from !== 'all')
      await connection.run(mode.refresh.replaceAll(PLACEHOLDER.target, target).replaceAll(PLACEHOLDER.tenant, literal(tenant)));
    await connection.run(`drop table ${staged}`);
  }
  const columns = (kept.columns.get(model.id) as string[]).map(ident).join(', ');
  await connection.run(`create or replace view ${model.id} as select ${columns} from ${target} where ${ofTenant}`);
}

/** After a build whose every check passed: record the incremental tables' fingerprints and columns. */
export async function recordIncremental(
  connection: DuckDBConnection,
  kept: KeptTables,
  prints: ReadonlyMap<string, string>,
): Promise<void> {
  await connection.run(`delete from _transform.incremental`);
  for (const [id, columns] of kept.columns) {
    await connection.run(`insert into _transform.incremental values ($1, $2, $3)`, [id, prints.get(id) as string, JSON.stringify(columns)]);
  }
}
