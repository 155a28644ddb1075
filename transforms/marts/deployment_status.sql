-- deployment_status: each library item's status across the fleet on each snapshot day: how many enrolled devices
-- in its scope report each normalized status (pass, fail, pending, excluded, not_applicable, muted; '(unknown)'
-- for a status the connector does not map). From the generated snp_kandji__library_item_statuses_daily (an item's
-- status on a device as of the day; a status a complete read no longer had is gone) and the library item list as
-- of the same day (the name it had then: a day's row never changes once built).
-- grain: one row per library item per snapshot day per status
-- keys: snapshot_date, library_item_id, status
-- requires: library_item_statuses
-- materialized: table
-- incremental: snapshot_date
with enrolled as (
    select snapshot_date, device_id
    from snapshots.snp_devices_daily
    where not is_removed
)

select
    s.snapshot_date,
    s.library_item_id,
    coalesce(s.status_normalized, '(unknown)') as status,
    any_value(i.name) as library_item_name,
    any_value(i.item_type) as library_item_type,
    count(*) as devices
from snapshots.snp_kandji__library_item_statuses_daily as s
inner join enrolled as e on e.snapshot_date = s.snapshot_date and e.device_id = s.device_id
left join snapshots.snp_kandji__library_items_daily as i
    on i.snapshot_date = s.snapshot_date and i.id = s.library_item_id
where s.is_current
group by s.snapshot_date, s.library_item_id, coalesce(s.status_normalized, '(unknown)')
