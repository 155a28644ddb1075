-- base_kandji__filevault: every Prism filevault row of every run (Macs only; incremental on updated_at).
-- grain: one row per device per run
-- keys: device_id, run_id
-- materialized: view
select
    device_id,
    status as filevault_enabled,
    key_escrowed as filevault_key_escrowed,
    key_type as filevault_key_type,
    regeneration_needed as filevault_regeneration_needed,
    updated_at,
    _run_id as run_id,
    _run_seq as run_seq,
    _synced_at as synced_at,
    _synced_date as synced_date,
    _row as row_in_run
from raw.filevault
where device_id is not null
qualify row_number() over (partition by device_id, _run_id order by _row desc) = 1
