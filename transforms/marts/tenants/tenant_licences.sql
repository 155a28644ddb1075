-- tenant_licences: each tenant's Kandji licence as its latest sync read it (GET /settings/licensing): the devices
-- counted per OS against the plan's limits, for billing and licence true-ups across tenants. A tenant whose token
-- lacks the licensing permission has no row.
-- grain: one row per tenant whose licence was read
-- keys: tenant_id
-- requires: licensing
-- scope: all tenants
-- materialized: table
select
    l.tenant_id,
    g.tenant_group,
    l.synced_at,
    (l.counts ->> 'computers_count')::bigint as computers,
    (l.counts ->> 'macos_count')::bigint as macos,
    (l.counts ->> 'ios_count')::bigint as ios,
    (l.counts ->> 'ipados_count')::bigint as ipados,
    (l.counts ->> 'tvos_count')::bigint as tvos,
    l.limits ->> 'plan_type' as plan_type,
    (l.limits ->> 'max_devices')::bigint as max_devices,
    l.tenantoverlicenselimit as is_over_limit
from staging.stg_kandji__licensing as l
left join raw.tenant_groups as g on g.tenant_id = l.tenant_id
