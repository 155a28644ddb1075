-- Reconciliation: a device's assignment intervals never overlap, and only its latest one is open
-- (device_assignment_history). Returns the pairs of intervals that break it.
select a.device_id, a.assigned_from, a.assigned_to, b.assigned_from as other_from, b.assigned_to as other_to
from marts.device_assignment_history as a
inner join marts.device_assignment_history as b
    on b.device_id = a.device_id and b.assigned_from > a.assigned_from
where a.assigned_to is null or a.assigned_to > b.assigned_from
