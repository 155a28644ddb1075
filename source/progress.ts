/**
 * Progress of a long read, for people watching it. On a terminal: a bar redrawn on stderr, by streams finished,
 * with records, requests and time. Elsewhere (a log file, an orchestrator): a plain line at most every ten
 * seconds, `progress: 120,000 records, 900 requests, 45 s`. Both only at `--log-level info` or `debug`, and
 * neither for a read that ends within a second. stdout is never touched.
 *
 * Written here rather than taken from a package: the bar is one line of text, and it has to share the terminal
 * with the logger's lines (see Logger.setStatus), which general-purpose bar libraries do not know about.
 */
import type { Logger } from './log.ts';
import type { AirbyteMessage, MessageSink } from '../core/protocol.ts';

export interface ProgressOptions {
  log: Logger;
  /** Streams the read will run (configured plus refused), for the bar's fill. */
  streams: number;
  /** Between two plain lines when stderr is not a terminal. Default 10 s. */
  lineEveryMs?: number;
  /** Between two redraws of the bar on a terminal. Default 250 ms. */
  redrawEveryMs?: number;
  /** Nothing is shown before this much of the read has passed. Default 1 s. */
  quietForMs?: number;
  clock?: () => number;
}

const BAR_WIDTH = 20;
const count = (n: number) => n.toLocaleString('en-US');

export class Progress {
  records = 0;
  finished = 0;
  /** Requests so far; the read engine hands over a live counter once its client exists. */
  requests: () => number = () => 0;
  private readonly options: Required<Omit<ProgressOptions, 'log' | 'streams'>> & Pick<ProgressOptions, 'log' | 'streams'>;
  private readonly started: number;
  private lastLine: number;
  private timer: NodeJS.Timeout | undefined;

  constructor(options: ProgressOptions) {
    this.options = { lineEveryMs: 10_000, redrawEveryMs: 250, quietForMs: 1_000, clock: Date.now, ...options };
    this.started = this.options.clock();
    this.lastLine = this.started;
  }

  /** Whether anything will be shown at all. */
  get active(): boolean {
    return this.options.log.enabled('info');
  }

  /** Count what passes through `sink`: records, and streams reaching COMPLETE or INCOMPLETE. */
  watch(sink: MessageSink): MessageSink {
    return {
      write: (msg: AirbyteMessage) => {
        this.observe(msg);
        return sink.write(msg);
      },
      flush: () => sink.flush(),
    };
  }

  observe(msg: AirbyteMessage): void {
    if (msg.type === 'RECORD') this.records++;
    else if (
      msg.type === 'TRACE' &&
      msg.trace.type === 'STREAM_STATUS' &&
      (msg.trace.stream_status.status === 'COMPLETE' || msg.trace.stream_status.status === 'INCOMPLETE')
    )
      this.finished++;
  }

  start(): void {
    if (!this.active || this.timer) return;
    const every = this.options.log.tty ? this.options.redrawEveryMs : Math.min(this.options.lineEveryMs, 1_000);
    this.timer = setInterval(() => this.tick(), every);
    // A progress display never keeps the process alive.
    this.timer.unref();
  }

  /** Stop and clear the bar; the read's summary follows. */
  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    this.options.log.setStatus(undefined);
  }

  /** One step of the display: redraw the bar, or write a plain line if ten seconds have passed since the last. */
  tick(): void {
    const now = this.options.clock();
    if (now - this.started < this.options.quietForMs) return;
    if (this.options.log.tty) {
      this.options.log.setStatus(this.bar(now));
    } else if (now - this.lastLine >= this.options.lineEveryMs) {
      this.lastLine = now;
      const seconds = Math.round((now - this.started) / 1000);
      this.options.log.info(`progress: ${count(this.records)} records, ${count(this.requests())} requests, ${seconds} s`, {
        records: this.records,
        requests: this.requests(),
        seconds,
      });
    }
  }

  /** `[████████░░░░░░░░░░░░] 7/17 streams · 120,000 records · 900 requests · 45 s` */
  bar(now: number = this.options.clock()): string {
    const total = Math.max(1, this.options.streams);
    const filled = Math.min(BAR_WIDTH, Math.round((this.finished / total) * BAR_WIDTH));
    const seconds = Math.round((now - this.started) / 1000);
    return `[${'█'.repeat(filled)}${'░'.repeat(BAR_WIDTH - filled)}] ${this.finished}/${this.options.streams} streams · ${count(this.records)} records · ${count(this.requests())} requests · ${seconds} s`;
  }
}
