/**
 * The models every stream gets without a SQL file of its own, generated from its declaration in streams/ (its name
 * and primary key), so "latest row per key" and "row as of a day" are written once here, not pasted per stream
 * (STYLE.md §10):
 *
 *   staging.stg_kandji__<stream>            one row per primary key: its latest row across every run (highest
 *                                           run_seq, then its last position in the file), with is_current
 *   snapshots.snp_kandji__<stream>_daily    one row per primary key per day any run synced: its latest row synced
 *                                           on or before that day, with is_current as of that day
 *
 * Both keep the stream's columns as the raw layer has them, and name the run columns once (RUN_COLUMNS).
 *
 * is_current, the deletion rule (issue #10 item 5): an incremental stream (Prism, device details) only ever sends
 * what changed, so it never says that a row is gone. A complete full read does: it is the whole set of rows that
 * exist. A row is current unless the stream's latest complete full read (on or before the day, for the daily
 * model) lacks it and no later run has sent it again: its latest row is older than that full read. A full-refresh
 * stream (devices, users, blueprints…) read to the end is a full read; an incremental stream is one when the run's
 * manifest says so (`full_read: true` in its stream entry). Without any full read every row is current.
 *
 * Both are incremental (transforms/incremental.ts): a nightly build reads only the new runs' raw rows (synced on or
 * after {{from}}). The current-row model replaces the rows of the keys those rows have, then moves is_current if a
 * new full read came; the daily model builds the new days from the last build's last day before them ({{previous}})
 * and the new rows, so a year of history is not read again each night.
 *
 * A daily model is built only when another model reads it (most streams have no history mart yet), so the build
 * does not pay for histories nobody uses; the current-row models are always built: they are what analysts query.
 * Both are tables, not views: the marts, the checks and the row counts read them several times each, and a view
 * would redo its window over every raw row each time.
 */
import { storageOrderOf } from '../streams/declaration.ts';
import { STREAMS } from '../streams/index.ts';
import type { Model } from './models.ts';
import { ident, literal, PLACEHOLDER } from './sql.ts';

/** The run columns raw.ts adds to every stream's rows, as the generated models name them (raw name → model name). */
export const RUN_COLUMNS = {
  _run_id: 'run_id',
  _run_seq: 'run_seq',
  _synced_at: 'synced_at',
  _synced_date: 'synced_date',
} as const;

/** raw.ts's position of a row in its run's file: the tie-breaker of "latest", not carried into the models. */
const ROW_COLUMN = '_row';
/** Past any row's position in its file. */
const LAST_IN_RUN = '9223372036854775807';
const { from: FROM, previous: PREVIOUS } = PLACEHOLDER;

/**
 * Key columns that may be null, by stream: an iPhone or iPad app has no install path (docs/kandji-api.md §6.4), nor has
 * the vulnerable software of an iPhone or iPad detection. Every
 * other key column must be set; a row without it is no row of that key and is left out.
 */
const NULLABLE_KEYS: Record<string, readonly string[]> = { device_apps: ['path'], vulnerability_detections: ['path'] };

/** The stream's key columns (top-level fields of its records, in the declaration's order). */
export function streamKeys(stream: { name: string; primaryKey: string[][] }): string[] {
  return stream.primaryKey.map((path) => {
    if (path.length !== 1) throw new Error(`${stream.name}: a generated model needs top-level key fields, not ${path.join('.')}`);
    return path[0] as string;
  });
}

/**
 * The rows of raw.<stream> with a usable key synced on or after {{from}} (transforms/incremental.ts: the first day the
 * build has to redo; every day on a build from scratch), the run columns renamed once, without the `omit` fields.
 */
function rowsOf(stream: string, keys: string[], nullable: readonly string[], omit: readonly string[] = []): string {
  const runColumns = Object.entries(RUN_COLUMNS).map(([raw, name]) => `${raw} as ${name}`);
  const required = keys.filter((k) => !nullable.includes(k)).map((k) => `${ident(k)} is not null`);
  const excluded = [...Object.keys(RUN_COLUMNS), ROW_COLUMN, ...omit.map(ident)];
  return [
    `select * exclude (${excluded.join(', ')}), ${runColumns.join(', ')}, ${ROW_COLUMN} as row_in_run`,
    `from raw.${ident(stream)}`,
    `where ${[...required, `_synced_date >= ${FROM}`].join(' and ')}`,
  ].join('\n    ');
}

/**
 * A daily model's last day before {{from}}, as transforms/incremental.ts substitutes {{previous}}; from scratch,
 * `no_previous`: an empty relation of the same columns, which the daily model defines. Each of those rows is the
 * latest row of its key in its run: row_in_run, which the model does not keep, sorts it after every row of that run.
 */
const CARRIED = `select * exclude (snapshot_date, is_current), ${LAST_IN_RUN} as row_in_run from ${PREVIOUS}`;

/** The complete full reads of a stream: (run_seq, synced_date) of every run that read the whole set. */
function fullReadsOf(stream: string): string {
  return `select run_seq, synced_date
    from raw.run_streams as s
    inner join raw.runs as r using (run_id, run_seq)
    where s.stream = ${literal(stream)}
        and s.status = 'complete'
        and coalesce(s.full_read, s.sync_mode = 'full_refresh')`;
}

function header(lines: string[]): string {
  return lines.map((l) => `-- ${l}`).join('\n');
}

export function generatedModels(): Model[] {
  return STREAMS.flatMap((stream) => {
    const keys = streamKeys(stream);
    const nullable = NULLABLE_KEYS[stream.name] ?? [];
    const partition = keys.map(ident).join(', ');
    const file = `streams/ (${stream.name}, generated by transforms/generated.ts)`;
    const current: Model = {
      schema: 'staging',
      name: `stg_kandji__${stream.name}`,
      id: `staging.stg_kandji__${stream.name}`,
      file,
      grain: `one row per ${keys.join(', ')}`,
      keys,
      nullableKeys: [...nullable],
      materialized: 'table',
      incremental: {
        by: 'key',
        keys,
        // A new complete full read moves is_current for rows the new runs did not bring.
        current: `run_seq >= coalesce((select max(run_seq) from (${fullReadsOf(stream.name)})), 0)`,
      },
      order: storageOrderOf(stream),
      scope: 'tenant',
      refs: [`raw.${stream.name}`, 'raw.run_streams', 'raw.runs'],
      requires: [],
      sql: `${header([
        `stg_kandji__${stream.name}: the latest row of each ${keys.join(', ')} across every run; is_current: not gone`,
        'from the latest complete full read (generated from the stream declaration; transforms/generated.ts)',
        `grain: one row per ${keys.join(', ')}`,
      ])}
with rows as (
    ${rowsOf(stream.name, keys, nullable)}
),

last_full_read as (
    select max(run_seq) as run_seq from (${fullReadsOf(stream.name)})
)

select r.* exclude (row_in_run), r.run_seq >= coalesce(f.run_seq, 0) as is_current
from rows as r
cross join last_full_read as f
qualify row_number() over (partition by ${keys.map((k) => `r.${ident(k)}`).join(', ')} order by r.run_seq desc, r.row_in_run desc) = 1`,
    };
    const omitted = stream.dailyOmits?.fields ?? [];
    const daily: Model = {
      schema: 'snapshots',
      name: `snp_kandji__${stream.name}_daily`,
      id: `snapshots.snp_kandji__${stream.name}_daily`,
      file,
      grain: `one row per ${keys.join(', ')} per day a run synced, from the first day it was seen`,
      keys: ['snapshot_date', ...keys],
      nullableKeys: [...nullable],
      materialized: 'table',
      incremental: { by: 'day', column: 'snapshot_date' },
      order: ['snapshot_date', ...storageOrderOf(stream)],
      scope: 'tenant',
      refs: [`raw.${stream.name}`, 'raw.run_streams', 'raw.runs'],
      requires: [],
      sql: `${header([
        `snp_kandji__${stream.name}_daily: each ${keys.join(', ')} as of each day: its latest row synced on or before the day;`,
        'is_current: not gone from the latest complete full read by then (generated; transforms/generated.ts)',
        `grain: one row per ${keys.join(', ')} per day a run synced`,
        ...(stream.dailyOmits
          ? [
              `leaves out ${omitted.join(', ')}: the ${stream.dailyOmits.keptBy} stream keeps it day by day; stg_kandji__${stream.name} has its latest value`,
            ]
          : []),
      ])}
with days as (
    select distinct synced_date as snapshot_date from raw.runs where synced_date >= ${FROM}
),

rows as (
    ${rowsOf(stream.name, keys, nullable, omitted)}
),

no_previous as (
    select null::date as snapshot_date, * exclude (row_in_run), null::boolean as is_current from rows where false
),

-- Each key as of the last day before {{from}}, which the last build made (nothing, from scratch),
carried as (
    ${CARRIED}
),

-- then the state at the end of each day the key was read: its last row that day,
last_of_day as (
    select *
    from (select * from rows union all by name select * from carried)
    qualify row_number() over (partition by ${partition}, synced_date order by run_seq desc, row_in_run desc) = 1
),

-- and the next day it was read (after the filter above: a window beside QUALIFY would see every row of the day).
by_day as (
    select *, lead(synced_date) over (partition by ${partition} order by synced_date) as next_synced_date
    from last_of_day
),

full_reads as (
    select synced_date, max(run_seq) as run_seq from (${fullReadsOf(stream.name)}) group by synced_date
),

as_of as (
    select d.snapshot_date, b.* exclude (row_in_run, next_synced_date)
    from by_day as b
    inner join days as d
        on d.snapshot_date >= b.synced_date and (b.next_synced_date is null or d.snapshot_date < b.next_synced_date)
)

select a.*, a.run_seq >= coalesce(f.run_seq, 0) as is_current
from as_of as a
asof left join full_reads as f on f.synced_date <= a.snapshot_date`,
    };
    return [current, daily];
  });
}

/** Generated daily models no other model reads are left out of the build. */
export function isOptionalModel(model: Model): boolean {
  return model.schema === 'snapshots' && model.name.startsWith('snp_kandji__') && model.name.endsWith('_daily');
}
