-- int_boot_volumes_measured: each device's boot volume as its device details reported it, as of each day a run
-- synced: use, capacity and free space. The boot volume is, on a Mac, the named boot volume and its APFS data
-- volume ("Macintosh HD - Data", which share one container and report the same use and space); iPhone and iPad
-- report one nameless volume; Apple TV none (no row here). From snp_kandji__device_details_daily (generated;
-- rows a complete full read no longer had are left out).
-- grain: one row per device with a reported boot volume per day a run synced
-- keys: snapshot_date, device_id
-- materialized: table
-- incremental: snapshot_date
with volumes as (
    select
        d.snapshot_date,
        d.device_id,
        d.general ->> 'boot_volume' as boot_volume,
        unnest(
            from_json(d.volumes, '[{"name":"VARCHAR","percent_used_number":"DOUBLE","capacity_bytes":"DOUBLE","available_bytes":"DOUBLE"}]')
        ) as v
    from snapshots.snp_kandji__device_details_daily as d
    where d.is_current
)

select
    volumes.snapshot_date,
    volumes.device_id,
    max(v.percent_used_number) as percent_used,
    max(v.capacity_bytes)::bigint as capacity_bytes,
    min(v.available_bytes)::bigint as available_bytes
from volumes
where coalesce(volumes.boot_volume, '') = '' or v.name in (volumes.boot_volume, volumes.boot_volume || ' - Data')
group by volumes.snapshot_date, volumes.device_id
