-- int_device_compliance_evaluated: each enrolled device's security checks and compliance verdict on each snapshot day.
--
-- Compliance rule (docs/marts.md). The checks are the controls of int_control_evidence_evaluated (the control
-- mapping), one <control>_ok column each: true (pass), false (fail) or null (does not apply, or no data yet).
-- compliance_status: non_compliant when a check fails; else unknown when a check that applies has no data (a
-- device whose details or Prism rows were not read yet; listed in unknown_checks); else compliant. A missing row is
-- evidence of nothing: it neither fails a device nor lets it pass, so is_compliant is true only for 'compliant'.
-- Removed devices are not in the fleet and have no rows.
-- grain: one row per enrolled (not removed) device per snapshot day
-- keys: snapshot_date, device_id
-- materialized: table
-- incremental: snapshot_date
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
        s.firmware_password_exists
    from snapshots.snp_devices_daily as s
    left join intermediate.int_latest_os_releases_tracked as o
        on o.snapshot_date = s.snapshot_date and o.platform = s.platform
    where not s.is_removed
),

verdicts as (
    select
        snapshot_date,
        device_id,
        map_from_entries(list((control, case status when 'pass' then true when 'fail' then false end))) as ok,
        list(control order by control_order) filter (where status = 'fail') as failing,
        list(control order by control_order) filter (where status = 'unknown') as unknown
    from intermediate.int_control_evidence_evaluated
    group by snapshot_date, device_id
)

select
    b.*,
    v.ok['filevault'] as filevault_ok,
    v.ok['gatekeeper'] as gatekeeper_ok,
    v.ok['sip'] as sip_ok,
    v.ok['firewall'] as firewall_ok,
    v.ok['recovery_lock'] as recovery_lock_ok,
    v.ok['os_current'] as os_current_ok,
    v.ok['blueprint'] as blueprint_ok,
    v.ok['screen_lock'] as screen_lock_ok,
    v.ok['edr'] as edr_ok,
    case
        when len(coalesce(v.failing, [])) > 0 then 'non_compliant'
        when len(coalesce(v.unknown, [])) > 0 then 'unknown'
        else 'compliant'
    end as compliance_status,
    len(coalesce(v.failing, [])) = 0 and len(coalesce(v.unknown, [])) = 0 as is_compliant,
    coalesce(v.failing, []::varchar[]) as failing_checks,
    array_to_string(coalesce(v.failing, []::varchar[]), ', ') as failing_checks_text,
    coalesce(v.unknown, []::varchar[]) as unknown_checks
from base as b
inner join verdicts as v on v.snapshot_date = b.snapshot_date and v.device_id = b.device_id
