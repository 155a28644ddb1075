-- tenant_platforms: enrolled devices per tenant and platform (the OS family a Kandji licence is counted by: Mac,
-- iPhone, iPad, AppleTV, and Windows and Android where enrolled) on the tenant's latest snapshot day, for billing
-- and licence true-ups across tenants.
-- grain: one row per tenant per platform with an enrolled device
-- keys: tenant_id, platform
-- scope: all tenants
-- materialized: table
select
    f.tenant_id,
    g.tenant_group,
    coalesce(f.platform, 'Unknown') as platform,
    max(f.snapshot_date) as snapshot_date,
    count(*) as devices,
    count(*) filter (where f.checked_in_30d) as active_30d
from marts.fleet_health as f
left join raw.tenant_groups as g on g.tenant_id = f.tenant_id
where not f.is_removed
group by f.tenant_id, g.tenant_group, coalesce(f.platform, 'Unknown')
