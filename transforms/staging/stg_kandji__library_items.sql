-- stg_kandji__library_items: the latest record of every library item (custom apps, in-house apps, custom profiles,
-- custom scripts; read in full each sync).
-- grain: one row per library item
-- keys: library_item_id
-- materialized: view
select
    id as library_item_id,
    item_type,
    name as library_item_name,
    active as is_active,
    install_type,
    install_enforcement,
    execution_frequency,
    file_size as file_size_bytes,
    app_name,
    app_version,
    identifier,
    mdm_identifier,
    minimum_os_version,
    runs_on_mac,
    runs_on_iphone,
    runs_on_ipad,
    runs_on_tv,
    show_in_self_service,
    created_at,
    updated_at,
    _run_id as run_id,
    _run_seq as run_seq,
    _synced_at as synced_at,
    _synced_date as synced_date,
    -- Whether the latest completed read of the list had it: a full-refresh stream returns the whole set each run.
    id in (
        select l.id from raw.library_items as l
        where l._run_seq = (
            select max(s.run_seq) from raw.run_streams as s
            where s.stream = 'library_items' and s.status = 'complete'
        )
    ) as in_latest_list
from raw.library_items
where id is not null
qualify row_number() over (partition by id order by _run_seq desc, _row desc) = 1
