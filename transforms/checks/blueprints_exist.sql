-- Relationship: every enrolled device's blueprint is in the blueprint list (fleet_health.blueprint_id →
-- stg_kandji__blueprints.blueprint_id). Returns the devices that break it. Skipped while no blueprint list has ever
-- been read (a token without the Blueprints permission), which is a gap in the data, not a broken reference.
-- A warning, not an error: a device pointing at a deleted blueprint is a fact about the tenant that the marts show
-- (its blueprint_name is kept), not a reason to withhold every other mart.
-- severity: warn
select f.device_id, f.device_name, f.blueprint_id, f.blueprint_name
from marts.fleet_health as f
where
    not f.is_removed
    and f.blueprint_id is not null
    and f.blueprint_id not in (
        select b.id from staging.stg_kandji__blueprints as b
        where b.is_current
    )
    and exists (select 1 from staging.stg_kandji__blueprints)
