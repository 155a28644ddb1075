-- int_os_releases_seen: every OS release the fleet has shown, per platform and version (its parts: "15.2" and
-- "15.2 (24C)" are one release; "15.0" and "15.0.0" are two, and 15.0.0 is the newer), with the first snapshot day
-- an enrolled (not removed) device reported it. Seen in the fleet, not Apple's catalog: the API has no list of
-- releases. os_currency_daily measures each device against the releases seen on its day or before.
-- Built a day at a time: the days rebuilt read only their own devices, and a release seen before them is one of this
-- table's earlier rows ({{before}}, a few dozen), so the history of every device is not read again each night.
-- grain: one row per platform per OS release
-- keys: platform, os_parts
-- materialized: table
-- incremental: first_seen_on
with seen as (
    select
        coalesce(platform, 'Unknown') as platform,
        version_parts(os_version) as os_parts,
        os_version,
        snapshot_date
    from snapshots.snp_devices_daily
    where not is_removed and snapshot_date >= {{from}}
),

-- From scratch there is nothing before the first day: an empty relation of this model's columns.
no_previous as (
    select
        null::varchar as platform,
        null::integer[] as os_parts,
        null::integer as os_major,
        null::varchar as os_version,
        null::date as first_seen_on
    where false
),

releases as (
    select
        platform,
        os_parts,
        -- The spelling first reported (the lowest, when two spellings of one release arrive the same day).
        arg_min(os_version, { 'day': snapshot_date, 'version': os_version }) as os_version,
        min(snapshot_date) as first_seen_on
    from seen
    where os_parts is not null
    group by platform, os_parts
)

select
    r.platform,
    r.os_parts,
    r.os_parts[1] as os_major,
    r.os_version,
    r.first_seen_on
from releases as r
anti join {{before}} as b on b.platform = r.platform and b.os_parts = r.os_parts
