-- stg_kandji__gatekeeper_and_xprotect: the latest Prism gatekeeper_and_xprotect row of each device. The stream is
-- incremental (a later run holds only changed rows), so the latest row per device across every run is the current
-- one.
-- grain: one row per device
-- keys: device_id
-- materialized: view
select * exclude (row_in_run)
from staging.base_kandji__gatekeeper_and_xprotect
qualify row_number() over (partition by device_id order by run_seq desc, row_in_run desc) = 1
