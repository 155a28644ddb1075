-- base_kandji__device_information: every Prism device_information row of every run (incremental on updated_at:
-- a later run holds only the devices whose row changed).
-- grain: one row per device per run
-- keys: device_id, run_id
-- materialized: view
select
    device_id,
    device__family as device_family,
    apple_silicon,
    model_name,
    nullif(os_version, '') as os_version,
    os_build,
    mdm_enabled,
    agent_installed,
    last_checkin as last_check_in_at,
    battery_health,
    device_capacity as device_capacity_gb,
    updated_at,
    _run_id as run_id,
    _run_seq as run_seq,
    _synced_at as synced_at,
    _synced_date as synced_date,
    _row as row_in_run
from raw.device_information
where device_id is not null
qualify row_number() over (partition by device_id, _run_id order by _row desc) = 1
