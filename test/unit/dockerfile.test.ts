/**
 * The Dockerfile cannot be built here (no Docker engine), so it is read: the rules the Airbyte platform and the
 * acceptance tests hold an image to (docs/airbyte-protocol.md §1.2 and check S19) — ENTRYPOINT in absolute paths and
 * AIRBYTE_ENTRYPOINT equal to it, a non-root user named airbyte, a writable /airbyte, labels io.airbyte.name and
 * io.airbyte.version matching package.json — plus the shape we chose: node:24-slim in two stages, production
 * dependencies only at run time, and a .dockerignore that lets in what the build compiles. The acceptance tests'
 * inputs (integration_tests/) are checked in acceptance_inputs.test.ts.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO } from '../support/cli.ts';

interface Instruction {
  keyword: string;
  args: string;
}

/** Instructions in order: comments dropped, `\` continuations joined. */
function parseDockerfile(text: string): Instruction[] {
  const joined = text
    .split('\n')
    .filter((line) => !/^\s*#/.test(line))
    .join('\n')
    .replace(/\\\n/g, ' ');
  return joined
    .split('\n')
    .map((line) => line.trim())
    .filter(Boolean)
    .map((line) => {
      const [keyword, ...rest] = line.split(/\s+/);
      return { keyword: (keyword as string).toUpperCase(), args: rest.join(' ') };
    });
}

/** `key="value" key=value` pairs, as LABEL and ENV take them. */
function pairs(args: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const m of args.matchAll(/([\w.-]+)=("((?:[^"\\]|\\.)*)"|\S+)/g)) out[m[1] as string] = m[3] ?? (m[2] as string);
  return out;
}

const dockerfile = parseDockerfile(readFileSync(join(REPO, 'Dockerfile'), 'utf8'));
const pkg = JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8'));
const stages: Instruction[][] = [];
for (const instruction of dockerfile) {
  if (instruction.keyword === 'FROM') stages.push([]);
  stages.at(-1)?.push(instruction);
}
const [build, runtime] = stages as [Instruction[], Instruction[]];
const all = (stage: Instruction[], keyword: string) => stage.filter((i) => i.keyword === keyword);
const env = Object.assign({}, ...all(runtime, 'ENV').map((i) => pairs(i.args))) as Record<string, string>;
const labels = Object.assign({}, ...all(runtime, 'LABEL').map((i) => pairs(i.args))) as Record<string, string>;

describe('Dockerfile', () => {
  it('builds in a node:24-slim stage and runs in another', () => {
    expect(stages).toHaveLength(2);
    expect(build[0]!.args).toMatch(/^node:24-slim AS build$/i);
    expect(runtime[0]!.args).toBe('node:24-slim');
    const buildRuns = all(build, 'RUN')
      .map((i) => i.args)
      .join('\n');
    expect(buildRuns).toMatch(/npm ci\b/);
    expect(buildRuns).toMatch(/tsc -p tsconfig\.build\.json/);
    const runtimeRuns = all(runtime, 'RUN')
      .map((i) => i.args)
      .join('\n');
    expect(runtimeRuns).toMatch(/npm ci --omit=dev/);
    expect(all(runtime, 'COPY').map((i) => i.args)).toContain('--from=build /build/dist ./dist');
  });

  it('ENTRYPOINT is in exec form with absolute paths, runs the package’s bin, and equals AIRBYTE_ENTRYPOINT', () => {
    const entrypoints = all(runtime, 'ENTRYPOINT');
    expect(entrypoints).toHaveLength(1);
    const argv = JSON.parse(entrypoints[0]!.args) as string[];
    for (const part of argv) expect(part.startsWith('/'), part).toBe(true);
    expect(argv[0]).toBe('/usr/local/bin/node');
    const workdir = all(runtime, 'WORKDIR').at(-1)!.args;
    expect(argv[1]).toBe(`${workdir}/${pkg.bin['source-kandji']}`);
    expect(env.AIRBYTE_ENTRYPOINT).toBe(argv.join(' '));
  });

  it('runs as the non-root user airbyte, with /airbyte writable by it', () => {
    const users = all(runtime, 'USER');
    expect(users.at(-1)!.args).toBe('airbyte');
    // The USER comes before the ENTRYPOINT, so the connector never runs as root.
    expect(runtime.indexOf(users.at(-1)!)).toBeLessThan(runtime.findIndex((i) => i.keyword === 'ENTRYPOINT'));
    const runs = all(runtime, 'RUN')
      .map((i) => i.args)
      .join('\n');
    expect(runs).toMatch(/useradd\b[^&]*\bairbyte\b/);
    expect(runs).toMatch(/mkdir -p \/airbyte/);
    expect(runs).toMatch(/chown airbyte:airbyte \/airbyte\b/);
  });

  it('labels io.airbyte.name and io.airbyte.version match package.json', () => {
    expect(labels['io.airbyte.name']).toBe(pkg.name);
    expect(labels['io.airbyte.version']).toBe(pkg.version);
  });

  it('.dockerignore lets in every folder the build compiles, and keeps node_modules and dist out', () => {
    const rules = readFileSync(join(REPO, '.dockerignore'), 'utf8')
      .split('\n')
      .map((l) => l.trim())
      .filter((l) => l && !l.startsWith('#'));
    expect(rules[0]).toBe('*');
    const allowed = new Set(rules.filter((r) => r.startsWith('!')).map((r) => r.slice(1).replace(/\/$/, '')));
    const tsconfig = JSON.parse(readFileSync(join(REPO, 'tsconfig.build.json'), 'utf8'));
    for (const folder of tsconfig.include as string[]) expect(allowed.has(folder), folder).toBe(true);
    for (const file of ['package.json', 'package-lock.json', 'tsconfig.json', 'tsconfig.build.json', 'spec.json']) {
      expect(allowed.has(file), file).toBe(true);
      expect(existsSync(join(REPO, file)), file).toBe(true);
    }
    expect(allowed.has('node_modules')).toBe(false);
    expect(allowed.has('dist')).toBe(false);
  });
});
