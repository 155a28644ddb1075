-- tenant_fleet_health_daily: each tenant's fleet health and compliance per snapshot day, all platforms together:
-- the cross-tenant health dashboard. Counts are of enrolled devices; rates are shares of devices (null when none).
-- A tenant has a row only on its own snapshot days: a day its sync failed has no row (sync_status_daily says why).
-- grain: one row per tenant per snapshot day
-- keys: tenant_id, snapshot_date
-- scope: all tenants
-- materialized: table
with health as (
    select
        tenant_id,
        snapshot_date,
        max(synced_at) as synced_at,
        sum(devices) as devices,
        sum(healthy) as healthy,
        sum(warning) as warning,
        sum(critical) as critical,
        sum(removed) as removed
    from marts.fleet_health_daily
    group by tenant_id, snapshot_date
),

compliance as (
    select
        tenant_id,
        snapshot_date,
        count(*) filter (where is_compliant) as compliant,
        count(*) filter (where len(failing_checks) > 0) as non_compliant
    from marts.compliance_daily
    group by tenant_id, snapshot_date
)

select
    h.tenant_id,
    g.tenant_group,
    h.snapshot_date,
    h.synced_at,
    h.devices,
    h.healthy,
    h.warning,
    h.critical,
    h.removed,
    h.healthy / nullif(h.devices, 0) as health_rate,
    coalesce(c.compliant, 0) as compliant,
    coalesce(c.non_compliant, 0) as non_compliant,
    coalesce(c.compliant, 0) / nullif(h.devices, 0) as compliance_rate
from health as h
left join compliance as c on c.tenant_id = h.tenant_id and c.snapshot_date = h.snapshot_date
left join raw.tenant_groups as g on g.tenant_id = h.tenant_id
