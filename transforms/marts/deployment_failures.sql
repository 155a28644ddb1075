-- deployment_failures: every library item failing now on an enrolled device, and since when: the first snapshot day
-- of the unbroken run of days, up to the latest, on which the item's status on the device was fail.
-- grain: one row per enrolled device per library item failing on the latest snapshot day
-- keys: device_id, library_item_id
-- requires: library_item_statuses
-- materialized: table
with latest as (
    select max(d.snapshot_date) as snapshot_date from snapshots.snp_devices_daily as d
),

-- The items failing on a device on the latest day: only their history is read (a year of every item's status on
-- every device is the largest table of the database).
failing_now as (
    select s.device_id, s.library_item_id
    from snapshots.snp_kandji__library_item_statuses_daily as s
    where s.snapshot_date = (select l.snapshot_date from latest as l) and s.is_current and s.status_normalized = 'fail'
),

statuses as (
    select
        s.snapshot_date,
        s.device_id,
        s.library_item_id,
        s.status,
        s.status_normalized,
        s.reported_at,
        s.is_current and s.status_normalized = 'fail' as is_failing
    from snapshots.snp_kandji__library_item_statuses_daily as s
    semi join failing_now as n on n.device_id = s.device_id and n.library_item_id = s.library_item_id
    where s.snapshot_date in (select d.snapshot_date from snapshots.snp_devices_daily as d)
),

streaks as (
    select
        *,
        -- Days since the last day it was not failing: a new run starts after each such day.
        sum(case when is_failing then 0 else 1 end) over (
            partition by device_id, library_item_id order by snapshot_date rows between unbounded preceding and current row
        ) as streak
    from statuses
),

-- The failing runs that reach the latest snapshot day.
open_streaks as (
    select x.device_id, x.library_item_id, x.streak
    from streaks as x
    where x.is_failing and x.snapshot_date = (select l.snapshot_date from latest as l)
)

select
    s.device_id,
    s.library_item_id,
    f.device_name,
    f.user_email,
    f.platform,
    i.name as library_item_name,
    arg_max(s.status, s.snapshot_date) as status,
    max(s.reported_at) as reported_at,
    min(s.snapshot_date) as failing_since,
    count(*) as snapshot_days_failing
from streaks as s
inner join open_streaks as o
    on o.device_id = s.device_id and o.library_item_id = s.library_item_id and o.streak = s.streak
inner join marts.fleet_health as f on f.device_id = s.device_id and not f.is_removed
left join staging.stg_kandji__library_items as i on i.id = s.library_item_id
where s.is_failing
group by s.device_id, s.library_item_id, f.device_name, f.user_email, f.platform, i.name
