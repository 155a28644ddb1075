-- Reconciliation: software_inventory holds exactly the current device_apps rows (latest per device, bundle id and
-- path, not gone from a complete full read) of the enrolled devices. Returns the rows on one side only.
with expected as (
    select a.device_id, a.bundle_id, a.path, a.version
    from staging.stg_kandji__device_apps as a
    inner join marts.fleet_health as f on f.device_id = a.device_id and not f.is_removed
    where a.is_current
),

actual as (
    select i.device_id, i.bundle_id, i.path, i.version
    from marts.software_inventory as i
),

missing as (
    select * from expected
    except all
    select * from actual
),

extra as (
    select * from actual
    except all
    select * from expected
)

select 'missing from software_inventory' as problem, m.* from missing as m
union all
select 'not a current device_apps row' as problem, x.* from extra as x
