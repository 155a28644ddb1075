-- os_currency_daily: each enrolled device's OS on each snapshot day against the newest release seen in the fleet
-- for that platform and major version (a Mac on macOS 14 is measured against the newest 14.x, not 15), how many
-- releases of that major line it is behind (distinct versions seen between its own and the newest), and for how
-- many consecutive snapshot days it has been behind (a snapshot day it is not enrolled on ends the run). Seen in the
-- fleet, on that day or before (int_os_releases_seen): the API has no catalog of releases.
-- Built a day at a time: a run of days behind that reaches back before the days rebuilt is carried from this
-- table's rows of the snapshot day just before ({{previous}}), so a year of every device's days is not read again
-- each night.
-- grain: one row per enrolled (not removed) device per snapshot day
-- keys: snapshot_date, device_id
-- materialized: table
-- incremental: snapshot_date
with snapshot_days as (
    select distinct d.snapshot_date from snapshots.snp_devices_daily as d
),

-- The days rebuilt, numbered: consecutive snapshot days have consecutive numbers.
days_rebuilt as (
    select snapshot_date, row_number() over (order by snapshot_date) as day_number
    from snapshot_days
    where snapshot_date >= {{from}}
),

devices as (
    select
        d.snapshot_date,
        n.day_number,
        d.device_id,
        d.device_name,
        coalesce(d.platform, 'Unknown') as platform,
        d.os_version,
        version_parts(d.os_version) as os_parts
    from snapshots.snp_devices_daily as d
    inner join days_rebuilt as n on n.snapshot_date = d.snapshot_date
    where not d.is_removed
),

measured as (
    select
        d.*,
        d.os_parts[1] as os_major,
        (
            select arg_max(r.os_version, r.os_parts)
            from intermediate.int_os_releases_seen as r
            where r.platform = d.platform and r.os_major = d.os_parts[1] and r.first_seen_on <= d.snapshot_date
        ) as newest_os_version,
        (
            select count(*)
            from intermediate.int_os_releases_seen as r
            where
                r.platform = d.platform and r.os_major = d.os_parts[1] and r.first_seen_on <= d.snapshot_date
                and r.os_parts > d.os_parts
        ) as releases_behind
    from devices as d
),

-- From scratch there is nothing before the first day: an empty relation of this model's columns.
no_previous as (
    select
        null::date as snapshot_date,
        null::varchar as device_id,
        null::varchar as device_name,
        null::varchar as platform,
        null::varchar as os_version,
        null::integer as os_major,
        null::varchar as newest_os_version,
        null::bigint as releases_behind,
        null::boolean as is_behind,
        null::bigint as snapshot_days_behind,
        null::date as behind_since
    where false
),

day_before as (
    select max(d.snapshot_date) as snapshot_date
    from snapshot_days as d
    where d.snapshot_date < {{from}}
),

-- The devices behind on the snapshot day just before the first day rebuilt, with their run so far.
carried as (
    select p.device_id, p.snapshot_days_behind, p.behind_since
    from {{previous}} as p
    where p.snapshot_date = (select b.snapshot_date from day_before as b) and p.is_behind
),

-- The days behind, each run of consecutive snapshot days numbered apart: a day's number less its place among the
-- device's days behind stays the same along a run and changes after every gap.
runs as (
    select
        snapshot_date,
        device_id,
        day_number,
        day_number - row_number() over (partition by device_id order by snapshot_date) as run
    from measured
    where releases_behind > 0
),

behind as (
    select
        snapshot_date,
        device_id,
        min(day_number) over run_so_far as run_start,
        count(*) over run_so_far as days,
        min(snapshot_date) over run_so_far as since
    from runs
    window run_so_far as (partition by device_id, run order by snapshot_date rows between unbounded preceding and current row)
)

select
    m.snapshot_date,
    m.device_id,
    m.device_name,
    m.platform,
    m.os_version,
    m.os_major,
    m.newest_os_version,
    m.releases_behind,
    m.releases_behind > 0 as is_behind,
    -- A run that starts on the first day rebuilt continues the one the device was in the day before, if any.
    case
        when b.device_id is null then 0
        when b.run_start = 1 and c.device_id is not null then b.days + c.snapshot_days_behind
        else b.days
    end as snapshot_days_behind,
    case when b.run_start = 1 and c.device_id is not null then c.behind_since else b.since end as behind_since
from measured as m
left join behind as b on b.snapshot_date = m.snapshot_date and b.device_id = m.device_id
left join carried as c on c.device_id = m.device_id and b.device_id is not null
