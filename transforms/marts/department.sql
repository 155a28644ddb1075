-- department: devices, users, compliance and health by department on each snapshot day. A device belongs to the
-- department of its assigned user (devices.user.id = users.id, or = users.deprecated_user_id where a 2022-era payload
-- sent the legacy numeric id; docs/kandji-api.md §6.1) as the directory had it that day:
--   '(unassigned)'     devices with no assigned user
--   '(no department)'  users with no department, and devices whose user the directory does not have
-- users counts the department's users in the directory that day (archived users excluded), with or without
-- devices; users_with_devices those with an enrolled device. compliance_rate counts only devices whose compliance
-- is known (compliant / (compliant + non_compliant)); compliance_coverage is the share of devices it is known for,
-- so that reading more devices is not mistaken for a change in the fleet. health_rate is a share of devices.
-- Rates are null when there is nothing to divide by.
-- grain: one row per snapshot day per department
-- keys: snapshot_date, department
-- materialized: table
-- incremental: snapshot_date
with days as (
    select distinct snapshot_date
    from snapshots.snp_devices_daily
),

-- The directory as of each day (snp_kandji__users_daily, generated): each user's latest record synced on or before
-- it; a user a complete read of the list no longer had is gone (is_current false).
directory as (
    select
        u.snapshot_date,
        u.id as user_id,
        u.deprecated_user_id,
        nullif(trim(u.department), '') as department,
        u.archived as is_archived
    from snapshots.snp_kandji__users_daily as u
    inner join days as d on d.snapshot_date = u.snapshot_date
    where u.is_current
),

devices as (
    select
        h.snapshot_date,
        h.device_id,
        -- The directory's id for the user, whichever id the device record carried.
        coalesce(by_id.user_id, by_legacy_id.user_id, h.user_id) as user_id,
        h.is_healthy,
        c.is_compliant,
        c.compliance_status,
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
        count(*) filter (where compliance_status = 'unknown') as compliance_unknown_devices,
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
    coalesce(d.compliance_unknown_devices, 0) as compliance_unknown_devices,
    coalesce(d.healthy_devices, 0) as healthy_devices,
    d.compliant_devices / nullif(d.devices - d.compliance_unknown_devices, 0) as compliance_rate,
    (d.devices - d.compliance_unknown_devices) / nullif(d.devices, 0) as compliance_coverage,
    d.healthy_devices / nullif(d.devices, 0) as health_rate
from device_counts as d
full outer join user_counts as u
    on u.snapshot_date = d.snapshot_date and u.department = d.department
