-- int_device_compliance_evaluated: each enrolled device's security checks and compliance verdict on each snapshot day.
--
-- Compliance rule (docs/marts.md). A check is true (pass), false (fail) or null (does not apply, or no data yet):
--   filevault      Macs: FileVault on and its recovery key escrowed to Kandji
--   gatekeeper     Macs: Gatekeeper on
--   sip            Macs: System Integrity Protection on
--   firewall       Macs: the application firewall on
--   recovery_lock  Apple silicon Macs: Recovery Lock set (Intel Macs have firmware passwords instead; the API
--                  reports them, but not as something Kandji enforces, so they are shown, not checked)
--   os_current     every platform: on the latest OS release seen for the platform that day
--   blueprint      every platform: assigned to a blueprint
-- Passcodes: no stream carries an Apple device's passcode state (kandji-api.md §6), so there is no passcode check.
-- A device is compliant when no check fails. A check that applies but has no data (a device whose details were
-- not read yet) is listed in unknown_checks and does not fail the device: an absence of data is not evidence of a
-- setting being off. Removed devices are not in the fleet and have no rows.
-- grain: one row per enrolled (not removed) device per snapshot day
-- keys: snapshot_date, device_id
-- materialized: table
with base as (
    select
        s.snapshot_date,
        s.device_id,
        s.synced_at,
        coalesce(s.platform, 'Unknown') as platform,
        s.device_name,
        s.user_id,
        s.user_email,
        s.blueprint_id,
        s.blueprint_name,
        s.os_version,
        o.latest_os_version,
        s.apple_silicon,
        s.filevault_enabled,
        s.filevault_key_escrowed,
        s.gatekeeper_enabled,
        s.sip_enabled,
        s.firewall_enabled,
        s.recovery_lock_enabled,
        s.firmware_password_exists,
        s.platform = 'Mac' as is_mac,
        s.os_version_key >= o.latest_os_version_key as os_current
    from snapshots.snp_devices_daily as s
    left join intermediate.int_latest_os_releases_tracked as o
        on o.snapshot_date = s.snapshot_date and o.platform = s.platform
    where not s.is_removed
),

checks as (
    select
        *,
        case when is_mac then filevault_enabled and filevault_key_escrowed end as filevault_ok,
        case when is_mac then gatekeeper_enabled end as gatekeeper_ok,
        case when is_mac then sip_enabled end as sip_ok,
        case when is_mac then firewall_enabled end as firewall_ok,
        case when is_mac and apple_silicon then recovery_lock_enabled end as recovery_lock_ok,
        os_current as os_current_ok,
        blueprint_id is not null as blueprint_ok,
        -- Which checks apply but could not be decided.
        concat_ws(
            ',',
            case when is_mac and (filevault_enabled is null or (filevault_enabled and filevault_key_escrowed is null)) then 'filevault' end,
            case when is_mac and gatekeeper_enabled is null then 'gatekeeper' end,
            case when is_mac and sip_enabled is null then 'sip' end,
            case when is_mac and firewall_enabled is null then 'firewall' end,
            case when is_mac and (apple_silicon is null or (apple_silicon and recovery_lock_enabled is null)) then 'recovery_lock' end,
            case when os_current is null then 'os_current' end
        ) as unknown_list
    from base
),

verdicts as (
    select
        *,
        concat_ws(
            ',',
            case when filevault_ok = false then 'filevault' end,
            case when gatekeeper_ok = false then 'gatekeeper' end,
            case when sip_ok = false then 'sip' end,
            case when firewall_ok = false then 'firewall' end,
            case when recovery_lock_ok = false then 'recovery_lock' end,
            case when os_current_ok = false then 'os_current' end,
            case when blueprint_ok = false then 'blueprint' end
        ) as failing_list
    from checks
)

select
    snapshot_date,
    device_id,
    synced_at,
    platform,
    device_name,
    user_id,
    user_email,
    blueprint_id,
    blueprint_name,
    os_version,
    latest_os_version,
    apple_silicon,
    filevault_enabled,
    filevault_key_escrowed,
    gatekeeper_enabled,
    sip_enabled,
    firewall_enabled,
    recovery_lock_enabled,
    firmware_password_exists,
    filevault_ok,
    gatekeeper_ok,
    sip_ok,
    firewall_ok,
    recovery_lock_ok,
    os_current_ok,
    blueprint_ok,
    failing_list = '' as is_compliant,
    coalesce(string_split(nullif(failing_list, ''), ','), []::varchar[]) as failing_checks,
    replace(failing_list, ',', ', ') as failing_checks_text,
    coalesce(string_split(nullif(unknown_list, ''), ','), []::varchar[]) as unknown_checks
from verdicts
