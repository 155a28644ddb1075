-- stg_kandji__device_apps: the latest row of each app on each device (Prism apps, or the per-device endpoint without
-- Prism). Incremental on updated_at, so the latest row per key across every run is the current one; an app removed
-- from a device is not reported by an incremental read and stays here until a full refresh.
-- grain: one row per device, bundle id and install path
-- keys: device_id, bundle_id, path
-- nullable keys: path
-- materialized: view
select
    device_id,
    bundle_id,
    -- Null on iPhone and iPad, which report no install path (kandji-api.md §6.4).
    path,
    name as app_name,
    version,
    short_version,
    obtained_from,
    bundle_size as bundle_size_bytes,
    signature,
    team_id,
    developer_name,
    app_store_vendable,
    device_based_vpp,
    minimum_system_version,
    creation_date as created_at,
    modification_date as modified_at,
    updated_at,
    _run_id as run_id,
    _run_seq as run_seq,
    _synced_at as synced_at,
    _synced_date as synced_date
from raw.device_apps
where device_id is not null and bundle_id is not null
qualify row_number() over (partition by device_id, bundle_id, path order by _run_seq desc, _row desc) = 1
