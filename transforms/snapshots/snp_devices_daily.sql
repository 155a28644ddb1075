-- snp_devices_daily: the fleet as each sync day saw it, so that history survives an API that keeps none. Each day
-- is the last run of that day (by the tenant's clock) whose devices list is complete; every device listed by any
-- such run so far has a row, with the attributes the daily marts need as of that day:
--   - from the devices list: the day's run's record; a device the run did not list (removed, or not seen by a run
--     that may not mark removals) carries its last record;
--   - from incremental streams (device_details and the Prism categories): the latest row per device among the
--     runs synced on or before the day, unless a complete full read by then no longer had it (generated
--     snp_kandji__<stream>_daily models).
-- is_removed/removed_on follow the removal rule of int_device_presence_tracked.
-- Built a day at a time: each device's record as of a day rebuilt is the latest among the runs after the run the day
-- before was taken from (later runs of that same day included, whatever their date) or, if none has it, the day
-- before's own ({{previous}}, whose rows hold each device's record as of that run), so the record of every device
-- in every run kept is not sorted again each night.
-- grain: one row per device per snapshot day
-- keys: snapshot_date, device_id
-- materialized: table
-- incremental: snapshot_date
with day_runs as (
    select synced_date, max(run_seq) as run_seq
    from intermediate.int_device_presence_tracked
    where synced_date >= {{from}}
    group by synced_date
),

presence as (
    select p.*
    from intermediate.int_device_presence_tracked as p
    inner join day_runs as d on d.run_seq = p.run_seq
),

-- From scratch there is nothing before the first day: an empty relation of the columns read of the day before.
no_previous as (
    select
        null::date as snapshot_date,
        null::varchar as device_id,
        null::timestamptz as device_record_synced_at,
        null::varchar as device_name,
        null::varchar as platform,
        null::varchar as model,
        null::varchar as serial_number,
        null::varchar as os_version,
        null::varchar as os_version_key,
        null::varchar as user_id,
        null::varchar as user_email,
        null::varchar as user_name,
        null::varchar as blueprint_id,
        null::varchar as blueprint_name,
        null::timestamptz as last_check_in_at,
        null::boolean as mdm_enabled,
        null::boolean as agent_installed,
        null::varchar as agent_version,
        null::boolean as is_missing,
        null::boolean as api_is_removed,
        null::boolean as is_lost_mode,
        null::varchar as lost_mode_status
    where false
),

-- The snapshot day before the first day rebuilt, and the run its rows were taken from.
last_day_before as (
    select max(synced_date) as synced_date
    from intermediate.int_device_presence_tracked
    where synced_date < {{from}}
),

day_before as (
    select p.synced_date, max(p.run_seq) as run_seq
    from intermediate.int_device_presence_tracked as p
    inner join last_day_before as l on l.synced_date = p.synced_date
    group by p.synced_date
),

-- Each device's records: those of the runs after the day before's, and its record as of the day before.
records as (
    select
        run_seq,
        device_id,
        synced_at,
        device_name,
        platform,
        model,
        serial_number,
        os_version,
        os_version_key,
        user_id,
        user_email,
        user_name,
        blueprint_id,
        blueprint_name,
        last_check_in_at,
        mdm_enabled,
        agent_installed,
        agent_version,
        is_missing,
        api_is_removed,
        is_lost_mode,
        lost_mode_status
    from staging.base_kandji__devices
    where run_seq > coalesce((select b.run_seq from day_before as b), -1)
    union all
    select
        b.run_seq,
        p.device_id,
        p.device_record_synced_at,
        p.device_name,
        p.platform,
        p.model,
        p.serial_number,
        p.os_version,
        p.os_version_key,
        p.user_id,
        p.user_email,
        p.user_name,
        p.blueprint_id,
        p.blueprint_name,
        p.last_check_in_at,
        p.mdm_enabled,
        p.agent_installed,
        p.agent_version,
        p.is_missing,
        p.api_is_removed,
        p.is_lost_mode,
        p.lost_mode_status
    from {{previous}} as p
    inner join day_before as b on b.synced_date = p.snapshot_date
),

-- Device details as of each day (snp_kandji__device_details_daily, generated), with the values the marts need
-- pulled out of its JSON sections (the boot volume: int_boot_volumes_measured).
details as (
    select
        snapshot_date,
        device_id,
        run_id,
        synced_at,
        refreshed_at,
        (filevault ->> 'filevault_enabled')::boolean as filevault_enabled,
        (filevault ->> 'filevault_prk_escrowed')::boolean as filevault_key_escrowed,
        (recovery_information ->> 'recovery_lock_enabled')::boolean as recovery_lock_enabled,
        (recovery_information ->> 'firmware_password_exist')::boolean as firmware_password_exists
    from snapshots.snp_kandji__device_details_daily
    where is_current and snapshot_date >= {{from}}
)

select
    p.synced_date as snapshot_date,
    p.device_id,
    p.run_id,
    p.synced_at,
    p.is_listed,
    p.is_removed,
    p.removed_on,
    p.first_listed_on,
    d.synced_at as device_record_synced_at,
    d.device_name,
    d.platform,
    d.model,
    d.serial_number,
    d.os_version,
    d.os_version_key,
    d.user_id,
    d.user_email,
    d.user_name,
    d.blueprint_id,
    d.blueprint_name,
    d.last_check_in_at,
    d.mdm_enabled,
    d.agent_installed,
    d.agent_version,
    d.is_missing,
    d.api_is_removed,
    d.is_lost_mode,
    d.lost_mode_status,
    i.apple_silicon,
    -- FileVault from Prism (read fleet-wide every sync); from the device details where Prism has no row.
    case when fv.device_id is not null then fv.status else dd.filevault_enabled end as filevault_enabled,
    case when fv.device_id is not null then fv.key_escrowed else dd.filevault_key_escrowed end as filevault_key_escrowed,
    gk.gatekeeper_status as gatekeeper_enabled,
    ss.sip as sip_enabled,
    fw.status as firewall_enabled,
    dd.recovery_lock_enabled,
    dd.firmware_password_exists,
    bv.percent_used as boot_volume_percent_used,
    dd.refreshed_at as details_refreshed_at,
    -- Provenance of the security settings (control_evidence_daily): the run that read each one, and its tenant clock.
    case when fv.device_id is not null then 'filevault' when dd.filevault_enabled is not null then 'device_details' end
        as filevault_stream,
    case when fv.device_id is not null then fv.run_id else dd.run_id end as filevault_run_id,
    case when fv.device_id is not null then fv.synced_at else dd.synced_at end as filevault_synced_at,
    gk.run_id as gatekeeper_run_id,
    gk.synced_at as gatekeeper_synced_at,
    ss.run_id as sip_run_id,
    ss.synced_at as sip_synced_at,
    fw.run_id as firewall_run_id,
    fw.synced_at as firewall_synced_at,
    dd.run_id as details_run_id,
    dd.synced_at as details_synced_at,
    i.run_id as information_run_id,
    i.synced_at as information_synced_at
from presence as p
asof left join records as d
    on d.device_id = p.device_id and d.run_seq <= p.run_seq
-- The incremental streams as of the day (generated from their declarations): rows a complete full read no longer
-- had are gone (is_current false) and do not count.
left join details as dd
    on dd.device_id = p.device_id and dd.snapshot_date = p.synced_date
left join intermediate.int_boot_volumes_measured as bv
    on bv.device_id = p.device_id and bv.snapshot_date = p.synced_date and bv.snapshot_date >= {{from}}
left join snapshots.snp_kandji__device_information_daily as i
    on i.device_id = p.device_id and i.snapshot_date = p.synced_date and i.snapshot_date >= {{from}} and i.is_current
left join snapshots.snp_kandji__filevault_daily as fv
    on fv.device_id = p.device_id and fv.snapshot_date = p.synced_date and fv.snapshot_date >= {{from}} and fv.is_current
left join snapshots.snp_kandji__gatekeeper_and_xprotect_daily as gk
    on gk.device_id = p.device_id and gk.snapshot_date = p.synced_date and gk.snapshot_date >= {{from}} and gk.is_current
left join snapshots.snp_kandji__startup_settings_daily as ss
    on ss.device_id = p.device_id and ss.snapshot_date = p.synced_date and ss.snapshot_date >= {{from}} and ss.is_current
left join snapshots.snp_kandji__application_firewall_daily as fw
    on fw.device_id = p.device_id and fw.snapshot_date = p.synced_date and fw.snapshot_date >= {{from}} and fw.is_current
