/**
 * People's lines: the text and JSON formats, levels, warnings mirrored as Airbyte LOG messages, redaction, the
 * status line on a TTY, and the progress display's plain lines and bar.
 */
import { describe, expect, it } from 'vitest';
import { Logger, mirrorLogs } from '../../source/log.ts';
import { Progress } from '../../source/progress.ts';
import { message, type AirbyteMessage, type MessageSink } from '../../core/protocol.ts';
import { clearSecrets, registerSecret } from '../../core/redact.ts';

const T0 = Date.parse('2026-01-05T12:00:00.250Z');

function capture(tty = false) {
  const lines: string[] = [];
  return { out: { write: (text: string) => lines.push(text), isTTY: tty, columns: 100 }, lines, text: () => lines.join('') };
}

function sinkOf(): MessageSink & { messages: AirbyteMessage[] } {
  const messages: AirbyteMessage[] = [];
  return { messages, write: (msg) => void messages.push(msg), flush: async () => {} };
}

describe('Logger', () => {
  it('writes timestamped text lines at or above its level', () => {
    const { out, text } = capture();
    const log = new Logger({ out, clock: () => T0, level: 'info' });
    log.debug('not shown');
    log.info('retry 1 of GET /devices in 0.3 s: server error 503');
    log.warn('skipped a device');
    expect(text()).toBe(
      '2026-01-05T12:00:00Z INFO retry 1 of GET /devices in 0.3 s: server error 503\n2026-01-05T12:00:00Z WARN skipped a device\n',
    );
  });

  it('writes one JSON object per line with fields', () => {
    const { out, lines } = capture();
    const log = new Logger({ out, clock: () => T0, format: 'json' });
    log.info('progress: 10 records', { records: 10 });
    expect(JSON.parse(lines[0] as string)).toEqual({
      time: '2026-01-05T12:00:00.250Z',
      level: 'info',
      message: 'progress: 10 records',
      records: 10,
    });
  });

  it('--log-level error keeps only errors', () => {
    const { out, lines } = capture();
    const log = new Logger({ out, level: 'error' });
    log.info('a');
    log.warn('b');
    log.error('c');
    expect(lines).toHaveLength(1);
    expect(log.enabled('warn')).toBe(false);
  });

  it('sends warnings and errors, not info, as LOG messages when a protocol sink is set', () => {
    const { out } = capture();
    const sink = sinkOf();
    const log = new Logger({ out, protocol: sink });
    log.info('summary');
    log.warn('legacy host');
    log.error('boom');
    log.log('error', 'already in a TRACE', undefined, false);
    expect(sink.messages).toEqual([message.log('WARN', 'legacy host'), message.log('ERROR', 'boom')]);
  });

  it('redacts secrets in both formats', () => {
    clearSecrets();
    registerSecret('0f8f5a1e-secret-token');
    try {
      for (const format of ['text', 'json'] as const) {
        const { out, text } = capture();
        new Logger({ out, format }).warn('token 0f8f5a1e-secret-token was refused');
        expect(text()).not.toContain('0f8f5a1e-secret-token');
        expect(text()).toContain('**********');
      }
    } finally {
      clearSecrets();
    }
  });

  it('clears and redraws the status line around each log line on a TTY, and draws nothing elsewhere', () => {
    const tty = capture(true);
    const log = new Logger({ out: tty.out, clock: () => T0 });
    log.setStatus('[████] 1/1 streams');
    log.info('hello');
    log.setStatus(undefined);
    expect(tty.text()).toBe('\r\x1b[2K[████] 1/1 streams\r\x1b[2K2026-01-05T12:00:00Z INFO hello\n[████] 1/1 streams\r\x1b[2K');

    const pipe = capture(false);
    const plain = new Logger({ out: pipe.out });
    plain.setStatus('[████] 1/1 streams');
    expect(pipe.lines).toEqual([]);
  });
});

describe('mirrorLogs', () => {
  it('copies LOG and TRACE ERROR messages to stderr and drops LOGs below the level', () => {
    const { out, text } = capture();
    const sink = sinkOf();
    const log = new Logger({ out, clock: () => T0, level: 'warn' });
    const mirrored = mirrorLogs(sink, log);
    mirrored.write(message.log('INFO', 'chatter'));
    mirrored.write(message.log('WARN', 'devices: skipped 1 device'));
    mirrored.write(message.error('Kandji rejected the token', 'config_error', { stream: 'users' }));
    mirrored.write(message.record('tags', { id: 'a' }, T0));
    expect(sink.messages.map((m) => m.type)).toEqual(['LOG', 'TRACE', 'RECORD']);
    expect(text()).toBe(
      '2026-01-05T12:00:00Z WARN devices: skipped 1 device\n2026-01-05T12:00:00Z ERROR users: Kandji rejected the token\n',
    );
  });
});

describe('Progress', () => {
  function setup(tty: boolean, level: 'info' | 'warn' = 'info') {
    let now = T0;
    const captured = capture(tty);
    const log = new Logger({ out: captured.out, clock: () => now, level });
    const progress = new Progress({ log, streams: 4, clock: () => now });
    const sink = sinkOf();
    const watched = progress.watch(sink);
    return { captured, progress, watched, sink, advance: (ms: number) => (now += ms) };
  }

  it('counts records and finished streams while passing every message on', () => {
    const { progress, watched, sink } = setup(false);
    watched.write(message.record('tags', { id: 'a' }, T0));
    watched.write(message.record('tags', { id: 'b' }, T0));
    watched.write(message.status('tags', 'COMPLETE'));
    watched.write(message.status('users', 'INCOMPLETE'));
    watched.write(message.status('devices', 'RUNNING'));
    expect(progress.records).toBe(2);
    expect(progress.finished).toBe(2);
    expect(sink.messages).toHaveLength(5);
  });

  it('off a TTY: a plain line at most every 10 s, none in the first seconds', () => {
    const { captured, progress, advance } = setup(false);
    progress.requests = () => 900;
    progress.records = 120_000;
    advance(5_000);
    progress.tick();
    expect(captured.lines).toEqual([]);
    advance(6_000);
    progress.tick();
    advance(2_000);
    progress.tick();
    expect(captured.lines).toEqual(['2026-01-05T12:00:11Z INFO progress: 120,000 records, 900 requests, 11 s\n']);
  });

  it('on a TTY: a bar by streams finished', () => {
    const { captured, progress, advance } = setup(true);
    progress.finished = 2;
    progress.records = 1234;
    advance(45_000);
    progress.tick();
    expect(captured.text()).toBe('\r\x1b[2K[██████████░░░░░░░░░░] 2/4 streams · 1,234 records · 0 requests · 45 s');
    progress.stop();
    expect(captured.text().endsWith('\r\x1b[2K')).toBe(true);
  });

  it('shows nothing below --log-level info', () => {
    const { progress } = setup(false, 'warn');
    expect(progress.active).toBe(false);
  });
});
