/**
 * Many tenants through the real CLI (issue #16): each tenant's records carry its `tenant_id`, `sync --root` gives each
 * tenant its own folder under one root, and a tenant whose token is refused for a day leaves a failed run whose
 * manifest says why, on the tenant's clock, while its state waits for the next good day.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSimulator, type Simulator } from '../../simulator/server.ts';
import { runCli } from '../support/cli.ts';
import { allOutputs, configFile, expectNoToken } from '../support/connector.ts';

const FAST = { rateLimit: { perSecond: 100_000, perHour: 1_000_000 }, keepLog: false };

async function syncRoot(config: string, root: string) {
  const result = await runCli(['sync', '--config', config, '--root', root, '--format', 'jsonl'], { text: true });
  allOutputs.push(result.stdout, result.stderr);
  return result;
}

const manifests = (dir: string) =>
  readdirSync(join(dir, '_runs'))
    .sort()
    .map((f) => JSON.parse(readFileSync(join(dir, '_runs', f), 'utf8')));

/** Every record of every JSONL file in a tenant folder. */
const records = (dir: string) =>
  (readdirSync(dir, { recursive: true }) as string[])
    .filter((f) => f.endsWith('.jsonl'))
    .flatMap((f) =>
      readFileSync(join(dir, f), 'utf8')
        .split('\n')
        .filter(Boolean)
        .map((line) => JSON.parse(line) as Record<string, unknown>),
    );

describe('many tenants', () => {
  let acme: Simulator;
  let globex: Simulator;
  let root: string;

  beforeAll(async () => {
    [acme, globex] = await Promise.all([
      startSimulator({ devices: 30, seed: 11, subdomain: 'acme', ...FAST }),
      startSimulator({ devices: 20, seed: 12, ...FAST }),
    ]);
    root = await mkdtemp(join(tmpdir(), 'kandji-tenants-'));
  });
  afterAll(async () => {
    for (const file of readdirSync(root, { recursive: true }) as string[])
      if (file.endsWith('.json') || file.endsWith('.jsonl')) allOutputs.push(readFileSync(join(root, file), 'utf8'));
    expectNoToken(acme.token);
    expectNoToken(globex.token);
    await Promise.all([acme.close(), globex.close()]);
  });

  it('writes each tenant to ROOT/<tenant>, every record stamped with its tenant_id (subdomain by default, or tenant)', async () => {
    expect(acme.token).not.toBe(globex.token);
    const [a, g] = await Promise.all([
      syncRoot(configFile(acme, { subdomain: 'acme' }), root),
      syncRoot(configFile(globex, { tenant: 'globex-eu' }), root),
    ]);
    expect(a.code, a.stderr).toBe(0);
    expect(g.code, g.stderr).toBe(0);
    expect(readdirSync(root).sort()).toEqual(['acme', 'globex-eu']);
    expect(a.stdout).toContain(`→ ${join(root, 'acme')}`);

    for (const [tenant, devices] of [
      ['acme', 30],
      ['globex-eu', 20],
    ] as const) {
      const dir = join(root, tenant);
      const rows = records(dir);
      expect(rows.length).toBeGreaterThan(devices * 5);
      expect(new Set(rows.map((r) => r.tenant_id))).toEqual(new Set([tenant]));
      expect(
        readFileSync(join(dir, 'devices', readdirSync(join(dir, 'devices'))[0] as string), 'utf8')
          .split('\n')
          .filter(Boolean),
      ).toHaveLength(devices);
      const [manifest] = manifests(dir);
      expect(manifest).toMatchObject({ tenant, status: 'complete', failures: [] });
      expect(existsSync(join(dir, 'state.json'))).toBe(true);
    }
  });

  it('names a simulator tenant without subdomain or tenant "local", and refuses --out with --root', async () => {
    const out = await mkdtemp(join(tmpdir(), 'kandji-local-'));
    const one = await runCli(['sync', '--config', configFile(globex), '--out', out, '--format', 'jsonl'], { text: true });
    expect(one.code, one.stderr).toBe(0);
    expect(new Set(records(out).map((r) => r.tenant_id))).toEqual(new Set(['local']));
    expect(manifests(out)[0].tenant).toBe('local');

    const both = await runCli(['sync', '--config', configFile(globex), '--out', out, '--root', root], { text: true });
    expect(both.code).toBe(2);
    expect(both.stderr).toContain('give either --out <dir>');
  });

  it('records a day the token is revoked as a failed run with the 401 reason, keeps the state, and resumes the next day', async () => {
    const config = configFile(acme, { subdomain: 'acme' });
    const dir = join(root, 'acme');
    const stateBefore = readFileSync(join(dir, 'state.json'), 'utf8');
    acme.advance(24);
    acme.revokeToken(acme.token, { forHours: 24 });
    const bad = await syncRoot(config, root);
    expect(bad.code).toBe(1);
    const failed = manifests(dir).at(-1);
    expect(failed).toMatchObject({ tenant: 'acme', status: 'failed', synced_at: new Date(acme.tenant.now).toISOString() });
    expect(failed.failures.length).toBeGreaterThan(0);
    expect(failed.failures[0]).toMatchObject({ failure_type: 'config_error' });
    expect(failed.failures[0].message).toContain('HTTP 401');
    expect(readFileSync(join(dir, 'state.json'), 'utf8')).toBe(stateBefore);

    acme.advance(24);
    const good = await syncRoot(config, root);
    expect(good.code, good.stderr).toBe(0);
    expect(manifests(dir).map((m) => m.status)).toEqual(['complete', 'failed', 'complete']);
    expect(manifests(dir).at(-1).synced_at).toBe(new Date(acme.tenant.now).toISOString());
  });
});
