/**
 * `transform`: build the DuckDB database of the marts from a `sync` output directory (JSONL or Parquet, either works).
 *
 * The database is built in place: its raw layer already holds the runs loaded before, so only new or changed runs are
 * read from their files (transforms/raw.ts). Every model is then built beside the live tables (a `<name>__next`
 * table; a day model's new days in `<name>__new`), and when every model was built and every check passed, one
 * transaction puts them in place (transforms/incremental.ts `swap`): a rerun never adds rows, and a failed or killed
 * build leaves the last good build's models as they were. The incremental tables (the day-grained ones, the generated
 * staging tables) write only the days or keys the new runs brought, and every other model is built again whole from
 * the raw layer. A year of files is read once, and a year of history is neither rebuilt nor copied every night.
 * The first build (or --full-rebuild) writes a new file and moves it into place at the end.
 * Layers (STYLE.md §10): raw (transforms/raw.ts) → staging → intermediate → snapshots → marts, each a schema of the
 * same name; transforms/models.ts says how a SQL file becomes a view or a table and in which order.
 */
import { existsSync, readFileSync } from 'node:fs';
import { readdir, rename, rm } from 'node:fs/promises';
import { basename, dirname, join, relative, resolve } from 'node:path';
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { buildOrder, keyChecks, LAYERS, loadChecks, loadModels, TRANSFORMS_DIR, type Check, type Model } from './models.ts';
import {
  buildIncremental,
  fingerprints,
  type IncrementalBuild,
  keepIncremental,
  nextRows,
  nextTable,
  type RebuildFrom,
  swap,
} from './incremental.ts';
import { availableMemory, DEFAULT_MEMORY_LIMIT, largerMemoryLimit, wholeRebuildMemoryLimit } from './memory.ts';
import { loadRaw, rawLayout, recordBuilt, type InputFormat } from './raw.ts';
import { ident, literal } from './sql.ts';
import { buildPerTenant, combined, loadTenantGroups, openMarts, readTenants } from './tenants.ts';

export interface TransformOptions {
  /**
   * One tenant's `sync` output directory (DIR/<stream>/<run>.jsonl|.parquet and DIR/_runs/<run>.json), or a data root
   * with one such folder per tenant (`sync --root`): transforms/tenants.ts.
   */
  dataDir: string;
  /** CSV `tenant_id,tenant_group` mapping tenants to groups. Default: DATA/tenants.csv when it exists. */
  tenantGroups?: string;
  /**
   * The database file to build. Default: DATA/kandji.duckdb. Updated in place (it is locked while the transform
   * runs); built anew when it does not exist yet.
   */
  dbPath?: string;
  /** The format to read where a run wrote both. Default: parquet, falling back to JSONL run by run. */
  format?: InputFormat;
  /** Progress lines for people. */
  say?: (line: string) => void;
  /** Each model's and check's build time (`transform --log-level debug`): where a slow transform spends it. */
  debug?: (line: string) => void;
  /** Build a new database from every run's files, ignoring the last one (which is replaced at the end). Default false. */
  full?: boolean;
  /**
   * DuckDB's memory limit while building (it spills to disk beyond it). Default 2GB, or half the machine's memory for
   * a build that rebuilds incremental tables over every run (`wholeRebuildMemoryLimit`): see docs/benchmarks.md.
   */
  memoryLimit?: string;
}

export interface TransformResult {
  dbPath: string;
  /** Rows of every raw table and model, by `schema.name`. */
  tables: Record<string, number>;
  /** What the `severity: warn` checks found, one line each (the database was built regardless). */
  warnings: string[];
}

/** Raised when a check fails; the message names each rule, its file and example rows. */
export class TransformCheckError extends Error {
  readonly failures: { check: Check; rows: number; examples: Record<string, unknown>[] }[];

  constructor(failures: TransformCheckError['failures'], where = '') {
    super(
      [
        `transform: ${failures.length} check${failures.length === 1 ? '' : 's'} failed${where}; the previous database was kept.`,
        ...failures.map((f) => `  - ${describeFailure(f)}`),
      ].join('\n'),
    );
    this.name = 'TransformCheckError';
    this.failures = failures;
  }
}

function describeFailure(f: TransformCheckError['failures'][number]): string {
  return `${f.check.rule} (${relative(TRANSFORMS_DIR, f.check.file)}): ${f.rows} row${f.rows === 1 ? ' breaks' : 's break'} it, e.g. ${JSON.stringify(f.examples)}`;
}

async function count(connection: DuckDBConnection, sql: string): Promise<number> {
  const rows = (await connection.runAndReadAll(`select count(*)::bigint as n from (${sql})`)).getRowObjectsJson();
  return Number(rows[0]?.n ?? 0);
}

async function runChecks(connection: DuckDBConnection, checks: Check[]): Promise<TransformCheckError['failures']> {
  const failures: TransformCheckError['failures'] = [];
  for (const check of checks) {
    const rows = await count(connection, check.sql);
    if (rows === 0) continue;
    const examples = (await connection.runAndReadAll(`select * from (${check.sql}) limit 3`)).getRowObjectsJson() as Record<
      string,
      unknown
    >[];
    failures.push({ check, rows, examples });
  }
  return failures;
}

/** Build a model (by default a plain CREATE of its SELECT), naming its file when it fails. */
async function buildModel(
  connection: DuckDBConnection,
  model: Model,
  label: string,
  build: () => Promise<unknown> = () => connection.run(`create or replace ${model.materialized} ${model.id} as\n${model.sql}`),
): Promise<void> {
  try {
    await build();
  } catch (error) {
    throw new Error(`transform: ${relative(TRANSFORMS_DIR, model.file)} does not build${label}: ${(error as Error).message}`);
  }
}

/**
 * A build that ran out of DuckDB's memory limit says so and how to give it more: a first build, --full-rebuild or a
 * rebuild over a long history (after an upgrade whose models changed) needs more than a nightly one.
 */
function withMemoryHint(error: unknown, memoryLimit: string): unknown {
  const message = (error as Error)?.message;
  if (typeof message !== 'string' || !/Out of Memory Error/i.test(message)) return error;
  const larger = largerMemoryLimit(memoryLimit);
  const available = availableMemory();
  const advice = larger
    ? `run it again with --memory-limit ${larger} (runTransform's memoryLimit)`
    : `this ${available.of} has no more to give it (${Math.floor(available.bytes / 1e6)}MB in all): run it on one with more memory`;
  return new Error(
    `${message.split('\n')[0]} — the transform ran out of its memory limit (${memoryLimit}): ${advice}; the last good database is unchanged`,
  );
}

export async function runTransform(options: TransformOptions): Promise<TransformResult> {
  const say = options.say ?? (() => {});
  const timed = async <T>(what: string, work: () => Promise<T>): Promise<T> => {
    if (!options.debug) return work();
    const t0 = performance.now();
    const result = await work();
    options.debug(`${what}: ${((performance.now() - t0) / 1000).toFixed(2)} s`);
    return result;
  };
  const dataDir = resolve(options.dataDir);
  const dbPath = resolve(options.dbPath ?? join(dataDir, 'kandji.duckdb'));
  const tenants = await readTenants(dataDir);
  const runs = tenants.flatMap((t) => t.runs);
  const skipped = tenants.flatMap((t) => t.skipped.map((id) => (tenants.length > 1 ? `${t.tenant}/${id}` : id)));
  if (skipped.length > 0)
    say(
      `raw: skipping crashed run${skipped.length === 1 ? '' : 's'} ${skipped.join(', ')} (their clock is not the tenant's; the next sync re-read their records)`,
    );
  if (runs.length === 0)
    throw new Error(
      `transform: ${dataDir} has no sync runs (no _runs/*.json, nor a folder per tenant holding one); run \`source-kandji sync --out ${options.dataDir}\` (one tenant) or \`source-kandji sync --root ${options.dataDir}\` (a folder per tenant) first`,
    );
  if (tenants.length > 1) say(`tenants: ${tenants.map((t) => `${t.tenant} (${t.runs.length} runs)`).join(', ')}`);

  await removeAbandonedBuilds(dbPath, say);
  // The last good database is built on in place; a first build (or --full-rebuild) writes a new file, moved into place
  // once it passed.
  const inPlace = !options.full && existsSync(dbPath);
  const building = inPlace ? dbPath : `${dbPath}.building-${process.pid}`;
  const discard = async () => {
    if (inPlace) return;
    await rm(building, { force: true });
    await rm(`${building}.wal`, { force: true });
  };
  await discard();
  const tables: Record<string, number> = {};
  const warnings: string[] = [];
  let memoryLimit = options.memoryLimit ?? DEFAULT_MEMORY_LIMIT;
  // A build over every run gets more memory than a nightly one, unless the caller named a limit: known here for a new
  // database, once the kept tables and the runs are compared for one built in place (below).
  const wholeBuild = (cause: string) => {
    if (options.memoryLimit !== undefined) return undefined;
    const { limit, basis } = wholeRebuildMemoryLimit();
    memoryLimit = limit;
    say(`transform: ${cause}, built over every run: memory limit ${limit}, ${basis} (--memory-limit sets it)`);
    return limit;
  };
  if (!inPlace) wholeBuild(options.full ? '--full-rebuild' : 'a first build');
  const config = { memory_limit: memoryLimit };
  let db: DuckDBInstance;
  try {
    db = await DuckDBInstance.create(building, config);
  } catch (error) {
    const message = (error as Error).message;
    if (/Could not set lock on file/i.test(message)) throw new DatabaseBusyError(dbPath, message);
    if (!inPlace) throw error;
    // The last database is damaged (not a lock: another process holding it says so above): build a new one.
    say(`transform: the last database (${dbPath}) does not open (${message}); building it again from every run`);
    return runTransform({ ...options, full: true });
  }
  let connection: DuckDBConnection | undefined;
  try {
    const conn = await db.connect();
    connection = conn;
    const { tables: rawTables, changed } = await timed('raw layer', () => loadRaw(conn, runs, options.format, say));
    const groups = options.tenantGroups ?? join(dataDir, 'tenants.csv');
    const unknown = await loadTenantGroups(
      conn,
      groups,
      tenants.map((t) => t.tenant),
    );
    if (unknown.length > 0) say(`warning: ${groups} maps tenants with no data here: ${unknown.join(', ')}`);
    rawTables.add('raw.tenant_groups');
    const all = loadModels();
    // Per tenant, in its own catalog (transforms/tenants.ts); then, over every tenant's rows, the cross-tenant models.
    const perTenant = buildOrder(
      all.filter((m) => m.scope === 'tenant'),
      rawTables,
    );
    const across = buildOrder(
      all.filter((m) => m.scope === 'all'),
      rawTables,
      new Set(perTenant.map((m) => m.id)),
    );
    for (const stream of new Set([...perTenant, ...across].flatMap((m) => m.requires)))
      if (!rawTables.has(`raw.${stream}`)) throw new Error(`a model requires ${stream}, which is not a stream this version reads`);
    const tenantChecks = loadChecks();
    // The shared macros (version comparison…) before the models that call them: in each tenant's catalog and here.
    const macros = readFileSync(join(TRANSFORMS_DIR, 'macros.sql'), 'utf8');
    // Every model is built again, but for the incremental tables still valid (transforms/incremental.ts).
    const prints = fingerprints([...perTenant, ...across], `${macros}\n${rawLayout()}`);
    const kept = await keepIncremental(conn, perTenant, prints);
    const rebuildFrom = (tenant: string): RebuildFrom => changed.get(tenant) ?? 'none';
    const names = tenants.map((t) => t.tenant);
    // Tenants the last good build had whose folders are gone (their runs left since: `changed` names them, 'all'):
    // their rows leave the incremental tables.
    const gone = [...changed.keys()].filter((t) => !names.includes(t)).sort();
    const build: IncrementalBuild = { kept, tenants: names, gone, from: rebuildFrom, staged: new Set() };
    const incremental = perTenant.filter((m) => m.incremental).length;
    const froms = [...new Set(tenants.map((t) => rebuildFrom(t.tenant)))];
    if (incremental > 0 && !froms.includes('all') && kept.columns.size > 0)
      say(
        froms.every((f) => f === 'none')
          ? `incremental: no new run; ${kept.columns.size} of ${incremental} incremental tables kept as they are`
          : `incremental: ${kept.columns.size} of ${incremental} incremental tables kept, rebuilt from ${froms.filter((f) => f !== 'none').sort()[0]}`,
      );
    if (inPlace && incremental > 0) {
      const cause = froms.includes('all')
        ? 'the incremental tables (runs the last build read were removed, re-read or moved in the order)'
        : kept.columns.size < incremental
          ? `${incremental - kept.columns.size} incremental models changed or new since the last build`
          : undefined;
      const limit = cause ? wholeBuild(cause) : undefined;
      if (limit) await conn.run(`set memory_limit = ${literal(limit)}`);
    }
    for (const schema of LAYERS) await conn.run(`create schema if not exists ${schema}`);
    await conn.run(macros);
    let passed = 0;
    await buildPerTenant(conn, {
      tenants: tenants.map((t) => t.tenant),
      rawTables,
      models: perTenant,
      build: async (tenant, main) => {
        const label = tenants.length > 1 ? ` for tenant ${tenant}` : '';
        for (const schema of LAYERS) await conn.run(`create schema if not exists ${schema}`);
        await conn.run(macros);
        // A model whose streams have no rows is still built (empty, typed by its SQL), and says what it lacks.
        const emptyStreams = new Set<string>();
        for (const stream of new Set(perTenant.flatMap((m) => m.requires)))
          if ((await count(conn, `select 1 from raw."${stream}" limit 1`)) === 0) emptyStreams.add(stream);
        for (const model of perTenant) {
          const lacking = model.requires.filter((s) => emptyStreams.has(s));
          if (lacking.length > 0) {
            const line = `${model.id} is empty${label}: no ${lacking.join(', ')} rows were synced (the stream${lacking.length === 1 ? ' is' : 's are'} not selected, not permitted for the token, or not read yet)`;
            warnings.push(line);
            say(`warning: ${line}`);
          }
          await timed(`model ${model.id}${label}`, () =>
            buildModel(conn, model, label, model.incremental ? () => buildIncremental(conn, model, { main, tenant, build }) : undefined),
          );
        }
        const found = await timed(`checks${label}`, () => runChecks(conn, tenantChecks));
        const failures = found.filter((f) => f.check.severity === 'error');
        if (failures.length > 0) throw new TransformCheckError(failures, label);
        for (const f of found) {
          warnings.push(`${describeFailure(f)}${label}`);
          say(`warning: ${describeFailure(f)}${label}`);
        }
        passed += tenantChecks.length - found.length;
      },
    });
    const models = [...perTenant.map(combined), ...across];
    // The cross-tenant models, the key checks and the row counts read every model as the swap will leave it: in a
    // catalog of their own whose models are views of the next rows (transforms/incremental.ts nextRows).
    const main = String((await conn.runAndReadAll('select current_database() as d')).getRowObjectsJson()[0]?.d);
    await conn.run(`attach ':memory:' as next_build`);
    try {
      await conn.run('use next_build');
      for (const schema of ['raw', ...LAYERS]) await conn.run(`create schema if not exists ${schema}`);
      await conn.run(macros);
      for (const id of rawTables) await conn.run(`create view ${id} as select * from ${ident(main)}.${id}`);
      for (const model of perTenant) await conn.run(`create view ${model.id} as ${nextRows(model, build, main)}`);
      for (const model of across) await timed(`model ${model.id}`, () => buildModel(conn, model, ''));
      say(`models: ${models.length} built (${LAYERS.map((l) => `${models.filter((m) => m.schema === l).length} ${l}`).join(', ')})`);

      // An incremental table's rows before the earliest day rebuilt were checked when they were built: only the rows
      // from that day on are checked again (a day's keys include the day, so they cannot clash with older rows).
      const checks = models.flatMap((m) => {
        const mode = m.incremental;
        if (mode?.by !== 'day' || kept.fresh.has(m.id) || froms.includes('all')) return keyChecks(m);
        const from = froms.filter((f) => f !== 'none').sort()[0];
        return from === undefined ? [] : keyChecks(m, `${ident(mode.column)} >= ${literal(from)}::date`);
      });
      const failures = await timed('key checks', () => runChecks(conn, checks));
      if (failures.length > 0) throw new TransformCheckError(failures);
      passed += checks.length;
      const warned = warnings.length;
      say(`checks: ${passed} passed${warned > 0 ? `, ${warned} warned` : ''}`);

      await timed('row counts', async () => {
        for (const id of [...rawTables, ...models.map((m) => m.id)]) tables[id] = await count(conn, `select * from ${id}`);
      });
      for (const model of across) await conn.run(`create table ${ident(main)}.${nextTable(model)} as select * from ${model.id}`);
    } finally {
      await conn.run(`use ${ident(main)}`);
      await conn.run('detach next_build');
    }
    await timed('swap', () => swap(conn, models, build, prints, () => recordBuilt(conn), options.debug));
    await timed('checkpoint', () => conn.run('checkpoint'));
  } catch (error) {
    connection?.closeSync();
    db.closeSync();
    await discard();
    throw withMemoryHint(error, memoryLimit);
  }
  connection.closeSync();
  db.closeSync();
  if (!inPlace) {
    // A write-ahead log left beside the old file would be replayed onto the new one.
    await rm(`${dbPath}.wal`, { force: true });
    await rename(building, dbPath);
    if (existsSync(`${building}.wal`)) await rename(`${building}.wal`, `${dbPath}.wal`);
  }
  say(
    `database: ${dbPath} (${Object.keys(tables)
      .filter((id) => id.startsWith('marts.'))
      .map((id) => `${id.slice('marts.'.length)} ${tables[id]}`)
      .join(', ')})`,
  );
  return { dbPath, tables, warnings };
}

/**
 * The database is open in another process (a BI tool, a notebook, another transform): DuckDB lets one process write
 * a file, and no other open it meanwhile. A scheduler should try again later (the CLI exits 75).
 */
export class DatabaseBusyError extends Error {
  constructor(dbPath: string, cause: string) {
    const holder = /PID (\d+)/.exec(cause)?.[1];
    super(
      `transform: ${dbPath} is open in another process${holder ? ` (PID ${holder})` : ''}, and the transform updates it in place. Close that connection (or open the database read-only only while you query it, e.g. duckdb -readonly) and run transform again; nothing was changed.`,
    );
    this.name = 'DatabaseBusyError';
  }
}

/**
 * A transform killed midway (SIGKILL, a crash, the machine stopping) leaves its `<db>.building-<pid>` file behind:
 * remove those whose process is gone. A build whose process still runs is another transform at work: left alone.
 */
async function removeAbandonedBuilds(dbPath: string, say: (line: string) => void): Promise<void> {
  const prefix = `${basename(dbPath)}.building-`;
  let names: string[];
  try {
    names = await readdir(dirname(dbPath));
  } catch {
    return;
  }
  for (const name of names) {
    if (!name.startsWith(prefix)) continue;
    const pid = Number(/^(\d+)/.exec(name.slice(prefix.length))?.[1]);
    if (!Number.isInteger(pid) || pid <= 0) continue;
    if (pid !== process.pid && isRunning(pid)) continue;
    await rm(join(dirname(dbPath), name), { force: true });
    if (!name.endsWith('.wal')) say(`transform: removed ${name}, left by a transform that did not finish`);
  }
}

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: the process exists but is another user's.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export interface PlatformSummary {
  platform: string;
  devices: number;
  healthy: number;
  /** Healthy devices as a percentage of devices, one decimal. */
  healthyPct: number;
  compliant: number;
  /** Devices whose compliance is unknown: a check that applies has no data yet. */
  complianceUnknown: number;
  /** Compliant devices as a percentage of those whose compliance is known (devices − complianceUnknown). */
  compliantPct: number;
}

export interface FleetSummary {
  /** The latest snapshot day and the tenant's clock at its sync. */
  snapshotDate: string;
  syncedAt: string;
  /** Snapshot days in the history. */
  days: number;
  /** Enrolled devices (removed ones excluded) and their health and compliance. */
  devices: number;
  healthy: number;
  healthyPct: number;
  compliant: number;
  complianceUnknown: number;
  compliantPct: number;
  /** Devices removed from the tenant so far. */
  removed: number;
  platforms: PlatformSummary[];
}

const pct = (part: number, whole: number) => (whole === 0 ? 0 : Math.round((part / whole) * 1000) / 10);

/** The numbers of the fleet summary, read from the marts of a built database: every tenant's, or `tenant`'s alone. */
export async function fleetSummary(dbPath: string, tenant?: string): Promise<FleetSummary> {
  // One tenant's marts, or every tenant's (transforms/tenants.ts).
  const { connection, close } = await openMarts(dbPath, tenant);
  try {
    const query = async (sql: string) =>
      (await connection.runAndReadAll(sql)).getRowObjectsJson() as Record<string, string | number | null>[];
    const platforms = await query(`
      select
        h.platform,
        count(*) filter (where not h.is_removed)::integer as devices,
        count(*) filter (where h.is_healthy)::integer as healthy,
        count(c.device_id) filter (where c.is_compliant)::integer as compliant,
        count(c.device_id) filter (where c.compliance_status = 'unknown')::integer as compliance_unknown
      from marts.fleet_health as h
      left join marts.compliance as c on c.tenant_id = h.tenant_id and c.device_id = h.device_id
      group by h.platform
      having count(*) filter (where not h.is_removed) > 0
      order by devices desc, h.platform`);
    const [head] = await query(`
      select
        strftime(max(snapshot_date), '%Y-%m-%d') as snapshot_date,
        epoch_ms(max(synced_at)) as synced_at_ms,
        count(*) filter (where is_removed)::integer as removed,
        (select count(distinct snapshot_date)::integer from marts.fleet_health_daily) as days
      from marts.fleet_health`);
    const rows: PlatformSummary[] = platforms.map((p) => ({
      platform: String(p.platform),
      devices: Number(p.devices),
      healthy: Number(p.healthy),
      healthyPct: pct(Number(p.healthy), Number(p.devices)),
      compliant: Number(p.compliant),
      complianceUnknown: Number(p.compliance_unknown),
      compliantPct: pct(Number(p.compliant), Number(p.devices) - Number(p.compliance_unknown)),
    }));
    const devices = rows.reduce((n, r) => n + r.devices, 0);
    const healthy = rows.reduce((n, r) => n + r.healthy, 0);
    const compliant = rows.reduce((n, r) => n + r.compliant, 0);
    const complianceUnknown = rows.reduce((n, r) => n + r.complianceUnknown, 0);
    return {
      snapshotDate: String(head?.snapshot_date ?? ''),
      syncedAt: head?.synced_at_ms == null ? '' : new Date(Number(head.synced_at_ms)).toISOString(),
      days: Number(head?.days ?? 0),
      devices,
      healthy,
      healthyPct: pct(healthy, devices),
      compliant,
      complianceUnknown,
      compliantPct: pct(compliant, devices - complianceUnknown),
      removed: Number(head?.removed ?? 0),
      platforms: rows,
    };
  } finally {
    close();
  }
}

/** The fleet summary as a small text table for a terminal. */
export function formatFleetSummary(summary: FleetSummary): string {
  // compliant is a share of the devices whose compliance is known; unknown says how many it leaves out.
  const header = ['platform', 'devices', 'healthy', 'compliant', 'unknown'];
  const line = (p: { platform: string; devices: number; healthyPct: number; compliantPct: number; complianceUnknown: number }) => [
    p.platform,
    String(p.devices),
    `${p.healthyPct.toFixed(1)}%`,
    `${p.compliantPct.toFixed(1)}%`,
    String(p.complianceUnknown),
  ];
  const rows = [header, ...summary.platforms.map(line), line({ ...summary, platform: 'all' })];
  const widths = header.map((_, i) => Math.max(...rows.map((r) => (r[i] as string).length)));
  const format = (r: string[]) =>
    r.map((cell, i) => (i === 0 ? cell.padEnd(widths[i] as number) : cell.padStart(widths[i] as number))).join('  ');
  return [
    `Fleet on ${summary.snapshotDate} (tenant clock ${summary.syncedAt}; ${summary.days} day${summary.days === 1 ? '' : 's'} of history; ${summary.removed} removed)`,
    format(header),
    ...rows.slice(1, -1).map(format),
    '-'.repeat(widths.reduce((n, w) => n + w, 0) + 2 * (widths.length - 1)),
    format(rows.at(-1) as string[]),
  ].join('\n');
}
