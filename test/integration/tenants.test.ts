/**
 * Many tenants through the real CLI (issue #16): each tenant's records carry its `tenant_id`, `sync --root` gives each
 * tenant its own folder under one root, and a tenant whose token is refused for a day leaves a failed run whose
 * manifest says why, on the tenant's clock, while its state waits for the next good day.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSimulator, type Simulator } from '../../simulator/server.ts';
import { CLI, REPO, runCli } from '../support/cli.ts';
import { allOutputs, configFile, expectNoToken } from '../support/connector.ts';

const hasPython = spawnSync('python3', ['--version']).status === 0;

/** A stand-in for Dagster's API: Failure is real, anything else accepts any call and leaves a decorated function as it is. */
const DAGSTER_STUB = `
class Failure(Exception):
    def __init__(self, description=None, metadata=None):
        super().__init__(description)
        self.description = description
class _Any:
    def __init__(self, *args, **kwargs): pass
    def __call__(self, *args, **kwargs):
        return args[0] if len(args) == 1 and callable(args[0]) and not kwargs else _Any()
    def __getattr__(self, name): return _Any()
def __getattr__(name): return _Any()
`;

/** examples/dagster_kandji_tenants.py's sync_tenant for one config: its manifest, or the dg.Failure's description. */
const RUN_SYNC = `
import json, sys
from pathlib import Path
sys.path[:0] = [sys.argv[1], sys.argv[2]]
import dagster_kandji_tenants as k
class Log:
    def __getattr__(self, level): return lambda text: print(level, text, file=sys.stderr)
try:
    print(json.dumps({"manifest": k.sync_tenant(Path(sys.argv[3]), Log())}))
except k.dg.Failure as e:
    print(json.dumps({"failure": e.description}))
`;

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

  it.skipIf(!hasPython)(
    'examples/dagster_kandji_tenants.py: a partition fails with the 401 from its manifest, then syncs the next day',
    async () => {
      const stub = mkdtempSync(join(tmpdir(), 'dagster-stub-'));
      mkdirSync(join(stub, 'dagster'));
      writeFileSync(join(stub, 'dagster', '__init__.py'), DAGSTER_STUB);
      const configs = mkdtempSync(join(tmpdir(), 'kandji-configs-'));
      writeFileSync(join(configs, 'globex.json'), readFileSync(configFile(globex, { tenant: 'globex-eu' })));
      const env = {
        ...process.env,
        PATH: `${dirname(process.execPath)}:${process.env.PATH}`,
        SOURCE_KANDJI: `${process.execPath} ${CLI}`,
        KANDJI_CONFIGS: configs,
        KANDJI_DATA_ROOT: root,
        PYTHONDONTWRITEBYTECODE: '1',
      };
      // Not spawnSync: the simulator runs in this process and must keep answering while Python waits on it.
      const partition = () =>
        new Promise<any>((resolve, reject) => {
          const child = spawn('python3', ['-c', RUN_SYNC, stub, join(REPO, 'examples'), join(configs, 'globex.json')], { env });
          let stdout = '';
          let stderr = '';
          child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
          child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
          child.on('error', reject);
          child.on('close', (code) => {
            allOutputs.push(stdout, stderr);
            expect(code, stderr).toBe(0);
            resolve(JSON.parse(stdout));
          });
        });
      globex.advance(24);
      globex.revokeToken(globex.token, { forHours: 24 });
      const bad = await partition();
      expect(bad.failure).toMatch(/^tenant globex-eu: sync failed: run: Kandji rejected the API token \(HTTP 401\)/);
      globex.advance(24);
      const good = await partition();
      expect(good.manifest).toMatchObject({ tenant: 'globex-eu', status: 'complete', failures: [] });
      expect(manifests(join(root, 'globex-eu')).map((m) => m.status)).toEqual(['complete', 'failed', 'complete']);
    },
  );
});
