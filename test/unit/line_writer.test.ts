/**
 * LineWriter, the connector's stdout: lines go out in order, in chunks, redacted, and `flush` resolves only once the
 * operating system has every byte. A socket whose peer reads slowly queues a small write and still returns `true`
 * (its buffer is under the high-water mark); a process that exits then (the SIGTERM handler does) drops the write,
 * and with it the TRACE ERROR that says why the read stopped.
 */
import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { LineWriter, message } from '../../core/protocol.ts';

/** A stream that takes each write at once but reports it written only when `release` is called: a full pipe. */
class SlowPipe extends Writable {
  readonly landed: string[] = [];
  private readonly waiting: (() => void)[] = [];

  constructor() {
    super({ highWaterMark: 1 << 20, decodeStrings: false });
  }

  override _write(chunk: string, _encoding: BufferEncoding, callback: () => void): void {
    this.waiting.push(() => {
      this.landed.push(chunk);
      callback();
    });
  }

  release(): void {
    for (const next of this.waiting.splice(0)) next();
  }
}

describe('LineWriter', () => {
  it('flush waits for a queued write to reach the operating system, not just for the stream to take it', async () => {
    const pipe = new SlowPipe();
    const writer = new LineWriter(pipe);
    writer.write(message.error('The read was interrupted by SIGTERM.', 'transient_error'));
    let flushed = false;
    const flushing = writer.flush().then(() => (flushed = true));
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(flushed).toBe(false);
    expect(pipe.landed).toEqual([]);
    pipe.release();
    await flushing;
    expect(flushed).toBe(true);
    expect(pipe.landed.join('')).toContain('interrupted by SIGTERM');
  });

  it('gathers lines into chunks of about 64 KiB, in order, and writes the rest on flush', async () => {
    const chunks: string[] = [];
    const sink = new Writable({
      decodeStrings: false,
      write(chunk: string, _encoding, callback) {
        chunks.push(chunk);
        callback();
      },
    });
    const writer = new LineWriter(sink);
    const n = 2_000;
    for (let i = 0; i < n; i++) await writer.write(message.log('INFO', `line ${i} ${'x'.repeat(60)}`));
    expect(chunks.length).toBeGreaterThan(0);
    const beforeFlush = chunks.join('').split('\n').length - 1;
    expect(beforeFlush).toBeLessThan(n);
    await writer.flush();
    const lines = chunks.join('').trimEnd().split('\n');
    expect(lines).toHaveLength(n);
    expect(lines.map((l) => JSON.parse(l).log.message.split(' ')[1])).toEqual(Array.from({ length: n }, (_, i) => String(i)));
    for (const chunk of chunks.slice(0, -1)) expect(chunk.length).toBeGreaterThanOrEqual(65_536);
  });
});
