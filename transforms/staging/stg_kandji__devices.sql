-- stg_kandji__devices: the latest record of every device the devices list has returned (latest sync wins: by the
-- run's synced_at, then the order runs finished). Devices gone from the tenant keep their last record here;
-- in_latest_list and the snapshots say which are still enrolled.
-- grain: one row per device
-- keys: device_id
-- materialized: view
select
    * exclude (row_in_run),
    -- Whether the latest completed read of the list had it: a full-refresh stream returns the whole set each run,
    -- so a key missing from it is gone from the tenant.
    device_id in (
        select l.device_id from staging.base_kandji__devices as l
        where l.run_seq = (
            select max(s.run_seq) from raw.run_streams as s
            where s.stream = 'devices' and s.status = 'complete'
        )
    ) as in_latest_list
from staging.base_kandji__devices
qualify row_number() over (partition by device_id order by run_seq desc, row_in_run desc) = 1
