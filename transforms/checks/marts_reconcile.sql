-- The daily marts agree on the size of the fleet: for each day, the enrolled devices of fleet_health_daily, the
-- rows of compliance_daily and the devices of department add up to the same number. Returns the days that do not.
with health as (
    select snapshot_date, sum(devices) as devices
    from marts.fleet_health_daily
    group by snapshot_date
),

compliance as (
    select snapshot_date, count(*) as devices
    from marts.compliance_daily
    group by snapshot_date
),

departments as (
    select snapshot_date, sum(devices) as devices
    from marts.department
    group by snapshot_date
)

select h.snapshot_date, h.devices as fleet_health_daily, c.devices as compliance_daily, d.devices as department
from health as h
left join compliance as c on c.snapshot_date = h.snapshot_date
left join departments as d on d.snapshot_date = h.snapshot_date
where h.devices <> coalesce(c.devices, 0) or h.devices <> coalesce(d.devices, 0)
