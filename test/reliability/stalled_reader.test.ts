/**
 * A cancelled read whose reader has stopped reading altogether (a hung orchestrator): the connector cannot write its
 * last lines, and must not wait for them for ever. It exits 143 within its patience (EXIT_PATIENCE_MS), with what it
 * could not deliver dropped, and says why on stderr.
 */
import { spawn } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSimulator, type Simulator } from '../../simulator/server.ts';
import { EXIT_PATIENCE_MS } from '../../source/interrupt.ts';
import { CLI, REPO } from '../support/cli.ts';
import { catalogFile, configFile } from '../support/connector.ts';

describe('SIGTERM with a reader that has stopped', () => {
  let sim: Simulator;

  beforeAll(async () => {
    sim = await startSimulator({ devices: 150, seed: 81, rateLimit: { perSecond: 100_000, perHour: 10_000_000 }, keepLog: false });
  }, 60_000);
  afterAll(async () => sim.close());

  it('exits 143 within its patience, not never', async () => {
    const child = spawn(process.execPath, [CLI, 'read', '--config', configFile(sim), '--catalog', catalogFile('incremental')], {
      cwd: REPO,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    // Read until the records flow, then stop reading for good: the pipe fills and the connector's writes wait.
    await new Promise<void>((resolve) => {
      let lines = 0;
      const onData = (chunk: Buffer) => {
        lines += chunk.toString('utf8').split('\n').length - 1;
        if (lines < 500) return;
        child.stdout.off('data', onData);
        child.stdout.pause();
        resolve();
      };
      child.stdout.on('data', onData);
    });
    await new Promise((resolve) => setTimeout(resolve, 500));
    const signalled = Date.now();
    child.kill('SIGTERM');
    const code = await new Promise<number | null>((resolve) => child.on('exit', (c) => resolve(c)));
    const waited = Date.now() - signalled;
    expect(code, stderr).toBe(143);
    expect(stderr).toMatch(/interrupted by SIGTERM/);
    // Its patience, plus a start-up margin for a loaded machine: what must not happen is waiting on the reader.
    expect(waited).toBeLessThan(EXIT_PATIENCE_MS + 5_000);
    child.stdout.destroy();
  }, 60_000);
});
