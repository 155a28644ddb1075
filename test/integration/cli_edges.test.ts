/**
 * The command line at its edges (issue 10, low items): `--version`; an `--out` that cannot be a folder fails at once
 * with a message naming the path (it used to be a raw EEXIST/ENOTDIR, or under /proc a mkdir that never returned);
 * `simulate` on a busy port and `read | head` end with one line or none, never a stack trace.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { CLI, REPO, runCli, tempFile } from '../support/cli.ts';
import { allOutputs, catalogFile, configFile, expectNoToken, run, stateFile } from '../support/connector.ts';
import { useSimulator } from '../support/simulator.ts';

describe('command-line edges', () => {
  const sim = useSimulator({ devices: 30, seed: 2, rateLimit: { perSecond: 100_000, perHour: 1_000_000 }, keepLog: false });
  afterAll(() => expectNoToken(sim().token));

  it('--version prints the package version', async () => {
    const out = await runCli(['--version'], { text: true });
    expect(out.code).toBe(0);
    expect(out.stdout.trim()).toBe(JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8')).version);
  });

  it('refuses an --out that is a file, under a file, or under /proc, at once and naming the path', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kandji-out-'));
    const file = join(dir, 'a-file');
    writeFileSync(file, 'x');
    const config = configFile(sim());
    const cases: [string, string][] = [
      [file, `--out ${file} is a file, not a folder.`],
      [join(file, 'sub'), `--out ${join(file, 'sub')} cannot be created: ${file} is a file, not a folder.`],
      ['/proc/x/y', '--out /proc/x/y is under /proc, a kernel file system that cannot hold files.'],
    ];
    for (const [out, expected] of cases) {
      const result = await runCli(['sync', '--config', config, '--out', out], { text: true });
      allOutputs.push(result.stdout, result.stderr);
      expect(result.code, out).toBe(1);
      expect(result.stderr.trim().split('\n'), out).toEqual([expect.stringContaining(expected)]);
      expect(result.endedAt - result.startedAt, out).toBeLessThan(15_000);
    }
    expect(sim().stats().requests).toBe(0);
  });

  it('simulate on a busy port says so in one line', async () => {
    const port = new URL(sim().url).port;
    const out = await runCli(['simulate', '--devices', '5', '--port', port], { text: true });
    expect(out.code).toBe(1);
    expect(out.stderr).toBe(`simulate: 127.0.0.1:${port} is already in use; pass another --port (0 picks a free one).\n`);
  });

  it('read | head: the closed pipe ends the read quietly, with no stack trace', async () => {
    // As a shell runs it: `head` takes the first bytes and exits; the read's next write meets a closed pipe.
    // biome-ignore lint/suspicious/noTemplateCurlyInString: a bash script, where ${PIPESTATUS[0]} is bash's own expansion
    const script = '"$0" "$1" read --config "$2" --catalog "$3" | head -c 100 > /dev/null; exit "${PIPESTATUS[0]}"';
    const catalog = catalogFile('full_refresh', ['devices', 'device_apps']);
    const child = spawn('bash', ['-c', script, process.execPath, CLI, configFile(sim()), catalog], {
      cwd: REPO,
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    allOutputs.push(stderr);
    expect(code).toBe(141);
    expect(stderr).not.toMatch(/EPIPE| {4}at /);
  });

  it('read warns of a state key no bookmark uses and of a cursor_field the stream does not have', async () => {
    const catalog = tempFile('catalog.json', {
      streams: [
        { stream: { name: 'audit_events' }, sync_mode: 'incremental', cursor_field: ['created_at'], destination_sync_mode: 'append' },
      ],
    });
    const state = stateFile([
      {
        type: 'STREAM',
        stream: { stream_descriptor: { name: 'audit_events' }, stream_state: { ocurred_at: '2026-01-01T00:00:00.000000Z' } },
      },
    ]);
    const out = await run(['read', '--config', configFile(sim()), '--catalog', catalog, '--state', state]);
    expect(out.code, out.stderr).toBe(0);
    expect(out.messages.filter((m) => m.type === 'LOG' && m.log.level === 'WARN').map((m) => m.log.message)).toEqual([
      'The state of audit_events has "ocurred_at", which this connector does not use; ignored. A typo, or the state of another connector?',
      'Stream audit_events has cursor_field ["created_at"], which it does not have: its cursor is source-defined, ["occurred_at"], and that is used.',
    ]);
  });

  it('Ctrl-C (SIGINT) stops a sync with exit 130, saying so, keeping its run and state; the next sync completes', async () => {
    const out = mkdtempSync(join(tmpdir(), 'kandji-sigint-'));
    const config = configFile(sim());
    const child = spawn(process.execPath, [CLI, 'sync', '--config', config, '--out', out, '--format', 'jsonl'], {
      cwd: REPO,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let [stdout, stderr] = ['', ''];
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    const done = new Promise<number | null>((resolve) => child.on('close', resolve));
    while (!existsSync(join(out, '_inflight'))) await new Promise((r) => setTimeout(r, 20));
    sim().setLatency(1000); // still reading when the signal lands
    child.kill('SIGINT');
    const code = await done;
    sim().setLatency(0);
    allOutputs.push(stdout, stderr);
    expect(code, stderr).toBe(130);
    expect(stdout).toMatch(
      /^incomplete: run \S+, \d+ records, \d+ requests → .* \(interrupted by SIGINT; the next sync resumes from the saved state\)\n$/,
    );
    expect(stderr).toMatch(/WARN SIGINT: stopping the sync/);
    expect(existsSync(join(out, '_inflight'))).toBe(false);
    expect(existsSync(join(out, '.sync.lock'))).toBe(false);
    const next = await runCli(['sync', '--config', config, '--out', out, '--format', 'jsonl'], { text: true });
    allOutputs.push(next.stdout, next.stderr);
    expect(next.code, next.stderr).toBe(0);
    expect(next.stderr).not.toMatch(/did not finish/);
  });
});
