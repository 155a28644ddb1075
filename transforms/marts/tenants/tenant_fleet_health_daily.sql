-- tenant_fleet_health_daily: each tenant's fleet health and compliance per snapshot day, all platforms together:
-- the cross-tenant health dashboard. Counts are of enrolled devices; health_rate is a share of the devices,
-- compliance_rate a share of those whose compliance is known (null when none).
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
    -- Of the devices whose compliance is known (compliant or failing a check), as the fleet summary counts it.
    coalesce(c.compliant, 0) / nullif(coalesce(c.compliant, 0) + coalesce(c.non_compliant, 0), 0) as compliance_rate
from health as h
left join compliance as c on c.tenant_id = h.tenant_id and c.snapshot_date = h.snapshot_date
left join raw.tenant_groups as g on g.tenant_id = h.tenant_id
