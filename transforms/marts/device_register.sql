-- device_register: the asset register: every device the tenant has had, one row each, with its identity,
-- hardware, assigned user and lifecycle. Every device seen in any sync's devices list (partial lists too) is here;
-- removed devices stay. Identity and assignment from the device's latest devices-list row; hardware from its
-- latest device details and Prism device_information; the user's department and job title from the directory;
-- removal from the latest snapshot (the removal rule of int_device_presence_tracked).
-- lifecycle_state: removed (gone from a complete sync), lost (lost mode enabled), missing (the API's is_missing),
-- else active; awaiting_enrollment for a device Apple Business Manager assigned to the tenant (ade_devices) that
-- no devices list has had: it has a row of its own, keyed by its ADE id ('ade:<id>') until it enrolls, and then
-- the enrolled device's row carries its ADE id.
-- purchase_date and warranty_end are empty typed columns, to be filled by a join on serial_number with Apple
-- Business Manager or a purchasing system.
-- grain: one row per device seen in any devices list, and per ADE device not enrolled yet
-- keys: device_id
-- materialized: table
with latest_snapshot as (
    select s.*
    from snapshots.snp_devices_daily as s
    where s.snapshot_date = (select max(l.snapshot_date) from snapshots.snp_devices_daily as l)
),

volume as (
    select *
    from intermediate.int_boot_volumes_measured
    qualify row_number() over (partition by device_id order by snapshot_date desc) = 1
),

ade_current as (
    select a.*, nullif(a.mdm_device ->> 'id', '') as mdm_device_id
    from staging.stg_kandji__ade_devices as a
    where a.is_current
),

directory as (
    select
        id as user_id,
        deprecated_user_id,
        nullif(trim(department), '') as department,
        nullif(job_title, '') as job_title
    from staging.stg_kandji__users
    where is_current
),

enrolled as (
    select
        d.device_id,
        ade.id as ade_device_id,
        d.serial_number,
        dd.hardware_overview ->> 'udid' as udid,
        nullif(d.asset_tag, '') as asset_tag,
        d.device_name,
        coalesce(dd.hardware_overview ->> 'model_name', d.model) as model,
        dd.hardware_overview ->> 'model_identifier' as model_identifier,
        dd.hardware_overview ->> 'processor_name' as processor,
        dd.hardware_overview ->> 'memory' as memory,
        v.capacity_bytes as storage_capacity_bytes,
        v.available_bytes as storage_free_bytes,
        d.platform,
        nullif(d.os_version, '') as os_version,
        -- The directory's id for the user, whichever id the device record carried (a 2022-era payload sends the
        -- legacy numeric id; docs/kandji-api.md §6.1).
        coalesce(by_id.user_id, by_legacy_id.user_id, nullif(d.user ->> 'id', '')) as user_id,
        d.user ->> 'email' as user_email,
        d.user ->> 'name' as user_name,
        coalesce(by_id.department, by_legacy_id.department) as department,
        coalesce(by_id.job_title, by_legacy_id.job_title) as job_title,
        nullif(d.blueprint_id, '') as blueprint_id,
        d.blueprint_name,
        coalesce(d.tags, []::varchar[]) as tags,
        d.first_enrollment as first_enrolled_at,
        d.last_enrollment as last_enrolled_at,
        d.last_check_in as last_check_in_at,
        case
            when s.is_removed then 'removed'
            when coalesce(d.lost_mode_status not in ('', 'DISABLED'), false) then 'lost'
            when d.is_missing then 'missing'
            else 'active'
        end as lifecycle_state,
        s.removed_on,
        s.first_listed_on,
        d.synced_at as record_synced_at,
        null::date as purchase_date,
        null::date as warranty_end
    from staging.stg_kandji__devices as d
    left join latest_snapshot as s on s.device_id = d.device_id
    left join staging.stg_kandji__device_details as dd on dd.device_id = d.device_id and dd.is_current
    left join volume as v on v.device_id = d.device_id
    left join directory as by_id on by_id.user_id = nullif(d.user ->> 'id', '')
    left join directory as by_legacy_id on by_legacy_id.deprecated_user_id = nullif(d.user ->> 'id', '')
    left join ade_current as ade on ade.mdm_device_id = d.device_id
),

-- Devices bought and assigned to the tenant in Apple Business Manager that no devices list has had yet.
awaiting as (
    select
        'ade:' || a.id as device_id,
        a.id as ade_device_id,
        a.serial_number,
        null::varchar as udid,
        nullif(a.asset_tag, '') as asset_tag,
        null::varchar as device_name,
        a.model,
        null::varchar as model_identifier,
        null::varchar as processor,
        null::varchar as memory,
        null::bigint as storage_capacity_bytes,
        null::bigint as storage_free_bytes,
        a.device_family as platform,
        null::varchar as os_version,
        nullif(a.user_id, '') as user_id,
        null::varchar as user_email,
        null::varchar as user_name,
        null::varchar as department,
        null::varchar as job_title,
        nullif(a.blueprint_id, '') as blueprint_id,
        null::varchar as blueprint_name,
        []::varchar[] as tags,
        null::timestamptz as first_enrolled_at,
        null::timestamptz as last_enrolled_at,
        null::timestamptz as last_check_in_at,
        'awaiting_enrollment' as lifecycle_state,
        null::date as removed_on,
        null::date as first_listed_on,
        a.synced_at as record_synced_at,
        null::date as purchase_date,
        null::date as warranty_end
    from ade_current as a
    where a.mdm_device_id is null or a.mdm_device_id not in (select e.device_id from staging.stg_kandji__devices as e)
)

select * from enrolled
union all by name
select * from awaiting
