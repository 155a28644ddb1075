/**
 * The contract between `sync` (which writes a run's files and its manifest, DIR/_runs/<run_id>.json) and `transform`
 * (which loads a run only through its manifest). Both sides import it from here, the ground floor, so neither
 * depends on the other.
 */
export type OutputFormat = 'jsonl' | 'parquet' | 'both';

export interface StreamManifest {
  sync_mode: 'full_refresh' | 'incremental';
  status: 'complete' | 'failed' | 'rate-limited';
  records: number;
  files: string[];
}

export interface RunManifest {
  run_id: string;
  /** The server's clock at the sync's first response (ISO-8601 UTC): the time the data describes. */
  synced_at: string;
  started_at: string;
  finished_at: string;
  /** complete: every stream read to the end. incomplete: stopped cleanly by the request budget. failed: a stream failed (or the run crashed). */
  status: 'complete' | 'incomplete' | 'failed';
  format: OutputFormat;
  requests: number;
  streams: Record<string, StreamManifest>;
}
