/**
 * Many tenants in one set of marts (issue #16). `transform --data DIR` takes either one tenant's sync folder (it holds
 * `_runs/`) or a data root with a folder per tenant (`sync --root DIR` writes `DIR/<tenant>/`).
 *
 * Each model is built once per tenant, in a catalog of its own whose `raw` schema shows only that tenant's rows, so
 * the SQL never names a tenant and a tenant's marts are exactly those a transform of that tenant alone builds (the
 * latest OS release "seen", removals and every other fleet-relative rule stay within the tenant). The tenants' rows
 * are then combined into the database's tables with `tenant_id` leading every key; models marked
 * `scope: all tenants` are built after that, over the combined rows. A tenant's catalog is an in-memory database,
 * detached once its rows are copied (DuckDB spills it to its temp directory when it outgrows memory_limit); in the
 * combined database every model is a table, views included.
 */
import { existsSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { TENANT_FIELD } from '../schemas/schema.ts';
import { nextTable } from './incremental.ts';
import type { Model } from './models.ts';
import { readRuns, type LoadedRun } from './raw.ts';
import { ident, literal } from './sql.ts';

export interface TenantData {
  tenant: string;
  /** The tenant's sync folder. */
  dir: string;
  runs: LoadedRun[];
  /** Crashed runs' ids (their manifests are not loaded: transforms/raw.ts readRuns). */
  skipped: string[];
}

/** A tenant name from a folder name written before tenants were recorded: lower-case, other characters as `-`. */
function nameOf(folder: string): string {
  return (
    basename(folder)
      .toLowerCase()
      .replace(/[^a-z0-9_-]+/g, '-')
      .replace(/^-+|-+$/g, '') || 'default'
  );
}

/**
 * The tenants under `dataDir`: the folder itself when it holds `_runs/`, else each folder in it that does. A folder's
 * tenant is the one its run manifests name (0.2.0 and later); a folder only older versions wrote is named after the
 * folder. A folder whose runs name two tenants, or two folders of one tenant, are refused: their rows would mix.
 */
export async function readTenants(dataDir: string): Promise<TenantData[]> {
  const folders = existsSync(join(dataDir, '_runs'))
    ? [dataDir]
    : existsSync(dataDir)
      ? (await readdir(dataDir, { withFileTypes: true }))
          .filter(
            (e) => e.isDirectory() && !e.name.startsWith('_') && !e.name.startsWith('.') && existsSync(join(dataDir, e.name, '_runs')),
          )
          .map((e) => join(dataDir, e.name))
          .sort()
      : [];
  const tenants: TenantData[] = [];
  for (const dir of folders) {
    const named = new Set<string>();
    for (const file of (await readdir(join(dir, '_runs'))).filter((f) => f.endsWith('.json'))) {
      const tenant = (JSON.parse(await readFile(join(dir, '_runs', file), 'utf8')) as { tenant?: unknown }).tenant;
      if (typeof tenant === 'string' && tenant !== '') named.add(tenant);
    }
    if (named.size > 1)
      throw new Error(
        `transform: ${dir} holds runs of ${named.size} tenants (${[...named].sort().join(', ')}); a folder holds one tenant. Sync each tenant into its own folder (sync --root), or, if the tenant was renamed, set its config's tenant back to the old name.`,
      );
    const tenant = [...named][0] ?? nameOf(dir);
    const other = tenants.find((t) => t.tenant === tenant);
    if (other)
      throw new Error(
        `transform: ${other.dir} and ${dir} both hold tenant ${tenant}; keep one folder per tenant (move the runs of one into the other, or remove one).`,
      );
    const { runs, skipped } = await readRuns(dir, tenant);
    tenants.push({ tenant, dir, runs, skipped });
  }
  return tenants;
}

/**
 * The optional mapping of tenants to groups (an MSP's regions, an enterprise's subsidiaries): a CSV file with a
 * header `tenant_id,tenant_group` and one line per tenant. Loaded as `raw.tenant_groups` (empty without the file).
 * Returns the mapped tenants that have no data, for a warning.
 */
export async function loadTenantGroups(
  connection: DuckDBConnection,
  file: string | undefined,
  tenants: readonly string[],
): Promise<string[]> {
  await connection.run(`create or replace table raw.tenant_groups (tenant_id varchar primary key, tenant_group varchar)`);
  if (file === undefined || !existsSync(file)) return [];
  const lines = (await readFile(file, 'utf8'))
    .replace(/^\uFEFF/, '')
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter((l) => l !== '' && !l.startsWith('#'));
  const header = lines[0]?.split(',').map((c) => c.trim().toLowerCase());
  if (header?.[0] !== 'tenant_id' || header?.[1] !== 'tenant_group')
    throw new Error(`transform: ${file} must start with the header line tenant_id,tenant_group (then one line per tenant, e.g. acme,EMEA)`);
  const seen = new Map<string, string>();
  for (const [i, line] of lines.slice(1).entries()) {
    const comma = line.indexOf(',');
    const tenant = (comma < 0 ? line : line.slice(0, comma)).trim();
    // A group may hold commas ("Acme, Inc."): everything after the first comma is the group.
    const group = comma < 0 ? '' : line.slice(comma + 1).trim();
    if (!tenant) throw new Error(`transform: ${file} line ${i + 2} has no tenant_id: ${line}`);
    if (seen.has(tenant))
      throw new Error(`transform: ${file} names tenant ${tenant} twice (lines ${seen.get(tenant)} and ${i + 2}); keep one line`);
    seen.set(tenant, String(i + 2));
    await connection.run(`insert into raw.tenant_groups values ($1, $2)`, [tenant, group || null]);
  }
  return [...seen.keys()].filter((t) => !tenants.includes(t));
}

/**
 * Build the per-tenant models of every tenant and combine them into the current database: for each tenant, a catalog
 * of its own with `raw.*` views of its rows, where `build` creates the models and runs the checks;
 * then every model's rows go into its next table in the main catalog (`<name>__next`, `tenant_id` first), which
 * replaces the live one when the whole build passed (an incremental model writes its own: transforms/incremental.ts).
 */
export async function buildPerTenant(
  connection: DuckDBConnection,
  options: {
    tenants: readonly string[];
    rawTables: ReadonlySet<string>;
    models: readonly Model[];
    /**
     * Builds the models and runs the checks in the current catalog (`tenant` labels its messages); `main` is the
     * combined database's catalog, where the incremental models write their rows themselves (transforms/incremental.ts).
     */
    build: (tenant: string, main: string) => Promise<void>;
  },
): Promise<void> {
  const main = String((await connection.runAndReadAll('select current_database() as d')).getRowObjectsJson()[0]?.d);
  for (const [i, tenant] of options.tenants.entries()) {
    const alias = `tenant_${i}`;
    await connection.run(`attach ':memory:' as ${alias}`);
    try {
      await connection.run(`use ${alias}`);
      await connection.run('create schema if not exists raw');
      for (const id of options.rawTables) {
        const [schema, name] = id.split('.') as [string, string];
        await connection.run(
          `create view ${schema}.${ident(name)} as select * from ${ident(main)}.${schema}.${ident(name)} where ${TENANT_FIELD} = ${literal(tenant)}`,
        );
      }
      await options.build(tenant, main);
      await connection.run(`use ${ident(main)}`);
      for (const model of options.models.filter((m) => !m.incremental)) {
        const columns = (await connection.runAndReadAll(`describe ${alias}.${model.id}`))
          .getRowObjectsJson()
          .map((r) => String(r.column_name));
        const rest = columns.filter((c) => c !== TENANT_FIELD).map(ident);
        const select = `select ${literal(tenant)} as ${TENANT_FIELD}${rest.length > 0 ? `, ${rest.join(', ')}` : ''} from ${alias}.${model.id}`;
        const next = nextTable(model);
        await connection.run(i === 0 ? `create or replace table ${next} as ${select}` : `insert into ${next} by name ${select}`);
      }
    } finally {
      await connection.run(`use ${ident(main)}`);
      await connection.run(`detach ${alias}`);
    }
  }
}

/** A per-tenant model as the combined database has it: `tenant_id` leading its keys, a table. */
export function combined(model: Model): Model {
  return { ...model, keys: [TENANT_FIELD, ...model.keys.filter((k) => k !== TENANT_FIELD)], materialized: 'table' };
}

/**
 * Each tenant's fleet and syncs as a small text table for a terminal, from marts.tenants and marts.sync_status; empty
 * for a single tenant, whose fleet summary says it all.
 */
export async function formatTenantSummary(dbPath: string): Promise<string> {
  const db = await DuckDBInstance.create(dbPath, { access_mode: 'READ_ONLY' });
  const connection = await db.connect();
  try {
    const rows = (
      await connection.runAndReadAll(`
        select
            t.tenant_id,
            coalesce(t.tenant_group, '') as tenant_group,
            t.devices::integer as devices,
            coalesce(strftime(h.snapshot_date, '%Y-%m-%d'), '') as snapshot_date,
            coalesce(printf('%.1f%%', 100 * h.health_rate), '') as healthy,
            coalesce(printf('%.1f%%', 100 * h.compliance_rate), '') as compliant,
            s.last_status,
            coalesce(strftime(s.last_failure_at, '%Y-%m-%d') || ' ' || s.last_failure_reason, '') as last_failure
        from marts.tenants as t
        inner join marts.sync_status as s on s.tenant_id = t.tenant_id
        left join marts.tenant_fleet_health_daily as h on h.tenant_id = t.tenant_id and h.snapshot_date = t.snapshot_date
        order by t.tenant_id`)
    ).getRowObjectsJson() as Record<string, string | number>[];
    if (rows.length < 2) return '';
    const header = ['tenant', 'group', 'devices', 'snapshot', 'healthy', 'compliant', 'last sync', 'last failure'];
    const cells = rows.map((r) => [
      String(r.tenant_id),
      String(r.tenant_group),
      String(r.devices),
      String(r.snapshot_date),
      String(r.healthy),
      String(r.compliant),
      String(r.last_status),
      String(r.last_failure).length > 80 ? `${String(r.last_failure).slice(0, 77)}...` : String(r.last_failure),
    ]);
    const widths = header.map((h, i) => Math.max(h.length, ...cells.map((c) => (c[i] as string).length)));
    const line = (c: string[]) =>
      c
        .map((cell, i) => (i === 2 || i === 4 || i === 5 ? cell.padStart(widths[i] as number) : cell.padEnd(widths[i] as number)))
        .join('  ')
        .trimEnd();
    return [
      `Tenants (${rows.length}; per tenant in marts.tenant_fleet_health_daily, syncs in marts.sync_status)`,
      line(header),
      ...cells.map(line),
    ].join('\n');
  } finally {
    connection.closeSync();
    db.closeSync();
  }
}

/**
 * A read-only view of a built database for one tenant: a connection whose `marts.*` and `raw.*` hold only that
 * tenant's rows (all tenants' when `tenant` is undefined), so the fleet summary and the report's queries run
 * unchanged per tenant.
 */
export async function openMarts(dbPath: string, tenant?: string): Promise<{ connection: DuckDBConnection; close(): void }> {
  const db = await DuckDBInstance.create(':memory:');
  const connection = await db.connect();
  const close = () => {
    connection.closeSync();
    db.closeSync();
  };
  try {
    await connection.run(`attach ${literal(dbPath)} as src (read_only)`);
    if (tenant === undefined) await connection.run('use src');
    else {
      // Every table that has tenant_id (the marts, the raw runs and records), as a view of this tenant's rows.
      const tables = (
        await connection.runAndReadAll(
          `select distinct table_schema, table_name from information_schema.columns
           where table_catalog = 'src' and column_name = '${TENANT_FIELD}' and table_schema in ('raw', 'marts') order by 1, 2`,
        )
      ).getRowObjectsJson();
      for (const schema of new Set(tables.map((t) => String(t.table_schema)))) await connection.run(`create schema ${ident(schema)}`);
      for (const { table_schema, table_name } of tables) {
        const id = `${ident(String(table_schema))}.${ident(String(table_name))}`;
        await connection.run(`create view ${id} as select * from src.${id} where ${TENANT_FIELD} = ${literal(tenant)}`);
      }
    }
    return { connection, close };
  } catch (error) {
    close();
    throw error;
  }
}

/** The tenants of a built database, in name order. */
export async function tenantsOf(dbPath: string): Promise<string[]> {
  const { connection, close } = await openMarts(dbPath);
  try {
    return (await connection.runAndReadAll('select tenant_id from marts.tenants order by tenant_id'))
      .getRowObjectsJson()
      .map((r) => String(r.tenant_id));
  } finally {
    close();
  }
}
