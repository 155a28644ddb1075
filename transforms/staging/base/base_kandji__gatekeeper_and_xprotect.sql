-- base_kandji__gatekeeper_and_xprotect: every Prism gatekeeper_and_xprotect row of every run (Macs only; incremental).
-- grain: one row per device per run
-- keys: device_id, run_id
-- materialized: view
select
    device_id,
    gatekeeper_status as gatekeeper_enabled,
    trusted_developers as gatekeeper_allows_identified_developers,
    xprotect_version,
    updated_at,
    _run_id as run_id,
    _run_seq as run_seq,
    _synced_at as synced_at,
    _synced_date as synced_date,
    _row as row_in_run
from raw.gatekeeper_and_xprotect
where device_id is not null
qualify row_number() over (partition by device_id, _run_id order by _row desc) = 1
