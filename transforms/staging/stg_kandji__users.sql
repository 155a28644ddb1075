-- stg_kandji__users: the latest record of every directory user the users list has returned (latest sync wins).
-- grain: one row per user
-- keys: user_id
-- materialized: view
select
    * exclude (row_in_run),
    -- Whether the latest completed read of the list had it: a full-refresh stream returns the whole set each run,
    -- so a key missing from it is gone from the tenant.
    user_id in (
        select l.user_id from staging.base_kandji__users as l
        where l.run_seq = (
            select max(s.run_seq) from raw.run_streams as s
            where s.stream = 'users' and s.status = 'complete'
        )
    ) as in_latest_list
from staging.base_kandji__users
qualify row_number() over (partition by user_id order by run_seq desc, row_in_run desc) = 1
