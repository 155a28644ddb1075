-- snp_devices_daily: the fleet as each sync day saw it, so that history survives an API that keeps none. Each day
-- is the last run of that day (by the tenant's clock) whose devices list is complete; every device listed by any
-- such run so far has a row, with the attributes the daily marts need as of that day:
--   - from the devices list: the day's run's record; a device the run did not list (removed, or not seen by a run
--     that may not mark removals) carries its last record;
--   - from incremental streams (device_details and the Prism categories): the latest row per device among the
--     runs synced on or before the day.
-- is_removed/removed_on follow the removal rule of int_device_presence_tracked.
-- grain: one row per device per snapshot day
-- keys: snapshot_date, device_id
-- materialized: table
with day_runs as (
    select synced_date, max(run_seq) as run_seq
    from intermediate.int_device_presence_tracked
    group by synced_date
),

presence as (
    select p.*
    from intermediate.int_device_presence_tracked as p
    inner join day_runs as d on d.run_seq = p.run_seq
),

-- An incremental stream's state at the end of each day it was read: its last row per device that day.
details_by_day as (
    select * from staging.base_kandji__device_details
    qualify row_number() over (partition by device_id, synced_date order by run_seq desc, row_in_run desc) = 1
),

information_by_day as (
    select * from staging.base_kandji__device_information
    qualify row_number() over (partition by device_id, synced_date order by run_seq desc, row_in_run desc) = 1
),

filevault_by_day as (
    select * from staging.base_kandji__filevault
    qualify row_number() over (partition by device_id, synced_date order by run_seq desc, row_in_run desc) = 1
),

gatekeeper_by_day as (
    select * from staging.base_kandji__gatekeeper_and_xprotect
    qualify row_number() over (partition by device_id, synced_date order by run_seq desc, row_in_run desc) = 1
),

startup_by_day as (
    select * from staging.base_kandji__startup_settings
    qualify row_number() over (partition by device_id, synced_date order by run_seq desc, row_in_run desc) = 1
),

firewall_by_day as (
    select * from staging.base_kandji__application_firewall
    qualify row_number() over (partition by device_id, synced_date order by run_seq desc, row_in_run desc) = 1
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
    case when fv.device_id is not null then fv.filevault_enabled else dd.filevault_enabled end as filevault_enabled,
    case when fv.device_id is not null then fv.filevault_key_escrowed else dd.filevault_key_escrowed end as filevault_key_escrowed,
    gk.gatekeeper_enabled,
    ss.sip_enabled,
    fw.firewall_enabled,
    dd.recovery_lock_enabled,
    dd.firmware_password_exists,
    dd.boot_volume_percent_used,
    dd.refreshed_at as details_refreshed_at
from presence as p
asof left join staging.base_kandji__devices as d
    on d.device_id = p.device_id and d.run_seq <= p.run_seq
asof left join details_by_day as dd
    on dd.device_id = p.device_id and dd.synced_date <= p.synced_date
asof left join information_by_day as i
    on i.device_id = p.device_id and i.synced_date <= p.synced_date
asof left join filevault_by_day as fv
    on fv.device_id = p.device_id and fv.synced_date <= p.synced_date
asof left join gatekeeper_by_day as gk
    on gk.device_id = p.device_id and gk.synced_date <= p.synced_date
asof left join startup_by_day as ss
    on ss.device_id = p.device_id and ss.synced_date <= p.synced_date
asof left join firewall_by_day as fw
    on fw.device_id = p.device_id and fw.synced_date <= p.synced_date
