-- fleet_health: every device's health now, i.e. on the latest snapshot day. Devices removed from the tenant stay
-- with health_status 'removed' and removed_on; filter on `not is_removed` for the enrolled fleet.
-- Health rule: int_device_health_evaluated (and docs/marts.md).
-- grain: one row per device ever listed by a complete devices list
-- keys: device_id
-- materialized: table
select
    device_id,
    snapshot_date,
    synced_at,
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
    days_since_check_in,
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
    is_listed,
    is_removed,
    removed_on,
    first_listed_on,
    health_status,
    health_issues,
    is_healthy
from intermediate.int_device_health_evaluated
where snapshot_date = (select max(latest.snapshot_date) from intermediate.int_device_health_evaluated as latest)
