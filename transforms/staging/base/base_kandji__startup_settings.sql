-- base_kandji__startup_settings: every Prism startup_settings row of every run (Macs only; incremental).
-- grain: one row per device per run
-- keys: device_id, run_id
-- materialized: view
select
    device_id,
    sip as sip_enabled,
    ssv as ssv_enabled,
    secure_boot_level,
    bootstrap_token_escrowed,
    updated_at,
    _run_id as run_id,
    _run_seq as run_seq,
    _synced_at as synced_at,
    _synced_date as synced_date,
    _row as row_in_run
from raw.startup_settings
where device_id is not null
qualify row_number() over (partition by device_id, _run_id order by _row desc) = 1
