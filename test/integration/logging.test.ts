/**
 * People's lines from the real CLI: structured on stderr in text or JSON, filtered by --log-level, and in Airbyte
 * mode warnings also as LOG messages on stdout, which stays valid protocol throughout.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { runCli } from '../support/cli.ts';
import { allOutputs, catalogFile, configFile, expectNoToken, run } from '../support/connector.ts';
import { useSimulator } from '../support/simulator.ts';

const TEXT_LINE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z (ERROR|WARN|INFO|DEBUG) \S/;

describe('log lines and levels', () => {
  const sim = useSimulator({ devices: 120, seed: 5, rateLimit: { perSecond: 100_000, perHour: 1_000_000 }, keepLog: false });
  // A start date in the future is a configuration warning, not an error.
  const future = () => configFile(sim(), { start_date: '2099-01-01' });
  afterAll(() => expectNoToken(sim().token));

  it('text lines by default; a warning goes to stderr and, as a LOG message, to stdout', async () => {
    const out = await run(['read', '--config', future(), '--catalog', catalogFile('full_refresh', ['tags'])]);
    expect(out.code, out.stderr).toBe(0);
    const lines = out.stderr.trimEnd().split('\n');
    for (const line of lines) expect(line).toMatch(TEXT_LINE);
    expect(out.stderr).toMatch(/ WARN start_date 2099-01-01 is in the future/);
    expect(out.stderr).toMatch(/ INFO 12 records in /);
    const logs = out.messages.filter((m) => m.type === 'LOG');
    expect(logs).toEqual([
      { type: 'LOG', log: { level: 'WARN', message: expect.stringMatching(/^start_date 2099-01-01 is in the future/) } },
    ]);
  });

  it('--log-format json: one JSON object per stderr line, with time, level and message', async () => {
    const out = await run([
      'read',
      '--config',
      future(),
      '--catalog',
      catalogFile('full_refresh', ['tags']),
      '--log-format',
      'json',
      '--log-level',
      'debug',
    ]);
    expect(out.code).toBe(0);
    const lines = out.stderr
      .trimEnd()
      .split('\n')
      .map((l) => JSON.parse(l));
    for (const line of lines) {
      expect(Object.keys(line).slice(0, 3)).toEqual(['time', 'level', 'message']);
      expect(['error', 'warn', 'info', 'debug']).toContain(line.level);
      expect(Number.isNaN(Date.parse(line.time))).toBe(false);
    }
    expect(lines.some((l) => l.level === 'warn' && /start_date/.test(l.message))).toBe(true);
  });

  it('--log-level error: no summary, no warnings on stderr or stdout; SOURCE_KANDJI_LOG_LEVEL does the same', async () => {
    const out = await run(['read', '--config', future(), '--catalog', catalogFile('full_refresh', ['tags']), '--log-level', 'error']);
    expect(out.code).toBe(0);
    expect(out.stderr).toBe('');
    expect(out.messages.filter((m) => m.type === 'LOG')).toEqual([]);
    expect(out.records.get('tags')).toHaveLength(12);
    const env = await runCli(['read', '--config', future(), '--catalog', catalogFile('full_refresh', ['tags'])], {
      env: { SOURCE_KANDJI_LOG_LEVEL: 'error' },
    });
    allOutputs.push(env.stdout, env.stderr);
    expect(env.stderr).toBe('');
  });

  it('the read engine’s own warnings reach stderr too', async () => {
    const token = sim().addToken(['Device list', 'Device apps']);
    const out = await run([
      'read',
      '--config',
      configFile(sim(), { api_token: token }),
      '--catalog',
      catalogFile('full_refresh', ['device_apps']),
    ]);
    expect(out.code).toBe(0);
    expect(out.stderr).toMatch(/ WARN device_apps: .*Falling back to GET \/devices\/\{id\}\/apps/);
    expect(out.messages.some((m) => m.type === 'LOG' && m.log.level === 'WARN')).toBe(true);
  });

  it('an error is a TRACE on stdout and an ERROR line on stderr; a bad --log-level is a usage error', async () => {
    const out = await run(['discover', '--config', configFile(sim(), { api_token: '' })]);
    expect(out.code).toBe(1);
    expect(out.messages.map((m) => m.type)).toEqual(['TRACE']);
    expect(out.stderr).toMatch(/^\S+ ERROR /);
    const usage = await run(['spec', '--log-level', 'loud']);
    expect(usage.code).toBe(2);
    expect(usage.stdout).toBe('');
    expect(usage.stderr).toMatch(/Allowed choices are error, warn, info, debug/);
  });
});
