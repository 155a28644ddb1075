-- deployment_failures: every library item failing now on an enrolled device, and since when: the first snapshot day
-- of the unbroken run of days, up to the latest, on which the item's status on the device was fail.
-- grain: one row per enrolled device per library item failing on the latest snapshot day
-- keys: device_id, library_item_id
-- requires: library_item_statuses
-- materialized: table
with latest as (
    select max(d.snapshot_date) as snapshot_date from snapshots.snp_devices_daily as d
)

select
    t.device_id,
    t.library_item_id,
    f.device_name,
    f.user_email,
    f.platform,
    i.name as library_item_name,
    t.status,
    t.reported_at,
    t.failing_since,
    t.snapshot_days_failing
-- Each failing run, tracked a day at a time (int_deployment_failures_tracked): those that reach the latest day.
from intermediate.int_deployment_failures_tracked as t
inner join marts.fleet_health as f on f.device_id = t.device_id and not f.is_removed
left join staging.stg_kandji__library_items as i on i.id = t.library_item_id
where t.snapshot_date = (select l.snapshot_date from latest as l)
