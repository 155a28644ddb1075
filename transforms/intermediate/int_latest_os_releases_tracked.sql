-- int_latest_os_releases_tracked: the latest OS release seen for each platform as of each snapshot day: the highest
-- version any device of that platform reported on that day or any earlier one. A device on a lower version is
-- "OS behind" (fleet health) and not "OS current" (compliance). Seen in the fleet, not Apple's catalog: the API has
-- no list of releases, and a release nobody installed yet is not one the fleet can be measured against.
-- grain: one row per snapshot day per platform
-- keys: snapshot_date, platform
-- materialized: table
-- incremental: snapshot_date
with per_day as (
    select
        snapshot_date,
        platform,
        max(os_version_key) as os_version_key,
        arg_max(os_version, os_version_key) as os_version
    from snapshots.snp_devices_daily
    where platform is not null and os_version_key is not null
    group by snapshot_date, platform
)

select
    snapshot_date,
    platform,
    max(os_version_key) over upto as latest_os_version_key,
    arg_max(os_version, os_version_key) over upto as latest_os_version
from per_day
window upto as (partition by platform order by snapshot_date rows between unbounded preceding and current row)
