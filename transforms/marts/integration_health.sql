-- integration_health: each Automated Device Enrollment (ADE) token on each snapshot day as the API reported it: its
-- status (SUCCESS or BROKEN), days left until the server token expires, when it expires, and its last device sync.
-- expires_within_30d flags the tokens to renew now. From the generated snp_kandji__ade_tokens_daily (a token a
-- complete read of the list no longer had is gone).
-- grain: one row per ADE token per snapshot day
-- keys: snapshot_date, token_id
-- requires: ade_tokens
-- materialized: table
-- incremental: snapshot_date
select
    t.snapshot_date,
    t.id as token_id,
    t.server_name,
    t.org_name,
    t.status,
    t.status_reason,
    t.days_left,
    t.access_token_expiry as expires_at,
    t.last_device_sync,
    t.days_left <= 30 as expires_within_30d,
    t.status = 'BROKEN' as is_broken
from snapshots.snp_kandji__ade_tokens_daily as t
where t.is_current and t.snapshot_date in (select d.snapshot_date from snapshots.snp_devices_daily as d)
