-- compliance_daily: every enrolled device's security checks and compliance verdict on each snapshot day, so a
-- device's history shows the day it fell out of (or back into) compliance.
-- Compliance rule: int_device_compliance_evaluated (and docs/marts.md).
-- grain: one row per enrolled (not removed) device per snapshot day
-- keys: snapshot_date, device_id
-- materialized: table
-- incremental: snapshot_date
select *
from intermediate.int_device_compliance_evaluated
