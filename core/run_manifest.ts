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

export interface RunManifest {
  run_id: string;
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
  /** The tenant's label, when the configuration named one. */
  tenant?: string;
  streams: Record<string, StreamManifest>;
}
