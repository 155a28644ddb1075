-- tenant_controls: each compliance check's pass and fail counts per tenant on the tenant's latest snapshot day
-- (marts.compliance), for a cross-tenant view of which controls fail where. A device the check does not apply to
-- is not counted; one it applies to without data is unknown, neither pass nor fail; pass_rate is passed over
-- passed + failed (devices with evidence), null when there are none.
-- grain: one row per tenant per check
-- keys: tenant_id, control
-- scope: all tenants
-- materialized: table
with controls as (
    select *
    from (
        select
            tenant_id,
            snapshot_date,
            unknown_checks,
            filevault_ok as filevault,
            gatekeeper_ok as gatekeeper,
            sip_ok as sip,
            firewall_ok as firewall,
            recovery_lock_ok as recovery_lock,
            os_current_ok as os_current,
            blueprint_ok as blueprint
        from marts.compliance
    ) as checks
    unpivot include nulls (passed for control in (filevault, gatekeeper, sip, firewall, recovery_lock, os_current, blueprint))
)

select
    c.tenant_id,
    g.tenant_group,
    c.control,
    max(c.snapshot_date) as snapshot_date,
    count(*) filter (where c.passed) as passed,
    count(*) filter (where not c.passed) as failed,
    count(*) filter (where c.passed is null and list_contains(c.unknown_checks, c.control)) as unknown,
    count(*) filter (where c.passed) / nullif(count(*) filter (where c.passed is not null), 0) as pass_rate
from controls as c
left join raw.tenant_groups as g on g.tenant_id = c.tenant_id
group by c.tenant_id, g.tenant_group, c.control
