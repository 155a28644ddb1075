/**
 * Airbyte protocol messages (docs/airbyte-protocol.md §1.3–§1.11) and the writer that puts them on
 * stdout: one JSON object per line, every line passed through `redact`, with backpressure so a slow consumer
 * slows the sync instead of growing memory.
 */
import type { Writable } from 'node:stream';
import type { FailureType } from './errors.ts';
import { redact } from './redact.ts';

export type StreamStatus = 'STARTED' | 'RUNNING' | 'COMPLETE' | 'INCOMPLETE';
export type LogLevel = 'FATAL' | 'ERROR' | 'WARN' | 'INFO' | 'DEBUG' | 'TRACE';

export interface StreamDescriptor {
  name: string;
  namespace?: string;
}

export interface RecordChange {
  field: string;
  change: 'NULLED' | 'TRUNCATED';
  reason: 'SOURCE_SERIALIZATION_ERROR' | 'SOURCE_RETRIEVAL_ERROR' | 'SOURCE_RECORD_SIZE_LIMITATION' | 'SOURCE_FIELD_SIZE_LIMITATION';
}

export type AirbyteMessage =
  | { type: 'RECORD'; record: { stream: string; data: Record<string, unknown>; emitted_at: number; meta?: { changes: RecordChange[] } } }
  | {
      type: 'STATE';
      state: {
        type: 'STREAM';
        stream: { stream_descriptor: StreamDescriptor; stream_state: Record<string, unknown> | null };
        sourceStats: { recordCount: number };
      };
    }
  | { type: 'LOG'; log: { level: LogLevel; message: string; stack_trace?: string } }
  | { type: 'SPEC'; spec: Record<string, unknown> }
  | { type: 'CONNECTION_STATUS'; connectionStatus: { status: 'SUCCEEDED' | 'FAILED'; message?: string } }
  | { type: 'CATALOG'; catalog: { streams: AirbyteStream[] } }
  | { type: 'TRACE'; trace: TraceBody };

export interface AirbyteStream {
  name: string;
  json_schema: Record<string, unknown>;
  supported_sync_modes: ('full_refresh' | 'incremental')[];
  source_defined_cursor?: boolean;
  default_cursor_field?: string[];
  source_defined_primary_key?: string[][];
  is_resumable?: boolean;
}

export type TraceBody =
  | {
      type: 'ERROR';
      emitted_at: number;
      error: {
        message: string;
        internal_message?: string;
        stack_trace?: string;
        failure_type: FailureType;
        stream_descriptor?: StreamDescriptor;
      };
    }
  | {
      type: 'STREAM_STATUS';
      emitted_at: number;
      stream_status: {
        stream_descriptor: StreamDescriptor;
        status: StreamStatus;
        reasons?: { type: 'RATE_LIMITED'; rate_limited: { quota_reset?: number } }[];
      };
    }
  | { type: 'ESTIMATE'; emitted_at: number; estimate: { name: string; type: 'STREAM'; row_estimate?: number } };

export const message = {
  record(stream: string, data: Record<string, unknown>, emittedAt: number, changes?: RecordChange[]): AirbyteMessage {
    return {
      type: 'RECORD',
      record: { stream, data, emitted_at: emittedAt, ...(changes && changes.length > 0 ? { meta: { changes } } : {}) },
    };
  },
  state(stream: string, streamState: Record<string, unknown>, recordCount: number): AirbyteMessage {
    // Counts are doubles in the protocol; JSON has no distinction, so a plain number is right.
    return {
      type: 'STATE',
      state: { type: 'STREAM', stream: { stream_descriptor: { name: stream }, stream_state: streamState }, sourceStats: { recordCount } },
    };
  },
  status(stream: string, status: StreamStatus, rateLimitedUntil?: number): AirbyteMessage {
    const reasons =
      rateLimitedUntil === undefined ? undefined : [{ type: 'RATE_LIMITED' as const, rate_limited: { quota_reset: rateLimitedUntil } }];
    return {
      type: 'TRACE',
      trace: {
        type: 'STREAM_STATUS',
        emitted_at: Date.now(),
        stream_status: { stream_descriptor: { name: stream }, status, ...(reasons ? { reasons } : {}) },
      },
    };
  },
  error(text: string, failureType: FailureType, options: { internal?: string; stream?: string; stack?: string } = {}): AirbyteMessage {
    return {
      type: 'TRACE',
      trace: {
        type: 'ERROR',
        emitted_at: Date.now(),
        error: {
          message: text,
          failure_type: failureType,
          ...(options.internal ? { internal_message: options.internal } : {}),
          ...(options.stack ? { stack_trace: options.stack } : {}),
          ...(options.stream ? { stream_descriptor: { name: options.stream } } : {}),
        },
      },
    };
  },
  log(level: LogLevel, text: string): AirbyteMessage {
    return { type: 'LOG', log: { level, message: text } };
  },
};

/** Where messages go: stdout for the CLI, an in-process consumer for `sync`. */
export interface MessageSink {
  write(msg: AirbyteMessage): void | Promise<void>;
  flush(): Promise<void>;
}

/**
 * Writes messages as JSON lines to a stream. Lines are gathered into chunks of about 64 KiB, and each chunk is passed
 * through `redact` as a whole (a chunk holds whole lines and no secret form contains a newline, so this is the same
 * as redacting every line, at a fraction of the scans); when the stream's buffer is full, `write` returns a promise
 * that resolves on 'drain', which the read loop awaits. `flush` resolves once every line has reached the operating
 * system, not merely the stream's buffer: a pipe whose reader is slow queues a write, and a process that exits
 * (SIGTERM's handler does) with a write queued loses it.
 */
export class LineWriter implements MessageSink {
  private readonly out: Writable;
  private chunk = '';
  /** Resolves when the last chunk handed to `out` has been written out (write callbacks come in order). */
  private written: Promise<void> = Promise.resolve();

  constructor(out: Writable) {
    this.out = out;
  }

  write(msg: AirbyteMessage): void | Promise<void> {
    this.chunk += `${JSON.stringify(msg)}\n`;
    if (this.chunk.length >= 65_536) return this.push();
  }

  async flush(): Promise<void> {
    await this.push();
    await this.written;
  }

  private push(): Promise<void> | undefined {
    if (this.chunk.length === 0) return undefined;
    const text = redact(this.chunk);
    this.chunk = '';
    let done!: () => void;
    this.written = new Promise((resolve) => (done = resolve));
    // An error reaches the stream's 'error' listeners too (the CLI's EPIPE handler); here it only ends the wait.
    const room = this.out.write(text, () => done());
    if (room) return undefined;
    return new Promise((resolve) => this.out.once('drain', resolve));
  }
}
