-- int_device_presence_tracked: for every run that read the complete devices list, whether each known device was in
-- it, and whether that makes the device removed.
--
-- Removal rule: a device is removed when a *complete* sync (run status complete) listed every device but not this
-- one; it stays removed until a list has it again. A run whose devices list is complete but which failed elsewhere,
-- or stopped early on the request budget, shows which devices it saw, yet never marks one removed: the device is
-- carried with its last known record. A run whose devices list did not complete is not a list at all and is skipped.
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

listed as (
    select d.device_id, d.run_seq
    from staging.base_kandji__devices as d
    inner join list_runs as l on l.run_seq = d.run_seq
),

first_listed as (
    select device_id, min(run_seq) as first_run_seq
    from listed
    group by device_id
),

grid as (
    select f.device_id, f.first_run_seq, l.*
    from first_listed as f
    inner join list_runs as l on l.run_seq >= f.first_run_seq
),

flagged as (
    select
        g.*,
        x.device_id is not null as is_listed
    from grid as g
    left join listed as x on x.device_id = g.device_id and x.run_seq = g.run_seq
),

streaks as (
    select
        *,
        max(case when is_listed then run_seq end) over upto as last_listed_run_seq,
        max(case when not is_listed and is_complete_sync then run_seq end) over upto as last_absent_complete_run_seq
    from flagged
    window upto as (partition by device_id order by run_seq rows between unbounded preceding and current row)
),

removal as (
    select
        *,
        not is_listed and coalesce(last_absent_complete_run_seq, 0) > last_listed_run_seq as is_removed,
        -- The complete sync that first missed the device since it was last listed: the day it was removed.
        min(case when not is_listed and is_complete_sync then run_seq end)
            over (partition by device_id, last_listed_run_seq) as removed_by_run_seq
    from streaks
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
    case when r.is_removed then by_run.synced_date end as removed_on,
    first_run.synced_date as first_listed_on,
    r.last_listed_run_seq
from removal as r
left join list_runs as by_run on by_run.run_seq = r.removed_by_run_seq
inner join list_runs as first_run on first_run.run_seq = r.first_run_seq
