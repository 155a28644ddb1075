-- department: devices, users, compliance and health by department on each snapshot day. A device belongs to the
-- department of its assigned user (devices.user.id = users.id, or = users.deprecated_user_id where a 2022-era payload
-- sent the legacy numeric id; kandji-api.md §6.1) as the directory had it that day:
--   '(unassigned)'     devices with no assigned user
--   '(no department)'  users with no department, and devices whose user the directory does not have
-- users counts the department's users in the directory that day (archived users excluded), with or without
-- devices; users_with_devices those with an enrolled device. Rates are shares of devices (null when none).
-- grain: one row per snapshot day per department
-- keys: snapshot_date, department
-- materialized: table
with days as (
    select distinct snapshot_date
    from snapshots.snp_devices_daily
),

-- The users list is read in full each sync: a user's record as of a day is its latest one synced on or before it.
users_by_day as (
    select *
    from staging.base_kandji__users
    qualify row_number() over (partition by user_id, synced_date order by run_seq desc, row_in_run desc) = 1
),

user_ids as (
    select distinct user_id
    from users_by_day
),

user_days as (
    select d.snapshot_date, u.user_id
    from days as d
    cross join user_ids as u
),

directory as (
    select ud.snapshot_date, ud.user_id, u.deprecated_user_id, u.department, u.is_archived
    from user_days as ud
    asof inner join users_by_day as u
        on u.user_id = ud.user_id and u.synced_date <= ud.snapshot_date
),

devices as (
    select
        h.snapshot_date,
        h.device_id,
        -- The directory's id for the user, whichever id the device record carried.
        coalesce(by_id.user_id, by_legacy_id.user_id, h.user_id) as user_id,
        h.is_healthy,
        c.is_compliant,
        case
            when h.user_id is null then '(unassigned)'
            when by_id.user_id is not null then coalesce(by_id.department, '(no department)')
            else coalesce(by_legacy_id.department, '(no department)')
        end as department
    from intermediate.int_device_health_evaluated as h
    inner join intermediate.int_device_compliance_evaluated as c
        on c.snapshot_date = h.snapshot_date and c.device_id = h.device_id
    left join directory as by_id
        on by_id.snapshot_date = h.snapshot_date and by_id.user_id = h.user_id
    left join directory as by_legacy_id
        on by_legacy_id.snapshot_date = h.snapshot_date and by_legacy_id.deprecated_user_id = h.user_id
    where not h.is_removed
),

device_counts as (
    select
        snapshot_date,
        department,
        count(*) as devices,
        count(distinct user_id) as users_with_devices,
        count(*) filter (where is_compliant) as compliant_devices,
        count(*) filter (where is_healthy) as healthy_devices
    from devices
    group by snapshot_date, department
),

user_counts as (
    select
        snapshot_date,
        coalesce(department, '(no department)') as department,
        count(*) as users
    from directory
    where not coalesce(is_archived, false)
    group by snapshot_date, coalesce(department, '(no department)')
)

select
    coalesce(d.snapshot_date, u.snapshot_date) as snapshot_date,
    coalesce(d.department, u.department) as department,
    coalesce(d.devices, 0) as devices,
    coalesce(u.users, 0) as users,
    coalesce(d.users_with_devices, 0) as users_with_devices,
    coalesce(d.compliant_devices, 0) as compliant_devices,
    coalesce(d.healthy_devices, 0) as healthy_devices,
    d.compliant_devices / nullif(d.devices, 0) as compliance_rate,
    d.healthy_devices / nullif(d.devices, 0) as health_rate
from device_counts as d
full outer join user_counts as u
    on u.snapshot_date = d.snapshot_date and u.department = d.department
