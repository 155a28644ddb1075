-- device_assignment_history: who each device was assigned to, and when: one row per unbroken run of snapshot days
-- on which the device had the same assigned user. Derived from the daily snapshots (the audit log does not record
-- assignment changes), so a change is dated to the first snapshot day that showed it: it happened after the
-- previous snapshot day (previous_snapshot_on) and on or before assigned_from. assigned_to is the first snapshot
-- day the assignment no longer held (another user, unassigned, or the device removed): an exclusive end; null
-- while the interval is open (is_current). Unassigned stretches are not intervals.
-- grain: one row per device per assignment interval
-- keys: device_id, assigned_from
-- materialized: table
with days as (
    select
        snapshot_date,
        device_id,
        user_id,
        user_email,
        user_name,
        is_removed,
        lag(user_id) over (partition by device_id order by snapshot_date) as previous_user_id,
        lag(snapshot_date) over (partition by device_id order by snapshot_date) as previous_snapshot_on,
        lag(is_removed) over (partition by device_id order by snapshot_date) as was_removed
    from snapshots.snp_devices_daily
),

numbered as (
    select
        *,
        sum(
            case
                when previous_snapshot_on is null then 1
                when user_id is distinct from previous_user_id then 1
                when is_removed is distinct from was_removed then 1
                else 0
            end
        ) over (partition by device_id order by snapshot_date rows between unbounded preceding and current row) as interval_no
    from days
),

intervals as (
    select
        device_id,
        interval_no,
        any_value(user_id) as user_id,
        arg_max(user_email, snapshot_date) as user_email,
        arg_max(user_name, snapshot_date) as user_name,
        bool_or(is_removed) as is_removed,
        min(snapshot_date) as assigned_from,
        max(snapshot_date) as last_seen_on,
        -- arg_min would skip the null of a device's first day.
        arg_min_null(previous_snapshot_on, snapshot_date) as previous_snapshot_on
    from numbered
    group by device_id, interval_no
),

bounded as (
    select
        *,
        lead(assigned_from) over (partition by device_id order by assigned_from) as next_from
    from intervals
)

select
    device_id,
    user_id,
    user_email,
    user_name,
    assigned_from,
    next_from as assigned_to,
    next_from is null as is_current,
    last_seen_on,
    previous_snapshot_on
from bounded
where user_id is not null and not is_removed
