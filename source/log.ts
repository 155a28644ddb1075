/**
 * Lines for people: structured, levelled, on stderr, never on stdout (stdout carries protocol messages only).
 *
 * - text (default): `2026-01-05T12:00:00Z INFO retry 1 of GET /devices in 0.3 s: server error 503`
 * - json: `{"time":"2026-01-05T12:00:00.000Z","level":"info","message":"retry 1 of …"}` plus any fields
 *
 * In Airbyte mode warnings and errors are also sent as LOG messages on stdout, where the platform shows them in the
 * sync's log (docs/airbyte-protocol.md §1.6); in Singer mode stdout takes SCHEMA/RECORD/STATE only, so they stay on stderr.
 * Every line passes through `redact`. A status line (the progress bar on a TTY) is cleared before each log line and
 * drawn again after it, so the two never interleave.
 */
import { message, type AirbyteMessage, type LogLevel, type MessageSink } from '../core/protocol.ts';
import { redact } from '../core/redact.ts';

export const LOG_LEVELS = ['error', 'warn', 'info', 'debug'] as const;
export type Level = (typeof LOG_LEVELS)[number];
export const LOG_FORMATS = ['text', 'json'] as const;
export type LogFormat = (typeof LOG_FORMATS)[number];

const RANK: Record<Level, number> = { error: 0, warn: 1, info: 2, debug: 3 };
const PROTOCOL_LEVEL: Record<Level, LogLevel> = { error: 'ERROR', warn: 'WARN', info: 'INFO', debug: 'DEBUG' };

/** Our level for an Airbyte LOG level: FATAL is an error, TRACE is debug. */
export function levelOf(level: LogLevel): Level {
  if (level === 'FATAL' || level === 'ERROR') return 'error';
  if (level === 'WARN') return 'warn';
  if (level === 'INFO') return 'info';
  return 'debug';
}

/** What the logger writes to: `process.stderr` in the CLI. `isTTY` decides whether a status line can be redrawn. */
export interface LogOutput {
  write(text: string): unknown;
  isTTY?: boolean;
  columns?: number;
}

export interface LoggerOptions {
  /** The least severe level written. Default `info`. */
  level?: Level;
  /** Default `text`. */
  format?: LogFormat;
  /** Default `process.stderr`. */
  out?: LogOutput;
  /** Where warnings and errors are also sent as Airbyte LOG messages (Airbyte mode); none in Singer mode. */
  protocol?: MessageSink | undefined;
  /** ms since epoch, for the timestamps. Default `Date.now`. */
  clock?: () => number;
}

export class Logger {
  level: Level = 'info';
  format: LogFormat = 'text';
  protocol: MessageSink | undefined;
  private out: LogOutput = process.stderr;
  private clock: () => number = Date.now;
  /** The status line currently drawn at the bottom of a TTY, if any. */
  private status: string | undefined;

  constructor(options: LoggerOptions = {}) {
    this.configure(options);
  }

  /** Change any option; the CLI does this once it has parsed `--log-level`, `--log-format` and `--protocol`. */
  configure(options: LoggerOptions): void {
    if (options.level !== undefined) this.level = options.level;
    if (options.format !== undefined) this.format = options.format;
    if (options.out !== undefined) this.out = options.out;
    if (options.clock !== undefined) this.clock = options.clock;
    if ('protocol' in options) this.protocol = options.protocol;
  }

  /** Whether lines of `level` are written. */
  enabled(level: Level): boolean {
    return RANK[level] <= RANK[this.level];
  }

  error(text: string, fields?: Record<string, unknown>): void {
    this.log('error', text, fields);
  }

  warn(text: string, fields?: Record<string, unknown>): void {
    this.log('warn', text, fields);
  }

  info(text: string, fields?: Record<string, unknown>): void {
    this.log('info', text, fields);
  }

  debug(text: string, fields?: Record<string, unknown>): void {
    this.log('debug', text, fields);
  }

  /**
   * Write one line at `level`. Warnings and errors also go out as a LOG message when a protocol sink is set, unless
   * `toProtocol` is false (the CLI's final error, which a TRACE ERROR already carries).
   */
  log(level: Level, text: string, fields?: Record<string, unknown>, toProtocol = true): void {
    if (!this.enabled(level)) return;
    this.writeLine(this.formatLine(level, text, fields));
    if (toProtocol && this.protocol && RANK[level] <= RANK.warn) void this.protocol.write(message.log(PROTOCOL_LEVEL[level], redact(text)));
  }

  /** Whether a status line can be drawn: only on a terminal. */
  get tty(): boolean {
    return this.out.isTTY === true;
  }

  /** Draw (or with `undefined`, clear) the status line at the bottom of the terminal. No-op when not a TTY. */
  setStatus(text: string | undefined): void {
    if (!this.tty) return;
    // A terminal that reports no width (0 under some pseudo-terminals) is taken as 80 columns.
    const width = Math.max(20, (this.out.columns || 80) - 1);
    const line = text === undefined ? undefined : text.length > width ? text.slice(0, width) : text;
    if (line === this.status) return;
    this.status = line;
    this.out.write(`\r\x1b[2K${line ?? ''}`);
  }

  private writeLine(line: string): void {
    if (this.status === undefined) this.out.write(`${line}\n`);
    else this.out.write(`\r\x1b[2K${line}\n${this.status}`);
  }

  private formatLine(level: Level, text: string, fields?: Record<string, unknown>): string {
    const time = new Date(this.clock());
    if (this.format === 'json') return redact(JSON.stringify({ time: time.toISOString(), level, message: text, ...fields }));
    // Seconds are precise enough for people; JSON keeps the milliseconds.
    return redact(`${time.toISOString().replace(/\.\d{3}Z$/, 'Z')} ${level.toUpperCase()} ${text}`);
  }
}

/**
 * Airbyte mode: the read engine's own LOG messages (skipped devices and the like) and TRACE ERRORs reach stderr too,
 * so that stderr alone tells a person what happened. LOG messages below the level are dropped from both: with
 * `--log-level error` stdout carries no WARN LOGs either.
 */
export function mirrorLogs(sink: MessageSink, log: Logger): MessageSink {
  return {
    write: (msg: AirbyteMessage) => {
      if (msg.type === 'LOG') {
        const level = levelOf(msg.log.level);
        if (!log.enabled(level)) return undefined;
        log.log(level, msg.log.message, undefined, false);
      } else if (msg.type === 'TRACE' && msg.trace.type === 'ERROR') {
        const where = msg.trace.error.stream_descriptor ? `${msg.trace.error.stream_descriptor.name}: ` : '';
        log.log('error', `${where}${msg.trace.error.message}`, { failure_type: msg.trace.error.failure_type }, false);
      }
      return sink.write(msg);
    },
    flush: () => sink.flush(),
  };
}
