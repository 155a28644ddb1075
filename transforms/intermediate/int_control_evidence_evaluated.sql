-- int_control_evidence_evaluated: THE CONTROL MAPPING. Each enrolled device's status for each security control on
-- each snapshot day, with where the evidence came from. Compliance (int_device_compliance_evaluated), the
-- control marts and the report all read the controls from here, so this file is the one place to add, drop or
-- change a control: copy one `select … union all` block of the `controls` CTE and edit its seven values:
--   control         the control's name (a column value everywhere downstream)
--   control_order   where it sorts in lists such as failing_checks
--   applies         true: in scope; false: does not apply to the device; null: unknown whether it applies
--   passes          true / false from the evidence; null when there is none
--   source_stream   the stream the evidence comes from
--   run_id          the sync run that read the evidence
--   collected_at    that run's tenant clock (synced_at)
-- status: not_applicable when applies is false; unknown when applies or passes is null (no evidence is evidence of
-- nothing: it neither fails nor passes a device); else pass or fail.
-- The controls (docs/marts.md has the table):
--   filevault      Macs: FileVault on and its recovery key escrowed (Prism filevault; device details without it)
--   gatekeeper     Macs: Gatekeeper on (Prism gatekeeper_and_xprotect)
--   sip            Macs: System Integrity Protection on (Prism startup_settings)
--   firewall       Macs: the application firewall on (Prism application_firewall)
--   recovery_lock  Apple silicon Macs: Recovery Lock set (device details; Apple silicon from Prism
--                  device_information). Intel Macs have firmware passwords, which Kandji does not enforce: shown
--                  in compliance_daily, not a control.
--   os_current     every platform: on the latest OS release seen for the platform that day (devices)
--   blueprint      every platform: assigned to a blueprint (devices)
--   screen_lock    Macs, iPhones and iPads (Apple TV has no passcode; Windows and Android passcode policies are not
--                  read): a passcode policy or screen saver payload enforces a screen lock. Found by payload type
--                  (com.apple.mobiledevice.passwordpolicy, com.apple.screensaver), never by a profile's name: pass
--                  when such a payload is installed (Prism installed_profiles profile_data) or the custom profile
--                  carrying it reports success on the device (device_library_items, library_item_statuses); fail
--                  when that profile fails, or when the device's installed profiles are reported and none has
--                  such a payload; unknown without evidence (int_security_items_evidenced).
--   edr            Macs (Kandji EDR runs in the Kandji agent, which only Macs have), in the scope of an EDR policy:
--                  the EDR add-on's library item, by its type threat-security-policy (device_library_items,
--                  docs/kandji-api.md §6.5): pass when its edr_status says 'enabled', fail when its audit fails or
--                  edr_status reports another status, unknown while it reports none (pending, no agent) or the
--                  device's library items were never read; not_applicable for a Mac whose library items were
--                  read and hold no EDR item (its blueprint assigns none, or the tenant lacks the add-on).
--                  Threat detections (threats, behavioral_detections) say what EDR found, not that it runs: not
--                  evidence here.
-- grain: one row per enrolled (not removed) device per control per snapshot day
-- keys: snapshot_date, device_id, control
-- materialized: table
-- incremental: snapshot_date
with devices as (
    select
        s.*,
        s.platform = 'Mac' as is_mac,
        o.latest_os_version,
        s.os_version_key >= o.latest_os_version_key as is_os_current,
        e.screen_lock_passes,
        e.screen_lock_stream,
        e.screen_lock_run_id,
        e.screen_lock_synced_at,
        e.edr_in_scope,
        e.edr_passes,
        e.edr_run_id,
        e.edr_synced_at
    from snapshots.snp_devices_daily as s
    left join intermediate.int_latest_os_releases_tracked as o
        on o.snapshot_date = s.snapshot_date and o.platform = s.platform
    left join intermediate.int_security_items_evidenced as e
        on e.snapshot_date = s.snapshot_date and e.device_id = s.device_id
    where not s.is_removed
),

controls as (
    select
        snapshot_date,
        device_id,
        'filevault' as control,
        1 as control_order,
        is_mac as applies,
        filevault_enabled and filevault_key_escrowed as passes,
        coalesce(filevault_stream, 'filevault') as source_stream,
        filevault_run_id as run_id,
        filevault_synced_at as collected_at
    from devices
    union all
    select
        snapshot_date,
        device_id,
        'gatekeeper' as control,
        2 as control_order,
        is_mac as applies,
        gatekeeper_enabled as passes,
        'gatekeeper_and_xprotect' as source_stream,
        gatekeeper_run_id as run_id,
        gatekeeper_synced_at as collected_at
    from devices
    union all
    select
        snapshot_date,
        device_id,
        'sip' as control,
        3 as control_order,
        is_mac as applies,
        sip_enabled as passes,
        'startup_settings' as source_stream,
        sip_run_id as run_id,
        sip_synced_at as collected_at
    from devices
    union all
    select
        snapshot_date,
        device_id,
        'firewall' as control,
        4 as control_order,
        is_mac as applies,
        firewall_enabled as passes,
        'application_firewall' as source_stream,
        firewall_run_id as run_id,
        firewall_synced_at as collected_at
    from devices
    union all
    select
        snapshot_date,
        device_id,
        'recovery_lock' as control,
        5 as control_order,
        -- Applies to Apple silicon Macs; unknown for a Mac whose chip is not reported yet.
        case when is_mac then apple_silicon else false end as applies,
        recovery_lock_enabled as passes,
        'device_details' as source_stream,
        details_run_id as run_id,
        details_synced_at as collected_at
    from devices
    union all
    select
        snapshot_date,
        device_id,
        'os_current' as control,
        6 as control_order,
        true as applies,
        is_os_current as passes,
        'devices' as source_stream,
        run_id,
        synced_at as collected_at
    from devices
    union all
    select
        snapshot_date,
        device_id,
        'blueprint' as control,
        7 as control_order,
        true as applies,
        blueprint_id is not null as passes,
        'devices' as source_stream,
        run_id,
        synced_at as collected_at
    from devices
    union all
    select
        snapshot_date,
        device_id,
        'screen_lock' as control,
        8 as control_order,
        platform in ('Mac', 'iPhone', 'iPad') as applies,
        screen_lock_passes as passes,
        coalesce(screen_lock_stream, 'installed_profiles') as source_stream,
        screen_lock_run_id as run_id,
        screen_lock_synced_at as collected_at
    from devices
    union all
    select
        snapshot_date,
        device_id,
        'edr' as control,
        9 as control_order,
        -- A Mac outside every EDR policy is out of scope; unknown while its library items were never read.
        case when is_mac then edr_in_scope else false end as applies,
        edr_passes as passes,
        'device_library_items' as source_stream,
        edr_run_id as run_id,
        edr_synced_at as collected_at
    from devices
)

select
    c.snapshot_date,
    c.device_id,
    c.control,
    c.control_order,
    d.platform,
    d.device_name,
    case
        when c.applies = false then 'not_applicable'
        when c.applies is null or c.passes is null then 'unknown'
        when c.passes then 'pass'
        else 'fail'
    end as status,
    c.source_stream,
    -- Provenance only where there is evidence.
    case when c.passes is not null then c.run_id end as run_id,
    case when c.passes is not null then c.collected_at end as collected_at
from controls as c
inner join devices as d on d.snapshot_date = c.snapshot_date and d.device_id = c.device_id
