-- tenants: every tenant in the data, with its group from the optional mapping file (DATA/tenants.csv, columns
-- tenant_id,tenant_group), the span of its syncs and the size of its fleet on its latest snapshot day.
-- grain: one row per tenant with at least one run
-- keys: tenant_id
-- scope: all tenants
-- materialized: table
with runs as (
    select
        tenant_id,
        count(*) as runs,
        count(distinct synced_date) as days_synced,
        min(synced_at) as first_synced_at,
        max(synced_at) as last_synced_at
    from raw.runs
    group by tenant_id
),

fleet as (
    select
        tenant_id,
        max(snapshot_date) as snapshot_date,
        count(*) filter (where not is_removed) as devices,
        count(*) filter (where is_removed) as removed_devices
    from marts.fleet_health
    group by tenant_id
)

select
    r.tenant_id,
    g.tenant_group,
    r.runs,
    r.days_synced,
    r.first_synced_at,
    r.last_synced_at,
    f.snapshot_date,
    coalesce(f.devices, 0) as devices,
    coalesce(f.removed_devices, 0) as removed_devices
from runs as r
left join raw.tenant_groups as g on g.tenant_id = r.tenant_id
left join fleet as f on f.tenant_id = r.tenant_id
