-- base_kandji__application_firewall: every Prism application_firewall row of every run (Macs only; incremental).
-- grain: one row per device per run
-- keys: device_id, run_id
-- materialized: view
select
    device_id,
    status as firewall_enabled,
    block_all_incoming as firewall_blocks_all_incoming,
    stealth_mode as firewall_stealth_mode,
    updated_at,
    _run_id as run_id,
    _run_seq as run_seq,
    _synced_at as synced_at,
    _synced_date as synced_date,
    _row as row_in_run
from raw.application_firewall
where device_id is not null
qualify row_number() over (partition by device_id, _run_id order by _row desc) = 1
