-- stg_kandji__blueprints: the latest record of every blueprint the blueprint list has returned (latest sync wins).
-- grain: one row per blueprint
-- keys: blueprint_id
-- materialized: view
select
    * exclude (row_in_run),
    -- Whether the latest completed read of the list had it: a full-refresh stream returns the whole set each run,
    -- so a key missing from it is gone from the tenant.
    blueprint_id in (
        select l.blueprint_id from staging.base_kandji__blueprints as l
        where l.run_seq = (
            select max(s.run_seq) from raw.run_streams as s
            where s.stream = 'blueprints' and s.status = 'complete'
        )
    ) as in_latest_list
from staging.base_kandji__blueprints
qualify row_number() over (partition by blueprint_id order by run_seq desc, row_in_run desc) = 1
