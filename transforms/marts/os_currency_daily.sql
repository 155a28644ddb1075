-- os_currency_daily: each enrolled device's OS on each snapshot day against the newest release seen in the fleet
-- for that platform and major version (a Mac on macOS 14 is measured against the newest 14.x, not 15), how many
-- releases of that major line it is behind (distinct versions seen between its own and the newest), and for how
-- many consecutive snapshot days it has been behind. Seen in the fleet, on that day or before: the API has no
-- catalog of releases.
-- grain: one row per enrolled (not removed) device per snapshot day
-- keys: snapshot_date, device_id
-- materialized: table
-- incremental: snapshot_date
with devices as (
    select
        snapshot_date,
        device_id,
        device_name,
        coalesce(platform, 'Unknown') as platform,
        os_version,
        version_parts(os_version) as os_parts
    from snapshots.snp_devices_daily
    where not is_removed
),

-- Every version each platform and major line has shown, with the first day it was seen.
releases as (
    select
        platform,
        os_parts[1] as os_major,
        os_parts,
        arg_min(os_version, snapshot_date) as os_version,
        min(snapshot_date) as first_seen_on
    from devices
    where os_parts is not null
    group by platform, os_parts[1], os_parts
),

measured as (
    select
        d.*,
        d.os_parts[1] as os_major,
        (
            select arg_max(r.os_version, r.os_parts)
            from releases as r
            where r.platform = d.platform and r.os_major = d.os_parts[1] and r.first_seen_on <= d.snapshot_date
        ) as newest_os_version,
        (
            select count(*)
            from releases as r
            where
                r.platform = d.platform and r.os_major = d.os_parts[1] and r.first_seen_on <= d.snapshot_date
                and r.os_parts > d.os_parts
        ) as releases_behind
    from devices as d
),

streaks as (
    select
        *,
        releases_behind > 0 as is_behind,
        -- A new streak starts each time the device is not behind.
        sum(case when releases_behind > 0 then 0 else 1 end)
            over (partition by device_id order by snapshot_date rows between unbounded preceding and current row) as streak
    from measured
)

select
    snapshot_date,
    device_id,
    device_name,
    platform,
    os_version,
    os_major,
    newest_os_version,
    releases_behind,
    coalesce(is_behind, false) as is_behind,
    case
        when is_behind
            then
                count(*) filter (where is_behind)
                    over (partition by device_id, streak order by snapshot_date rows between unbounded preceding and current row)
        else 0
    end as snapshot_days_behind,
    case
        when is_behind then min(snapshot_date) filter (where is_behind)
            over (partition by device_id, streak order by snapshot_date rows between unbounded preceding and current row)
    end as behind_since
from streaks
