-- base_kandji__blueprints: every row of every run's blueprint list (GET /blueprints, read in full each sync).
-- grain: one row per blueprint per run
-- keys: blueprint_id, run_id
-- materialized: view
select
    id as blueprint_id,
    name as blueprint_name,
    type as blueprint_type,
    description,
    computers_count,
    missing_computers_count,
    _run_id as run_id,
    _run_seq as run_seq,
    _synced_at as synced_at,
    _synced_date as synced_date,
    _row as row_in_run
from raw.blueprints
where id is not null
qualify row_number() over (partition by id, _run_id order by _row desc) = 1
