/**
 * SIGTERM and SIGINT: orchestrators cancel a run, and end it on a timeout, with SIGTERM; people press Ctrl-C. The
 * first signal stops the read where it stands and keeps what it has (`read`: the messages already printed, every
 * STATE among them valid; `sync`: the files and each stream's state up to its last checkpoint); a second one exits
 * at once. Either way the exit code is the shell's convention for a death by that signal, 128 + its number.
 */
import { constants } from 'node:os';
import type { AirbyteMessage, MessageSink } from '../core/protocol.ts';

export const STOP_SIGNALS = ['SIGTERM', 'SIGINT'] as const;
export type StopSignal = (typeof STOP_SIGNALS)[number];

/** 143 for SIGTERM, 130 for SIGINT. */
export function signalExitCode(signal: string): number {
  return 128 + (constants.signals[signal as NodeJS.Signals] ?? 15);
}

/** How long a stopped run waits for its last lines to be written before it exits anyway. */
export const EXIT_PATIENCE_MS = 5_000;

/**
 * Exit with `code` once stdout and stderr have handed every queued byte to the operating system: `process.exit`
 * drops what a pipe with a slow reader still holds queued, and the last lines (the TRACE ERROR that says why the run
 * stopped) are the ones an orchestrator most needs. A reader that has stopped reading altogether does not keep the
 * process alive past `patienceMs`.
 */
export async function exitWhenWritten(code: number, patienceMs = EXIT_PATIENCE_MS): Promise<never> {
  const until = Date.now() + patienceMs;
  for (const stream of [process.stdout, process.stderr]) {
    while (stream.writableLength > 0 && Date.now() < until) await new Promise((resolve) => setTimeout(resolve, 5));
  }
  process.exit(code);
}

/**
 * Call `stop` on the first SIGTERM or SIGINT; exit with that signal's code on the second. Returns an AbortSignal
 * aborted with the signal's name, and a function that removes the handlers.
 */
export function onStopSignal(stop: (signal: StopSignal) => void): { signal: AbortSignal; dispose: () => void } {
  const controller = new AbortController();
  const handler = (signal: StopSignal) => {
    if (controller.signal.aborted) process.exit(signalExitCode(signal));
    controller.abort(signal);
    stop(signal);
  };
  for (const name of STOP_SIGNALS) process.on(name, handler);
  return {
    signal: controller.signal,
    dispose: () => {
      for (const name of STOP_SIGNALS) process.off(name, handler);
    },
  };
}

/**
 * Passes messages on until closed; after that, a write never resolves, so the read waits where it is and nothing it
 * produces later reaches the output. Knows which streams have started and not ended, to report them INCOMPLETE.
 */
export class GatedSink implements MessageSink {
  private readonly inner: MessageSink;
  private closed = false;
  /** Streams that have started and not yet ended (COMPLETE or INCOMPLETE). */
  readonly open = new Set<string>();

  constructor(inner: MessageSink) {
    this.inner = inner;
  }

  write(msg: AirbyteMessage): void | Promise<void> {
    if (this.closed) return new Promise(() => {});
    if (msg.type === 'TRACE' && msg.trace.type === 'STREAM_STATUS') {
      const { stream_descriptor, status } = msg.trace.stream_status;
      if (status === 'STARTED') this.open.add(stream_descriptor.name);
      else if (status === 'COMPLETE' || status === 'INCOMPLETE') this.open.delete(stream_descriptor.name);
    }
    return this.inner.write(msg);
  }

  flush(): Promise<void> {
    return this.inner.flush();
  }

  /** Take nothing more from the read. */
  close(): void {
    this.closed = true;
  }
}
