-- stg_kandji__audit_events: the tenant's audit log, one row per event (incremental on occurred_at; a window re-read
-- after a failed sync returns some events twice, and the latest copy wins).
-- grain: one row per audit event
-- keys: audit_event_id
-- materialized: view
select
    id as audit_event_id,
    action,
    occurred_at,
    actor_id,
    actor_type,
    target_id,
    target_type,
    target_component,
    new_state,
    metadata,
    _run_id as run_id,
    _run_seq as run_seq,
    _synced_at as synced_at,
    _synced_date as synced_date
from raw.audit_events
where id is not null
qualify row_number() over (partition by id order by _run_seq desc, _row desc) = 1
