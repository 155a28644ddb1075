-- sync_status: each tenant's syncs at a glance: its latest run, its last complete sync, and its last failure with
-- the reason from the run manifest (a revoked token's 401, a missing permission), so one tenant's failure is visible
-- beside the others and never hides them. A run stopped by the request budget (incomplete) is not a failure.
-- days_since_complete counts from the newest sync of any tenant (the data's own clock), so a tenant that stopped
-- syncing shows its age.
-- grain: one row per tenant with at least one run
-- keys: tenant_id
-- scope: all tenants
-- materialized: table
with latest as (
    select
        tenant_id,
        max_by(run_id, run_seq) as last_run_id,
        max_by(status, run_seq) as last_status,
        max(synced_at) as last_synced_at,
        count(*) as runs,
        count(*) filter (where status = 'complete') as complete_runs,
        count(*) filter (where status = 'incomplete') as incomplete_runs,
        count(*) filter (where status = 'failed') as failed_runs
    from raw.runs
    group by tenant_id
),

complete as (
    select
        tenant_id,
        max_by(run_id, run_seq) as last_complete_run_id,
        max(synced_at) as last_complete_at
    from raw.runs
    where status = 'complete'
    group by tenant_id
),

failed as (
    select
        tenant_id,
        max_by(run_id, run_seq) as last_failure_run_id,
        max(synced_at) as last_failure_at,
        max_by(failure_type, run_seq) as last_failure_type,
        max_by(failure_reason, run_seq) as last_failure_reason
    from raw.runs
    where status = 'failed'
    group by tenant_id
)

select
    l.tenant_id,
    g.tenant_group,
    l.last_status,
    l.last_status = 'failed' as is_failing,
    l.last_run_id,
    l.last_synced_at,
    c.last_complete_run_id,
    c.last_complete_at,
    floor((epoch((select max(r.synced_at) from raw.runs as r)) - epoch(c.last_complete_at)) / 86400)::integer as days_since_complete,
    f.last_failure_run_id,
    f.last_failure_at,
    f.last_failure_type,
    f.last_failure_reason,
    l.runs,
    l.complete_runs,
    l.incomplete_runs,
    l.failed_runs
from latest as l
left join complete as c on c.tenant_id = l.tenant_id
left join failed as f on f.tenant_id = l.tenant_id
left join raw.tenant_groups as g on g.tenant_id = l.tenant_id
