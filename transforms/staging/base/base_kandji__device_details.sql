-- base_kandji__device_details: every device details record of every run (GET /devices/{id}/details), with the
-- columns the snapshots need pulled out of its JSON sections. The stream is incremental: a run holds only the
-- devices whose inventory changed, so a device's details "as of day D" are its latest row up to D.
-- grain: one row per device per run
-- keys: device_id, run_id
-- materialized: view
select
    device_id,
    refreshed_at,
    general ->> 'platform' as platform,
    nullif(general ->> 'boot_volume', '') as boot_volume,
    -- Disk use of the boot volume: on a Mac the named boot volume and its APFS data volume ("Macintosh HD - Data",
    -- which share one container and report the same use); iPhone and iPad report one nameless volume; Apple TV none.
    (
        select max(v.percent_used_number)
        from (select unnest(from_json(volumes, '[{"name":"VARCHAR","percent_used_number":"DOUBLE"}]')) as v) as listed
        where
            coalesce(device_details.general ->> 'boot_volume', '') = ''
            or v.name in (device_details.general ->> 'boot_volume', (device_details.general ->> 'boot_volume') || ' - Data')
    ) as boot_volume_percent_used,
    (filevault ->> 'filevault_enabled')::boolean as filevault_enabled,
    (filevault ->> 'filevault_prk_escrowed')::boolean as filevault_key_escrowed,
    (recovery_information ->> 'recovery_lock_enabled')::boolean as recovery_lock_enabled,
    (recovery_information ->> 'firmware_password_exist')::boolean as firmware_password_exists,
    (mdm ->> 'supervised')::boolean as is_supervised,
    (lost_mode ->> 'lost_mode_status') as lost_mode_status,
    _run_id as run_id,
    _run_seq as run_seq,
    _synced_at as synced_at,
    _synced_date as synced_date,
    _row as row_in_run
from raw.device_details
where device_id is not null
qualify row_number() over (partition by device_id, _run_id order by _row desc) = 1
