-- int_security_items_evidenced: the evidence of the two controls Kandji enforces with library items, screen lock and
-- EDR, for each enrolled device on each snapshot day; the control mapping (int_control_evidence_evaluated) turns it
-- into statuses. Items are found by their payload type or item type, never by their name (a tenant names its
-- profiles as it likes).
-- Screen lock: an Apple passcode policy or screen saver payload (PayloadType com.apple.mobiledevice.passwordpolicy
-- or com.apple.screensaver):
--   installed      a current Prism installed_profiles row of the device whose profile_data has such a type
--                  (docs/kandji-api.md §6.10)
--   item status    the status on the device of a custom profile whose XML (library_items.profile, §6.7) declares
--                  such a PayloadType: from device_library_items and from library_item_statuses
--   screen_lock_passes: true when such a payload is installed or an item passes; false when an item fails, or
--   when the device's installed profiles are reported and none carries such a payload; null without evidence.
-- EDR: the EDR add-on's library item, by its type threat-security-policy, and its edr_status (device_library_items,
-- §6.5; no library list names it):
--   edr_in_scope   true when the device's library items include an EDR item; false when they were read and do not
--                  (its blueprint assigns no EDR policy, or the tenant lacks the add-on); null when never read
--   edr_passes     true when the item's edr_status says 'enabled'; false when its audit fails (ERROR) or its
--                  edr_status reports another status; null while it reports none (pending, no agent to run it)
-- Provenance (stream, run, synced_at) is the latest run's row behind each verdict (latest by run_seq, which is unique
-- where synced_at is not: a rerun shares its tenant time).
-- grain: one row per enrolled (not removed) device per snapshot day
-- keys: snapshot_date, device_id
-- materialized: table
-- incremental: snapshot_date
with devices as (
    select snapshot_date, device_id
    from snapshots.snp_devices_daily
    where not is_removed
),

profiles as (
    select
        snapshot_date,
        device_id,
        list_has_any(
            json_extract_string(profile_data, '$[*].type'), ['com.apple.mobiledevice.passwordpolicy', 'com.apple.screensaver']
        ) as has_lock_payload,
        run_id,
        run_seq,
        synced_at
    from snapshots.snp_kandji__installed_profiles_daily
    where is_current
),

installed as (
    select
        snapshot_date,
        device_id,
        bool_or(has_lock_payload) as lock_installed,
        coalesce(arg_max(run_id, run_seq) filter (where has_lock_payload), arg_max(run_id, run_seq)) as run_id,
        coalesce(arg_max(synced_at, run_seq) filter (where has_lock_payload), arg_max(synced_at, run_seq)) as synced_at
    from profiles
    group by snapshot_date, device_id
),

-- The screen lock items as the library listed them that day (a day's rows never change once built).
lock_items as (
    select snapshot_date, id as item_id
    from snapshots.snp_kandji__library_items_daily
    where
        is_current
        and item_type = 'custom_profile'
        and regexp_matches(
            profile, '<key>PayloadType</key>\s*<string>(com\.apple\.mobiledevice\.passwordpolicy|com\.apple\.screensaver)</string>'
        )
),

lock_statuses as (
    select
        s.snapshot_date,
        s.device_id,
        s.status_normalized,
        s.run_id,
        s.run_seq,
        s.synced_at,
        'device_library_items' as source_stream
    from snapshots.snp_kandji__device_library_items_daily as s
    inner join lock_items as i on i.snapshot_date = s.snapshot_date and i.item_id = s.item_id
    where s.is_current and s.status_normalized in ('pass', 'fail')
    union all
    select
        s.snapshot_date,
        s.device_id,
        s.status_normalized,
        s.run_id,
        s.run_seq,
        s.synced_at,
        'library_item_statuses' as source_stream
    from snapshots.snp_kandji__library_item_statuses_daily as s
    inner join lock_items as i on i.snapshot_date = s.snapshot_date and i.item_id = s.library_item_id
    where s.is_current and s.status_normalized in ('pass', 'fail')
),

lock_status as (
    select
        snapshot_date,
        device_id,
        bool_or(status_normalized = 'pass') as item_passes,
        bool_or(status_normalized = 'fail') as item_fails,
        -- The latest run's evidence; within a run, the device's own list before the per-item one (any fixed order
        -- would do: a rebuild must pick the same).
        arg_max(source_stream, [run_seq, case source_stream when 'device_library_items' then 1 else 0 end]) as source_stream,
        arg_max(run_id, run_seq) as run_id,
        arg_max(synced_at, run_seq) as synced_at
    from lock_statuses
    group by snapshot_date, device_id
),

edr as (
    select
        snapshot_date,
        device_id,
        bool_or(type = 'threat-security-policy') as in_scope,
        bool_or(type = 'threat-security-policy' and (edr_status ->> 'status') = 'enabled') as enabled,
        bool_or(
            type = 'threat-security-policy'
            and (status_normalized = 'fail' or coalesce((edr_status ->> 'status'), 'enabled') <> 'enabled')
        ) as failing,
        coalesce(
            arg_max(run_id, run_seq) filter (where type = 'threat-security-policy'), arg_max(run_id, run_seq)
        ) as run_id,
        coalesce(
            arg_max(synced_at, run_seq) filter (where type = 'threat-security-policy'), arg_max(synced_at, run_seq)
        ) as synced_at
    from snapshots.snp_kandji__device_library_items_daily
    where is_current
    group by snapshot_date, device_id
)

select
    d.snapshot_date,
    d.device_id,
    case
        when coalesce(p.lock_installed, false) or coalesce(l.item_passes, false) then true
        when coalesce(l.item_fails, false) or p.device_id is not null then false
    end as screen_lock_passes,
    case
        when coalesce(p.lock_installed, false) then 'installed_profiles'
        when l.device_id is not null then l.source_stream
        when p.device_id is not null then 'installed_profiles'
    end as screen_lock_stream,
    case
        when coalesce(p.lock_installed, false) then p.run_id
        when l.device_id is not null then l.run_id
        else p.run_id
    end as screen_lock_run_id,
    case
        when coalesce(p.lock_installed, false) then p.synced_at
        when l.device_id is not null then l.synced_at
        else p.synced_at
    end as screen_lock_synced_at,
    e.in_scope as edr_in_scope,
    case when e.enabled then true when e.failing then false end as edr_passes,
    e.run_id as edr_run_id,
    e.synced_at as edr_synced_at
from devices as d
left join installed as p on p.snapshot_date = d.snapshot_date and p.device_id = d.device_id
left join lock_status as l on l.snapshot_date = d.snapshot_date and l.device_id = d.device_id
left join edr as e on e.snapshot_date = d.snapshot_date and e.device_id = d.device_id
