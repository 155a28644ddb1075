-- int_deployment_failures_tracked: each library item failing on a device on a snapshot day, with the first day of
-- its unbroken run of failing days up to that one (failing_since), how many snapshot days that run holds, and the
-- latest reported_at over them. A day breaks the run when the item's status on the device is not fail, or is gone
-- from the latest complete full read (is_current false). Snapshot days are those of snp_devices_daily; an item has a
-- row on each of them from the day it is first seen (the generated daily snapshot carries it).
-- Built a day at a time: the days rebuilt read only their own statuses, and a run that reaches back before them is
-- carried from this table's rows of the snapshot day just before ({{previous}}), so a year of every item's status on
-- every device is not read again each night (deployment_failures reads the latest day).
-- grain: one row per device per library item failing per snapshot day
-- keys: snapshot_date, device_id, library_item_id
-- materialized: table
-- incremental: snapshot_date
with snapshot_days as (
    select distinct d.snapshot_date from snapshots.snp_devices_daily as d
),

statuses as (
    select
        s.snapshot_date,
        s.device_id,
        s.library_item_id,
        s.status,
        s.reported_at,
        s.is_current and s.status_normalized = 'fail' as is_failing
    from snapshots.snp_kandji__library_item_statuses_daily as s
    semi join snapshot_days as d on d.snapshot_date = s.snapshot_date
    where s.snapshot_date >= {{from}}
),

-- From scratch there is nothing before the first day: an empty relation of this model's columns.
no_previous as (
    select
        null::date as snapshot_date,
        null::varchar as device_id,
        null::varchar as library_item_id,
        null::varchar as status,
        null::date as failing_since,
        null::bigint as snapshot_days_failing,
        null::timestamptz as reported_at
    where false
),

day_before as (
    select max(d.snapshot_date) as snapshot_date
    from snapshot_days as d
    where d.snapshot_date < {{from}}
),

-- The runs still failing on the snapshot day just before the first day rebuilt (none if nothing failed that day).
carried as (
    select p.device_id, p.library_item_id, p.failing_since, p.snapshot_days_failing, p.reported_at
    from {{previous}} as p
    where p.snapshot_date = (select b.snapshot_date from day_before as b)
),

streaks as (
    select
        *,
        -- Days not failing so far (from the first day rebuilt): a new run starts after each; 0 while none has been.
        sum(case when is_failing then 0 else 1 end) over (
            partition by device_id, library_item_id order by snapshot_date rows between unbounded preceding and current row
        ) as streak
    from statuses
),

failing as (
    select
        snapshot_date,
        device_id,
        library_item_id,
        status,
        streak,
        min(snapshot_date) over run_so_far as first_day,
        count(*) over run_so_far as days,
        max(reported_at) over run_so_far as last_reported_at
    from streaks
    where is_failing
    window run_so_far as (
        partition by device_id, library_item_id, streak order by snapshot_date rows between unbounded preceding and current row
    )
)

select
    f.snapshot_date,
    f.device_id,
    f.library_item_id,
    f.status,
    -- A run unbroken since the first day rebuilt continues the one failing the day before, if there was one.
    case when f.streak = 0 and c.device_id is not null then c.failing_since else f.first_day end as failing_since,
    f.days + case when f.streak = 0 and c.device_id is not null then c.snapshot_days_failing else 0 end
        as snapshot_days_failing,
    case
        when f.streak = 0 and c.device_id is not null then greatest(f.last_reported_at, c.reported_at)
        else f.last_reported_at
    end as reported_at
from failing as f
left join carried as c on c.device_id = f.device_id and c.library_item_id = f.library_item_id
