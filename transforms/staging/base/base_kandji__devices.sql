-- base_kandji__devices: every row of every run's devices list (GET /devices), renamed and cast. The history the
-- daily snapshots are built from; stg_kandji__devices keeps the latest row of each device.
-- grain: one row per device per run
-- keys: device_id, run_id
-- materialized: table
-- incremental: synced_date
select
    device_id,
    device_name,
    platform,
    model,
    serial_number,
    nullif(os_version, '') as os_version,
    -- A sortable key for dotted versions ("15.1.1" → "00000015.00000001.00000001.00000000"), so that 15.10 sorts
    -- after 15.9. Four parts cover every Apple, Windows and Android version string the API sends.
    case
        when nullif(os_version, '') is not null then
            lpad(split_part(os_version, '.', 1), 8, '0') || '.' || lpad(split_part(os_version, '.', 2), 8, '0') || '.'
            || lpad(split_part(os_version, '.', 3), 8, '0') || '.' || lpad(split_part(os_version, '.', 4), 8, '0')
    end as os_version_key,
    last_check_in as last_check_in_at,
    -- `user` is null when unassigned (the API sends ""); its id is an integer in 2022 payloads, text here either way.
    nullif(user ->> 'id', '') as user_id,
    user ->> 'email' as user_email,
    user ->> 'name' as user_name,
    nullif(blueprint_id, '') as blueprint_id,
    blueprint_name,
    mdm_enabled,
    agent_installed,
    nullif(agent_version, '') as agent_version,
    is_missing,
    -- The API's own flag, not our observation that a device left the list (see int_device_presence_tracked).
    is_removed as api_is_removed,
    lost_mode_status,
    -- "" when not in lost mode; absent from pre-2023 payloads, which predate lost mode in the API (docs/kandji-api.md §6.1).
    coalesce(lost_mode_status not in ('', 'DISABLED'), false) as is_lost_mode,
    first_enrollment as first_enrolled_at,
    last_enrollment as last_enrolled_at,
    nullif(asset_tag, '') as asset_tag,
    tags,
    _run_id as run_id,
    _run_seq as run_seq,
    _synced_at as synced_at,
    _synced_date as synced_date,
    _row as row_in_run
from raw.devices
where device_id is not null
-- Pages overlap (docs/kandji-api.md §6.1): a device the read saw twice keeps its last row. A run has one synced date:
-- partitioning by it too changes nothing, and lets a nightly build's day filter reach the raw rows below the window.
qualify row_number() over (partition by device_id, _run_id, _synced_date order by _row desc) = 1
