-- software_inventory: every app installed now on every enrolled device, at the version it reports: the current
-- device_apps rows (the latest row per device, bundle id and install path; an app a complete full read no longer
-- had is gone) of devices not removed.
-- App usage: no stream carries when an app was last opened (Prism apps and /devices/{id}/apps have no such field,
-- docs/kandji-api.md §6.4, §6.10), so usage_state is 'not_reported' and last_opened_at null, typed, for every row:
-- not 'never_opened', which would claim what the API does not say, and never guessed from the bundle's creation or
-- modification dates. Should the API send a last-opened time: 'opened' where it has one, 'never_opened' only where
-- the API says so explicitly, 'not_reported' where it says nothing.
-- grain: one row per enrolled device, bundle id and install path
-- keys: device_id, bundle_id, path
-- nullable keys: path
-- requires: device_apps
-- materialized: table
select
    a.device_id,
    a.bundle_id,
    -- Null on iPhone and iPad, which report no install path (docs/kandji-api.md §6.4).
    a.path,
    a.name as app_name,
    a.version,
    a.short_version,
    version_parts(coalesce(nullif(a.short_version, ''), a.version)) as version_parts,
    a.developer_name,
    a.team_id,
    a.obtained_from,
    a.bundle_size as bundle_size_bytes,
    f.device_name,
    f.platform,
    f.user_email,
    null::timestamptz as last_opened_at,
    'not_reported' as usage_state,
    a.updated_at,
    a.synced_at as record_synced_at
from staging.stg_kandji__device_apps as a
inner join marts.fleet_health as f on f.device_id = a.device_id and not f.is_removed
where a.is_current
