-- Reconciliation: device_register has a row for every device any devices list has had, and for every device
-- Apple Business Manager assigned to the tenant (enrolled: the device's row carries its ADE id; not enrolled: a
-- row of its own). Returns the devices it lacks.
select 'devices' as source, d.device_id as id
from staging.stg_kandji__devices as d
where d.device_id not in (select r.device_id from marts.device_register as r)
union all
select 'ade_devices' as source, a.id
from staging.stg_kandji__ade_devices as a
where a.is_current and a.id not in (
    select r.ade_device_id from marts.device_register as r
    where r.ade_device_id is not null
)
