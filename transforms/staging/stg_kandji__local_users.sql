-- stg_kandji__local_users: the latest row of each local account on each Mac (Prism; incremental).
-- grain: one row per device and local account
-- keys: device_id, generated_uid
-- materialized: view
select
    device_id,
    generated_uid,
    uid,
    username,
    full_name,
    type as account_type,
    type = 'Admin' as is_admin,
    hidden_user as is_hidden,
    secure_token as has_secure_token,
    filevault_user as is_filevault_user,
    volume_owner as is_volume_owner,
    logged_in as is_logged_in,
    mobile_account as is_mobile_account,
    failed_logins,
    user_created_at,
    password_last_set as password_last_set_at,
    updated_at,
    _run_id as run_id,
    _run_seq as run_seq,
    _synced_at as synced_at,
    _synced_date as synced_date
from raw.local_users
where device_id is not null and generated_uid is not null
qualify row_number() over (partition by device_id, generated_uid order by _run_seq desc, _row desc) = 1
