-- control_evidence_daily: each enrolled device's status for each security control on each snapshot day, with its
-- provenance: pass, fail, not_applicable or unknown (no evidence: neither a pass nor a fail), the stream the
-- evidence came from, the sync run that read it and that run's tenant clock. The controls and their rules are in
-- the control mapping, intermediate/int_control_evidence_evaluated.sql.
-- last_evidence_on: the latest day up to this one with a pass or fail for the device and control (null: never),
-- so a coverage gap over any window is `last_evidence_on is null or last_evidence_on < snapshot_date - <days>`.
-- grain: one row per enrolled (not removed) device per control per snapshot day
-- keys: snapshot_date, device_id, control
-- materialized: table
-- incremental: snapshot_date
select
    snapshot_date,
    device_id,
    control,
    platform,
    device_name,
    status,
    source_stream,
    run_id,
    collected_at,
    max(case when status in ('pass', 'fail') then snapshot_date end) over (
        partition by device_id, control order by snapshot_date rows between unbounded preceding and current row
    ) as last_evidence_on
from intermediate.int_control_evidence_evaluated
