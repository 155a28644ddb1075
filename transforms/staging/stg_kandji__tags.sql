-- stg_kandji__tags: the latest record of every device tag (read in full each sync).
-- grain: one row per tag
-- keys: tag_id
-- materialized: view
select
    id as tag_id,
    name as tag_name,
    _run_id as run_id,
    _run_seq as run_seq,
    _synced_at as synced_at,
    _synced_date as synced_date,
    -- Whether the latest completed read of the list had it: a full-refresh stream returns the whole set each run.
    id in (
        select l.id from raw.tags as l
        where l._run_seq = (
            select max(s.run_seq) from raw.run_streams as s
            where s.stream = 'tags' and s.status = 'complete'
        )
    ) as in_latest_list
from raw.tags
where id is not null
qualify row_number() over (partition by id order by _run_seq desc, _row desc) = 1
