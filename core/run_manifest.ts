/**
 * The contract between `sync` (which writes a run's files and its manifest, DIR/_runs/<run_id>.json) and `transform`
 * (which loads a run only through its manifest). Both sides import it from here, the ground floor, so neither
 * depends on the other.
 */
export type OutputFormat = 'jsonl' | 'parquet' | 'both';

export interface StreamManifest {
  sync_mode: 'full_refresh' | 'incremental';
  /** interrupted: the sync was stopped by a signal while the stream was being read; its state is the last checkpoint. */
  status: 'complete' | 'failed' | 'rate-limited' | 'interrupted';
  records: number;
  /**
   * The stream completed and its records in this run are every row that exists on the tenant: a full refresh, or
   * an incremental Prism read that re-read its whole category (prism_full_read_every_days). The marts take such a
   * run as the set of rows that exist; rows of earlier runs that it lacks were deleted. Absent in older manifests.
   */
  full_read?: boolean;
  files: string[];
}

/** Why a stream, or the whole run, failed: the TRACE ERROR the read emitted (message redacted). */
export interface RunFailure {
  /** The stream that failed; absent when the whole run failed. */
  stream?: string;
  /** config_error (needs a person: a revoked token, a missing permission), transient_error, system_error. */
  failure_type: string;
  message: string;
}

export interface RunManifest {
  run_id: string;
  /**
   * The tenant the run read (the configuration's `tenant`, by default the subdomain): the `tenant_id` on each of its
   * records. Absent in manifests of versions before 0.2.0.
   */
  tenant?: string;
  /** The server's clock at the sync's first response (ISO-8601 UTC): the time the data describes. */
  synced_at: string;
  started_at: string;
  finished_at: string;
  /**
   * complete: every stream read to the end. incomplete: stopped cleanly, by the request budget or by a signal
   * (SIGTERM, Ctrl-C). failed: a stream failed (or the run crashed).
   */
  status: 'complete' | 'incomplete' | 'failed';
  format: OutputFormat;
  requests: number;
  /** The API host the run read (absent from older manifests): a folder holds one tenant's data. */
  api_host?: string;
  streams: Record<string, StreamManifest>;
  /** Why the run failed, one entry per failure in the order they happened; empty or absent when nothing failed. */
  failures?: RunFailure[];
}
