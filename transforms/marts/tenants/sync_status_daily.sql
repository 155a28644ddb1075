-- sync_status_daily: each tenant's syncs day by day, from its first sync on, over every day any tenant synced: a
-- day with no run, or only failed ones, shows as such (the reason of its last failure beside it), so a gap in one
-- tenant's history is visible next to the others'.
-- day_status: complete (a complete run that day), incomplete (stopped by the request budget, none complete),
-- failed (only failed runs), no_run.
-- grain: one row per tenant per UTC day from the tenant's first sync to the newest sync of any tenant
-- keys: tenant_id, synced_date
-- scope: all tenants
-- materialized: table
with days as (
    select distinct synced_date from raw.runs
),

tenant_days as (
    select t.tenant_id, d.synced_date
    from (
        select tenant_id, min(synced_date) as first_date
        from raw.runs
        group by tenant_id
    ) as t
    inner join days as d on d.synced_date >= t.first_date
),

per_day as (
    select
        tenant_id,
        synced_date,
        count(*) as runs,
        count(*) filter (where status = 'complete') as complete_runs,
        count(*) filter (where status = 'incomplete') as incomplete_runs,
        count(*) filter (where status = 'failed') as failed_runs,
        max_by(failure_type, run_seq) filter (where status = 'failed') as failure_type,
        max_by(failure_reason, run_seq) filter (where status = 'failed') as failure_reason
    from raw.runs
    group by tenant_id, synced_date
)

select
    td.tenant_id,
    td.synced_date,
    case
        when p.complete_runs > 0 then 'complete'
        when p.incomplete_runs > 0 then 'incomplete'
        when p.failed_runs > 0 then 'failed'
        else 'no_run'
    end as day_status,
    coalesce(p.runs, 0) as runs,
    coalesce(p.complete_runs, 0) as complete_runs,
    coalesce(p.incomplete_runs, 0) as incomplete_runs,
    coalesce(p.failed_runs, 0) as failed_runs,
    p.failure_type,
    p.failure_reason
from tenant_days as td
left join per_day as p on p.tenant_id = td.tenant_id and p.synced_date = td.synced_date
