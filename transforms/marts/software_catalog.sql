-- software_catalog: each app at each version installed in the fleet now: on how many enrolled devices and which
-- platforms, the newest version of the app seen in the tenant (versions compare part by part: 10.2 > 10.10 is
-- false), and how many devices run a version behind it. The version is the app's short (marketing) version where
-- it reports one, else its build version. App usage (last opened) is not in the device_apps stream: not here.
-- grain: one row per bundle id and version installed now
-- keys: bundle_id, version
-- requires: device_apps
-- materialized: table
with installed as (
    select
        bundle_id,
        coalesce(nullif(short_version, ''), version, '(none)') as version,
        version_parts,
        app_name,
        developer_name,
        device_id,
        platform
    from marts.software_inventory
),

versions as (
    select
        bundle_id,
        version,
        any_value(version_parts) as version_parts,
        mode(app_name) as app_name,
        mode(developer_name) as developer_name,
        count(distinct device_id) as devices,
        list(distinct platform order by platform) as platforms
    from installed
    group by bundle_id, version
),

newest as (
    select bundle_id, arg_max(version, version_parts) as newest_version, max(version_parts) as newest_parts
    from versions
    group by bundle_id
)

select
    v.bundle_id,
    v.version,
    v.app_name,
    v.developer_name,
    v.devices,
    v.platforms,
    n.newest_version,
    v.version_parts < n.newest_parts as is_behind,
    case when v.version_parts < n.newest_parts then v.devices else 0 end as devices_behind
from versions as v
inner join newest as n on n.bundle_id = v.bundle_id
