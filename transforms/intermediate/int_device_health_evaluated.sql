-- int_device_health_evaluated: each device's health signals and health status on each snapshot day.
--
-- Health rule (docs/marts.md), first match wins:
--   removed   gone from a complete sync (int_device_presence_tracked)
--   critical  missing (is_missing), in lost mode, MDM off, or no check-in within 30 days
--   warning   no check-in within 7 days, the Kandji agent not installed on a Mac, the OS behind the latest release
--             seen for its platform, or the boot volume at least 90% used
--   healthy   none of these
-- health_issues lists what put a device in critical or warning. Check-in ages are measured from the snapshot's
-- synced_at (the tenant's clock when the sync started), never the wall clock, so a rebuild gives the same answer.
-- A signal without data (no device details yet, so no disk figure) raises nothing.
-- grain: one row per device per snapshot day
-- keys: snapshot_date, device_id
-- materialized: table
-- incremental: snapshot_date
with signals as (
    select
        s.snapshot_date,
        s.device_id,
        s.run_id,
        s.synced_at,
        s.is_listed,
        s.is_removed,
        s.removed_on,
        s.first_listed_on,
        s.device_name,
        coalesce(s.platform, 'Unknown') as platform,
        s.model,
        s.serial_number,
        s.os_version,
        o.latest_os_version,
        s.user_id,
        s.user_email,
        s.user_name,
        s.blueprint_id,
        s.blueprint_name,
        s.last_check_in_at,
        -- epoch() differences, not timestamp arithmetic: the same in every session time zone.
        (epoch(s.synced_at) - epoch(s.last_check_in_at)) / 86400.0 as check_in_age_days,
        coalesce(s.mdm_enabled, false) as mdm_enabled,
        s.agent_installed,
        s.agent_version,
        coalesce(s.is_missing, false) as is_missing,
        coalesce(s.is_lost_mode, false) as is_lost_mode,
        s.os_version_key < o.latest_os_version_key as is_os_behind,
        s.boot_volume_percent_used,
        s.boot_volume_percent_used >= 90 as is_disk_almost_full,
        s.mdm_enabled = false as is_mdm_off,
        s.platform = 'Mac' and s.agent_installed = false as is_agent_missing
    from snapshots.snp_devices_daily as s
    left join intermediate.int_latest_os_releases_tracked as o
        on o.snapshot_date = s.snapshot_date and o.platform = s.platform
),

flags as (
    select
        *,
        coalesce(check_in_age_days <= 1, false) as checked_in_1d,
        coalesce(check_in_age_days <= 7, false) as checked_in_7d,
        coalesce(check_in_age_days <= 30, false) as checked_in_30d
    from signals
),

issues as (
    select
        *,
        concat_ws(
            ',',
            case when is_missing then 'missing' end,
            case when is_lost_mode then 'lost_mode' end,
            case when is_mdm_off then 'mdm_disabled' end,
            case when not checked_in_30d then 'no_check_in_30d' end
        ) as critical_issues,
        concat_ws(
            ',',
            case when checked_in_30d and not checked_in_7d then 'no_check_in_7d' end,
            case when is_agent_missing then 'agent_not_installed' end,
            case when is_os_behind then 'os_behind' end,
            case when is_disk_almost_full then 'disk_almost_full' end
        ) as warning_issues
    from flags
)

select
    snapshot_date,
    device_id,
    run_id,
    synced_at,
    is_listed,
    is_removed,
    removed_on,
    first_listed_on,
    device_name,
    platform,
    model,
    serial_number,
    os_version,
    latest_os_version,
    user_id,
    user_email,
    user_name,
    blueprint_id,
    blueprint_name,
    last_check_in_at,
    -- Two decimals (about a quarter of an hour) for people; the flags above use the exact age.
    round(check_in_age_days, 2) as days_since_check_in,
    checked_in_1d,
    checked_in_7d,
    checked_in_30d,
    agent_installed,
    agent_version,
    mdm_enabled,
    is_missing,
    is_lost_mode,
    is_os_behind,
    boot_volume_percent_used,
    is_disk_almost_full,
    case
        when is_removed then 'removed'
        when critical_issues <> '' then 'critical'
        when warning_issues <> '' then 'warning'
        else 'healthy'
    end as health_status,
    case
        when is_removed then []::varchar[]
        else coalesce(string_split(nullif(concat_ws(',', nullif(critical_issues, ''), nullif(warning_issues, '')), ''), ','), []::varchar[])
    end as health_issues,
    not is_removed and critical_issues = '' and warning_issues = '' as is_healthy
from issues
