-- tenant_controls: each control's pass and fail counts per tenant on the tenant's latest snapshot day
-- (marts.control_evidence_daily, whose controls come from the control mapping, so a control added there is counted
-- here), for a cross-tenant view of which controls fail where. A device the control does not apply to is not
-- counted; one it applies to without evidence is unknown, neither pass nor fail; pass_rate is passed over passed +
-- failed (devices with evidence), null when there are none.
-- grain: one row per tenant per control
-- keys: tenant_id, control
-- scope: all tenants
-- materialized: table
with latest as (
    select tenant_id, max(snapshot_date) as snapshot_date
    from marts.control_evidence_daily
    group by tenant_id
)

select
    c.tenant_id,
    g.tenant_group,
    c.control,
    max(c.snapshot_date) as snapshot_date,
    count(*) filter (where c.status = 'pass') as passed,
    count(*) filter (where c.status = 'fail') as failed,
    count(*) filter (where c.status = 'unknown') as unknown,
    count(*) filter (where c.status = 'pass') / nullif(count(*) filter (where c.status in ('pass', 'fail')), 0) as pass_rate
from marts.control_evidence_daily as c
inner join latest as l on l.tenant_id = c.tenant_id and l.snapshot_date = c.snapshot_date
left join raw.tenant_groups as g on g.tenant_id = c.tenant_id
group by c.tenant_id, g.tenant_group, c.control
