-- compliance: every enrolled device's security checks and compliance verdict now, i.e. on the latest snapshot day.
-- Compliance rule: int_device_compliance_evaluated (and docs/marts.md).
-- grain: one row per enrolled (not removed) device
-- keys: device_id
-- materialized: table
select *
from intermediate.int_device_compliance_evaluated
where snapshot_date = (select max(latest.snapshot_date) from intermediate.int_device_compliance_evaluated as latest)
