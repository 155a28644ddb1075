-- control_evidence_daily: each enrolled device's status for each security control on each snapshot day, with its
-- provenance: pass, fail, not_applicable or unknown (no evidence: neither a pass nor a fail), the stream the
-- evidence came from, the sync run that read it and that run's tenant clock. The controls and their rules are in
-- the control mapping, intermediate/int_control_evidence_evaluated.sql.
-- last_evidence_on: the latest day up to this one with a pass or fail for the device and control (null: never),
-- so a coverage gap over any window is `last_evidence_on is null or last_evidence_on < snapshot_date - <days>`.
-- Built a day at a time: the days rebuilt look back over their own rows and take the evidence before them from this
-- table's last_evidence_on ({{before}}: three columns of the days kept), not from a window over every day again.
-- grain: one row per enrolled (not removed) device per control per snapshot day
-- keys: snapshot_date, device_id, control
-- materialized: table
-- incremental: snapshot_date
with evidence as (
    select *
    from intermediate.int_control_evidence_evaluated
    where snapshot_date >= {{from}}
),

-- From scratch there is nothing before the first day.
no_previous as (
    select null::varchar as device_id, null::varchar as control, null::date as last_evidence_on
    where false
),

-- The latest evidence day of each device and control before the days rebuilt (a device removed for a while keeps it).
evidence_before as (
    select b.device_id, b.control, max(b.last_evidence_on) as last_evidence_on
    from {{before}} as b
    group by b.device_id, b.control
)

select
    e.snapshot_date,
    e.device_id,
    e.control,
    e.platform,
    e.device_name,
    e.status,
    e.source_stream,
    e.run_id,
    e.collected_at,
    coalesce(
        max(case when e.status in ('pass', 'fail') then e.snapshot_date end) over (
            partition by e.device_id, e.control order by e.snapshot_date rows between unbounded preceding and current row
        ),
        b.last_evidence_on
    ) as last_evidence_on
from evidence as e
left join evidence_before as b on b.device_id = e.device_id and b.control = e.control
