-- control_coverage: each control on each snapshot day: how many enrolled devices it applies to, how many pass,
-- fail and are unknown, and how much of the fleet the evidence covers. pass_rate counts only devices with
-- evidence (passing / (passing + failing)), so reading more devices is not mistaken for a change in the fleet;
-- coverage (devices with evidence / in scope) stands beside it. in_scope counts the unknowns too, and the devices
-- not yet known to be in scope (an Apple silicon check on a Mac whose chip is not reported).
-- without_evidence_90d: devices in scope whose control had no pass or fail on any of the last 90 days.
-- grain: one row per control per snapshot day
-- keys: snapshot_date, control
-- materialized: table
-- incremental: snapshot_date
select
    snapshot_date,
    control,
    count(*) filter (where status <> 'not_applicable') as in_scope,
    count(*) filter (where status = 'pass') as passing,
    count(*) filter (where status = 'fail') as failing,
    count(*) filter (where status = 'unknown') as unknown,
    count(*) filter (where status in ('pass', 'fail')) / nullif(count(*) filter (where status <> 'not_applicable'), 0) as coverage,
    count(*) filter (where status = 'pass') / nullif(count(*) filter (where status in ('pass', 'fail')), 0) as pass_rate,
    count(*) filter (
        where status <> 'not_applicable' and (last_evidence_on is null or last_evidence_on <= snapshot_date - 90)
    ) as without_evidence_90d
from marts.control_evidence_daily
group by snapshot_date, control
