-- license_usage: the tenant's licence counts against its limits on each snapshot day, as GET /settings/licensing
-- reported them: devices in use (all, and per platform), the plan's device limit and the share of it used, and
-- the API's own over-limit flag.
-- grain: one row per snapshot day
-- keys: snapshot_date
-- requires: licensing
-- materialized: table
-- incremental: snapshot_date
select
    l.snapshot_date,
    l.limits ->> 'plan_type' as plan_type,
    (l.counts ->> 'computers_count')::bigint as devices,
    (l.counts ->> 'macos_count')::bigint as macos_devices,
    (l.counts ->> 'ios_count')::bigint as ios_devices,
    (l.counts ->> 'ipados_count')::bigint as ipados_devices,
    (l.counts ->> 'tvos_count')::bigint as tvos_devices,
    (l.limits ->> 'max_devices')::bigint as max_devices,
    (l.counts ->> 'computers_count')::bigint / nullif((l.limits ->> 'max_devices')::bigint, 0) as share_used,
    l.tenantoverlicenselimit as is_over_limit
from snapshots.snp_kandji__licensing_daily as l
where l.is_current and l.snapshot_date in (select d.snapshot_date from snapshots.snp_devices_daily as d)
