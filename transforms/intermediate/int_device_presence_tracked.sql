-- int_device_presence_tracked: for every run that read the complete devices list, whether each known device was in
-- it, and whether that makes the device removed.
--
-- Removal rule: a device is removed when a *complete* sync (run status complete) listed every device but not this
-- one; it stays removed until a list has it again. A run whose devices list is complete but which failed elsewhere,
-- or stopped early on the request budget, shows which devices it saw, yet never marks one removed: the device is
-- carried with its last known record. A run whose devices list did not complete is not a list at all and is skipped.
-- Built a day at a time: the days rebuilt read only their own runs' lists, and each device known before them starts
-- from its row of the last run before them ({{previous}}), so the grid of every device and every run is not built
-- again each night.
-- grain: one row per device per run with a complete devices list, from the device's first listing on
-- keys: device_id, run_id
-- materialized: table
-- incremental: synced_date
with list_runs as (
    select
        r.run_id,
        r.run_seq,
        r.synced_at,
        r.synced_date,
        r.status = 'complete' as is_complete_sync
    from raw.runs as r
    inner join raw.run_streams as s on s.run_id = r.run_id and s.stream = 'devices' and s.status = 'complete'
),

runs_rebuilt as (
    select * from list_runs
    where synced_date >= {{from}}
),

listed as (
    select d.device_id, d.run_seq
    from staging.base_kandji__devices as d
    inner join runs_rebuilt as l on l.run_seq = d.run_seq
),

-- From scratch there is nothing before the first day: an empty relation of this model's columns.
no_previous as (
    select
        null::varchar as device_id,
        null::varchar as run_id,
        null::integer as run_seq,
        null::timestamptz as synced_at,
        null::date as synced_date,
        null::boolean as is_complete_sync,
        null::boolean as is_listed,
        null::boolean as is_removed,
        null::date as removed_on,
        null::date as first_listed_on,
        null::integer as last_listed_run_seq
    where false
),

day_before as (
    select max(synced_date) as synced_date
    from list_runs
    where synced_date < {{from}}
),

-- Each device known before the days rebuilt, as the last run before them left it.
carried as (
    select
        p.device_id,
        arg_max(p.first_listed_on, p.run_seq) as first_listed_on,
        arg_max(p.last_listed_run_seq, p.run_seq) as last_listed_run_seq,
        arg_max(p.is_removed, p.run_seq) as is_removed,
        arg_max(p.removed_on, p.run_seq) as removed_on
    from {{previous}} as p
    where p.synced_date = (select b.synced_date from day_before as b)
    group by p.device_id
),

-- The devices first listed in the days rebuilt, with that run.
first_listed as (
    select x.device_id, min(x.run_seq) as first_run_seq, arg_min(l.synced_date, x.run_seq) as first_listed_on
    from listed as x
    inner join runs_rebuilt as l on l.run_seq = x.run_seq
    group by x.device_id
),

-- Every device known: those carried over every run rebuilt, the new ones from their first listing on.
known as (
    select c.device_id, 0 as first_run_seq from carried as c
    union all
    select f.device_id, f.first_run_seq from first_listed as f
    anti join carried as c on c.device_id = f.device_id
),

grid as (
    select k.device_id, l.*
    from known as k
    inner join runs_rebuilt as l on l.run_seq >= k.first_run_seq
),

flagged as (
    select
        g.*,
        x.device_id is not null as is_listed
    from grid as g
    left join listed as x on x.device_id = g.device_id and x.run_seq = g.run_seq
),

-- The last listing and the last absence from a complete sync so far, among the runs rebuilt.
streaks as (
    select
        *,
        max(case when is_listed then run_seq end) over upto as listed_run_seq,
        max(case when not is_listed and is_complete_sync then run_seq end) over upto as absent_run_seq
    from flagged
    window upto as (partition by device_id order by run_seq rows between unbounded preceding and current row)
),

removal as (
    select
        s.*,
        c.first_listed_on as carried_first_listed_on,
        c.last_listed_run_seq as carried_last_listed_run_seq,
        c.removed_on as carried_removed_on,
        not s.is_listed and (
            coalesce(s.absent_run_seq, 0) > coalesce(s.listed_run_seq, 0)
            or (s.listed_run_seq is null and coalesce(c.is_removed, false))
        ) as is_removed,
        -- Not listed again since the last run before the days rebuilt, which had already removed it.
        s.listed_run_seq is null and coalesce(c.is_removed, false) as removed_before,
        -- The complete sync that first missed the device since it was last listed: the day it was removed.
        min(case when not s.is_listed and s.is_complete_sync then s.run_seq end)
            over (partition by s.device_id, s.listed_run_seq) as removed_by_run_seq
    from streaks as s
    left join carried as c on c.device_id = s.device_id
)

select
    r.device_id,
    r.run_id,
    r.run_seq,
    r.synced_at,
    r.synced_date,
    r.is_complete_sync,
    r.is_listed,
    r.is_removed,
    case when r.is_removed then (case when r.removed_before then r.carried_removed_on else by_run.synced_date end) end
        as removed_on,
    coalesce(r.carried_first_listed_on, f.first_listed_on) as first_listed_on,
    coalesce(r.listed_run_seq, r.carried_last_listed_run_seq) as last_listed_run_seq
from removal as r
left join runs_rebuilt as by_run on by_run.run_seq = r.removed_by_run_seq
left join first_listed as f on f.device_id = r.device_id
