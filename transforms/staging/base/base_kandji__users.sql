-- base_kandji__users: every row of every run's user list (GET /users, read in full each sync).
-- grain: one row per user per run
-- keys: user_id, run_id
-- materialized: view
select
    id as user_id,
    email as user_email,
    name as user_name,
    nullif(trim(department), '') as department,
    nullif(job_title, '') as job_title,
    active as is_active,
    archived as is_archived,
    deprecated_user_id,
    device_count,
    created_at,
    updated_at,
    _run_id as run_id,
    _run_seq as run_seq,
    _synced_at as synced_at,
    _synced_date as synced_date,
    _row as row_in_run
from raw.users
where id is not null
qualify row_number() over (partition by id, _run_id order by _row desc) = 1
