-- assignment_mismatch: enrolled devices now whose assignment looks wrong: someone other than the assigned user
-- logs in, or the assigned user is archived, inactive or not in the directory. One row per enrolled device with
-- an assigned user, the evidence beside the verdict, so "no evidence" stays apart from "matches":
--   login_user        who logs in: the device details' last_user, else the Prism local account logged in now
--                     (the volume owner first); null when neither reports one (iPhone, iPad, a Mac not read yet)
--   login_matches     login_user is the assigned user: it equals the local part of the user's email (how Kandji's
--                     account creation names accounts), or the local account of that name has the user's full
--                     name; null when login_user is null
--   reasons           other_user_logs_in, user_archived, user_inactive, user_not_in_directory
-- has_mismatch is true when any reason applies.
-- grain: one row per enrolled device with an assigned user
-- keys: device_id
-- requires: users
-- materialized: table
with assigned as (
    select f.device_id, f.device_name, f.platform, f.user_id, f.user_email, f.user_name
    from marts.fleet_health as f
    where not f.is_removed and f.user_id is not null
),

directory as (
    select id as user_id, deprecated_user_id, email, name, active as is_active, archived as is_archived
    from staging.stg_kandji__users
    where is_current
),

local_logins as (
    select device_id, username, full_name
    from staging.stg_kandji__local_users
    where is_current
),

logged_in as (
    select device_id, username
    from staging.stg_kandji__local_users
    where is_current and logged_in
    qualify row_number() over (partition by device_id order by volume_owner desc nulls last, username asc) = 1
),

evidence as (
    select
        a.*,
        coalesce(u.user_id, legacy.user_id) as directory_user_id,
        coalesce(u.is_archived, legacy.is_archived) as user_is_archived,
        coalesce(u.is_active, legacy.is_active) as user_is_active,
        coalesce(nullif(d.general ->> 'last_user', ''), l.username) as login_user,
        case when nullif(d.general ->> 'last_user', '') is not null then 'device_details' when l.username is not null then 'local_users' end
            as login_source
    from assigned as a
    left join directory as u on u.user_id = a.user_id
    left join directory as legacy on legacy.deprecated_user_id = a.user_id
    left join staging.stg_kandji__device_details as d on d.device_id = a.device_id and d.is_current
    left join logged_in as l on l.device_id = a.device_id
),

matched as (
    select
        e.*,
        case
            when e.login_user is null then null
            when lower(e.login_user) = lower(split_part(e.user_email, '@', 1)) then true
            else coalesce((
                select bool_or(lower(k.full_name) = lower(e.user_name))
                from local_logins as k
                where k.device_id = e.device_id and k.username = e.login_user
            ), false)
        end as login_matches
    from evidence as e
)

select
    device_id,
    device_name,
    platform,
    user_id,
    user_email,
    user_name,
    login_user,
    login_source,
    login_matches,
    user_is_archived,
    user_is_active,
    list_filter([
        case when login_matches = false then 'other_user_logs_in' end,
        case when user_is_archived then 'user_archived' end,
        case when user_is_active = false then 'user_inactive' end,
        case when directory_user_id is null then 'user_not_in_directory' end
    ], x -> x is not null) as reasons,
    coalesce(login_matches = false or user_is_archived or user_is_active = false, false) or directory_user_id is null as has_mismatch
from matched
-- Without a directory every user would look unknown: nothing is reported instead (run.ts warns).
where exists (select 1 from directory)
