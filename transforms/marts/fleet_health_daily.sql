-- fleet_health_daily: fleet health per platform on each snapshot day. Counts are of enrolled devices (not removed)
-- unless the column says removed; rates are shares of `devices` (null when there are none), except
-- disk_almost_full_rate: a share of the devices that reported a disk figure (disk_reported), because device details
-- are read in rolling slices and a device not read yet is not a device with room on its disk.
-- Health rule: int_device_health_evaluated (and docs/marts.md).
-- grain: one row per snapshot day per platform
-- keys: snapshot_date, platform
-- materialized: table
-- incremental: snapshot_date
select
    snapshot_date,
    platform,
    max(synced_at) as synced_at,
    count(*) filter (where not is_removed) as devices,
    count(*) filter (where not is_removed and checked_in_1d) as checked_in_1d,
    count(*) filter (where not is_removed and checked_in_7d) as checked_in_7d,
    count(*) filter (where not is_removed and checked_in_30d) as checked_in_30d,
    count(*) filter (where not is_removed and agent_installed) as agent_installed,
    count(*) filter (where not is_removed and mdm_enabled) as mdm_enabled,
    count(*) filter (where not is_removed and is_missing) as missing,
    count(*) filter (where not is_removed and is_lost_mode) as lost_mode,
    count(*) filter (where not is_removed and is_os_behind) as os_behind,
    count(*) filter (where not is_removed and is_disk_almost_full) as disk_almost_full,
    count(*) filter (where not is_removed and boot_volume_percent_used is not null) as disk_reported,
    count(*) filter (where removed_on = snapshot_date) as removed,
    count(*) filter (where is_removed) as removed_to_date,
    count(*) filter (where health_status = 'healthy') as healthy,
    count(*) filter (where health_status = 'warning') as warning,
    count(*) filter (where health_status = 'critical') as critical,
    count(*) filter (where health_status = 'healthy') / nullif(count(*) filter (where not is_removed), 0) as health_rate,
    count(*) filter (where not is_removed and checked_in_7d) / nullif(count(*) filter (where not is_removed), 0) as checked_in_7d_rate,
    count(*) filter (where not is_removed and is_disk_almost_full)
    / nullif(count(*) filter (where not is_removed and boot_volume_percent_used is not null), 0) as disk_almost_full_rate
from intermediate.int_device_health_evaluated
group by snapshot_date, platform
