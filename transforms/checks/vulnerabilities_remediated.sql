-- Reconciliation: a detection remediated on a day was not seen on or after it (vulnerability_lifecycle against the
-- rows synced). Returns the detections that break it.
select l.device_id, l.cve_id, l.path, l.remediated_on, max(v.snapshot_date) as seen_on
from marts.vulnerability_lifecycle as l
inner join snapshots.snp_kandji__vulnerability_detections_daily as v
    on v.device_id = l.device_id and v.cve_id = l.cve_id and v.path is not distinct from l.path
where l.remediated_on is not null and v.is_current and v.snapshot_date >= l.remediated_on
group by l.device_id, l.cve_id, l.path, l.remediated_on
