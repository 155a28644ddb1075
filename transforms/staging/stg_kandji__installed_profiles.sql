-- stg_kandji__installed_profiles: the latest row of each configuration profile on each device (Prism; incremental).
-- grain: one row per device and profile payload
-- keys: device_id, payload_uuid
-- materialized: view
select
    device_id,
    payload_uuid,
    payload_identifier,
    profile_display_name,
    profile_description,
    organization,
    managed as is_managed,
    removable as is_removable,
    removal_passcode as has_removal_passcode,
    encrypted as is_encrypted,
    signed as is_signed,
    -- One row per payload of the profile would be another grain; the payload types are kept as a list here.
    from_json(profile_data, '[{"type":"VARCHAR"}]') as payloads,
    updated_at,
    _run_id as run_id,
    _run_seq as run_seq,
    _synced_at as synced_at,
    _synced_date as synced_date
from raw.installed_profiles
where device_id is not null and payload_uuid is not null
qualify row_number() over (partition by device_id, payload_uuid order by _run_seq desc, _row desc) = 1
