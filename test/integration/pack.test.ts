/**
 * The published package, as a user gets it: `npm pack` (which builds dist/ through `prepare`), then
 * `npm install <tarball>` in an empty folder, which brings the runtime dependencies and none of the development
 * ones, then the installed `source-kandji` bin. Also, read from the tarball's own files: every bare import in
 * dist/ names a Node built-in or a runtime dependency, so no command can reach for a devDependency at run time.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { promisify } from 'node:util';
import { beforeAll, describe, expect, it } from 'vitest';
import { REPO } from '../support/cli.ts';

const run = promisify(execFile);
// npm and the installed bin's `#!/usr/bin/env node` both take the Node that runs the tests.
const env = {
  ...process.env,
  PATH: `${dirname(process.execPath)}:${process.env.PATH}`,
  npm_config_audit: 'false',
  npm_config_fund: 'false',
  npm_config_update_notifier: 'false',
};
const pkg = JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8'));

function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? filesUnder(path) : [path];
  });
}

describe('npm pack, installed in a clean folder', () => {
  let installed: string;
  let packed: { files: { path: string }[] };

  beforeAll(async () => {
    const packDir = mkdtempSync(join(tmpdir(), 'source-kandji-pack-'));
    const { stdout } = await run('npm', ['pack', '--json', '--pack-destination', packDir], { cwd: REPO, env, maxBuffer: 64 * 1024 * 1024 });
    // `prepare` prints tsc's output before npm's JSON.
    packed = JSON.parse(stdout.slice(stdout.indexOf('[')))[0];
    const tarball = join(packDir, readdirSync(packDir).find((f) => f.endsWith('.tgz')) as string);
    installed = mkdtempSync(join(tmpdir(), 'source-kandji-install-'));
    writeFileSync(join(installed, 'package.json'), JSON.stringify({ name: 'probe', version: '1.0.0', private: true }));
    await run('npm', ['install', '--prefer-offline', '--no-package-lock', tarball], { cwd: installed, env, maxBuffer: 64 * 1024 * 1024 });
  }, 600_000);

  it('holds the built CLI, the SQL models, the spec and the docs, and no sources or tests', () => {
    const paths = packed.files.map((f) => f.path);
    for (const path of [pkg.bin['source-kandji'], 'package.json', 'spec.json', 'README.md', 'CHANGELOG.md'])
      expect(paths, path).toContain(path);
    expect(paths.some((p) => /^transforms\/marts\/.+\.sql$/.test(p))).toBe(true);
    expect(paths.filter((p) => p.endsWith('.ts'))).toEqual([]);
    expect(paths.filter((p) => /^(test|scripts|bench|examples|integration_tests)\//.test(p))).toEqual([]);
  });

  it('installs no development dependency', () => {
    const modules = new Set(readdirSync(join(installed, 'node_modules')));
    for (const dev of Object.keys(pkg.devDependencies)) expect(modules.has(dev.split('/')[0] as string), dev).toBe(false);
    for (const dep of Object.keys(pkg.dependencies)) expect(modules.has(dep.split('/')[0] as string), dep).toBe(true);
  });

  it('node_modules/.bin/source-kandji spec prints one SPEC message, the committed spec.json', async () => {
    const { stdout, stderr } = await run(join(installed, 'node_modules', '.bin', 'source-kandji'), ['spec'], { cwd: installed, env });
    const lines = stdout.trim().split('\n');
    expect(lines, stderr).toHaveLength(1);
    const message = JSON.parse(lines[0] as string);
    expect(message.type).toBe('SPEC');
    expect(message.spec).toEqual(JSON.parse(readFileSync(join(REPO, 'spec.json'), 'utf8')));
  });

  it('the installed bin runs the other commands too: discover in both protocols', async () => {
    const config = join(installed, 'config.json');
    writeFileSync(config, JSON.stringify({ api_url: 'acme.api.kandji.io', api_token: '00000000-0000-4000-8000-000000000000' }));
    const bin = join(installed, 'node_modules', '.bin', 'source-kandji');
    const airbyte = JSON.parse((await run(bin, ['discover', '--config', config], { cwd: installed, env })).stdout);
    expect(airbyte.type).toBe('CATALOG');
    const singer = JSON.parse((await run(bin, ['--config', config, '--discover'], { cwd: installed, env })).stdout);
    expect(singer.streams.length).toBe(airbyte.catalog.streams.length);
  });

  it('every bare import in dist/ is a Node built-in or a runtime dependency', () => {
    const root = join(installed, 'node_modules', pkg.name);
    const allowed = new Set([...Object.keys(pkg.dependencies), ...builtinModules]);
    const offenders: string[] = [];
    for (const file of filesUnder(join(root, 'dist')).filter((f) => f.endsWith('.js'))) {
      const text = readFileSync(file, 'utf8');
      for (const m of text.matchAll(
        /(?:\bfrom\s*|\bimport\s*\(\s*|\bimport\s+|\brequire\s*\(\s*|\.resolve\s*\(\s*)['"]([^'"./][^'"]*)['"]/g,
      )) {
        const specifier = m[1] as string;
        if (specifier.startsWith('node:')) continue;
        const name = specifier.startsWith('@') ? specifier.split('/').slice(0, 2).join('/') : (specifier.split('/')[0] as string);
        if (!allowed.has(name)) offenders.push(`${relative(root, file)}: ${specifier}`);
      }
    }
    expect(offenders).toEqual([]);
  });
});
