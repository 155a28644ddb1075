-- tenant_ade_tokens: every Automated Device Enrollment (Apple Business Manager) server token of every tenant, with
-- its expiry, as each tenant's latest sync read it: one list of the tokens to renew across tenants. expiry_status:
-- broken (Kandji reports the token not SUCCESS), expired, expiring (30 days or less), ok.
-- grain: one row per tenant per ADE token still listed
-- keys: tenant_id, token_id
-- requires: ade_tokens
-- scope: all tenants
-- materialized: table
select
    t.tenant_id,
    g.tenant_group,
    t.id as token_id,
    t.server_name,
    t.org_name,
    t.access_token_expiry,
    t.days_left,
    t.status,
    t.status_reason,
    t.synced_at,
    case
        when t.status <> 'SUCCESS' then 'broken'
        when t.days_left < 0 then 'expired'
        when t.days_left <= 30 then 'expiring'
        else 'ok'
    end as expiry_status
from staging.stg_kandji__ade_tokens as t
left join raw.tenant_groups as g on g.tenant_id = t.tenant_id
where t.is_current
