/**
 * Fixtures for connector integration tests: config and catalog files for a simulator, reading the messages of a
 * run by kind, and a check that the token never appears in anything a run printed.
 */
import { expect } from 'vitest';
import { configuredCatalogJson, discoverCatalog } from '../../source/catalog.ts';
import type { Simulator } from '../../simulator/server.ts';
import { runCli, tempFile, type CliRun } from './cli.ts';
import { validateMessage } from './protocol.ts';
import { streamByName } from '../../streams/index.ts';

/** Every output of every run in this test process, for the token scan (RECORD lines of large runs are scanned as they pass). */
export const allOutputs: string[] = [];
const forbidden = new Set<string>();

/** The encoded forms of a token that must never be printed. */
function tokenForms(token: string): string[] {
  return [token, Buffer.from(token).toString('base64'), Buffer.from(`Bearer ${token}`).toString('base64'), encodeURIComponent(token)];
}

/** Scan every later run's every line for this token as it streams past. */
export function forbidToken(token: string): void {
  for (const form of tokenForms(token)) forbidden.add(form);
}

/** A config file for `sim` (its main token unless `overrides` name another); every token written here is forbidden in later output. */
export function configFile(sim: Simulator, overrides: Record<string, unknown> = {}): string {
  const token = 'api_token' in overrides ? overrides.api_token : sim.token;
  if (typeof token === 'string' && token.trim().length >= 6) forbidToken(token.trim());
  return tempFile('config.json', {
    api_url: sim.url,
    api_token: sim.token,
    request_timeout_seconds: 5,
    device_details_max_per_sync: 100_000,
    device_history_max_per_sync: 100_000,
    request_budget_share: 1,
    // Tests count exact records and requests between syncs; the lookback's re-reads and the weekly full re-reads of
    // Prism are tested on their own (test/integration/late_data.test.ts) and pass their own values.
    lookback_minutes: 0,
    prism_full_read_every_days: 0,
    ...overrides,
  });
}

/** The Prism categories whose changes make a per-device stream read a device again (its declared `changedBy`). */
export function changedByPrism(stream: string): readonly string[] {
  const plan = streamByName(stream)?.plan;
  const changedBy = plan?.kind === 'per-device' ? plan.changedBy : undefined;
  return typeof changedBy === 'object' ? changedBy.prism : [];
}

/** A configured catalog: every stream (or `names`), incremental where the stream supports it unless `mode` says full. */
export function catalogFile(mode: 'incremental' | 'full_refresh' = 'incremental', names?: string[]): string {
  return tempFile('catalog.json', configuredCatalogJson(mode, names));
}

export interface ReadOutput extends CliRun {
  records: Map<string, Record<string, unknown>[]>;
  states: any[];
  /** The last state per stream, as the `--state` file of the next read. */
  finalState: any[];
  statuses: Map<string, string[]>;
  errors: any[];
}

/** Run a CLI command, validate every line against the protocol schema, and sort the messages by kind. */
export async function run(
  args: string[],
  options: { killAfterLines?: number; killSignal?: NodeJS.Signals; dropRecords?: boolean; onLine?: (line: string) => void } = {},
): Promise<ReadOutput> {
  const leaks: string[] = [];
  const result = await runCli(args, {
    ...options,
    onLine: (line) => {
      for (const form of forbidden) if (line.includes(form)) leaks.push(form.slice(0, 6));
      options.onLine?.(line);
    },
  });
  for (const form of forbidden) if (result.stderr.includes(form)) leaks.push(`${form.slice(0, 6)} (stderr)`);
  expect(leaks, 'token forms printed').toEqual([]);
  allOutputs.push(result.stdout, result.stderr);
  const streams = new Set(discoverCatalog().streams.map((s) => s.name));
  const records = new Map<string, Record<string, unknown>[]>();
  const states: any[] = [];
  const latest = new Map<string, any>();
  const statuses = new Map<string, string[]>();
  const errors: any[] = [];
  for (const msg of result.messages) {
    const problems = validateMessage(msg, { streams, window: { from: result.startedAt - 1, to: result.endedAt + 1 } });
    expect(problems, JSON.stringify(msg).slice(0, 300)).toEqual([]);
    if (msg.type === 'RECORD') {
      const list = records.get(msg.record.stream) ?? [];
      list.push(msg.record.data);
      records.set(msg.record.stream, list);
    } else if (msg.type === 'STATE') {
      states.push(msg.state);
      latest.set(msg.state.stream.stream_descriptor.name, msg.state);
    } else if (msg.type === 'TRACE' && msg.trace.type === 'STREAM_STATUS') {
      const name = msg.trace.stream_status.stream_descriptor.name;
      statuses.set(name, [...(statuses.get(name) ?? []), msg.trace.stream_status.status]);
    } else if (msg.type === 'TRACE' && msg.trace.type === 'ERROR') {
      errors.push(msg.trace.error);
    }
  }
  return { ...result, records, states, finalState: [...latest.values()].map(({ type, stream }) => ({ type, stream })), statuses, errors };
}

export function stateFile(states: any[]): string {
  return tempFile('state.json', states);
}

/** The primary key of a record of `stream` as one string. */
export function keyOf(primaryKey: string[][], record: Record<string, unknown>): string {
  return JSON.stringify(primaryKey.map((path) => record[path[0] as string] ?? null));
}

export function expectNoToken(token: string): void {
  for (const output of allOutputs)
    for (const form of tokenForms(token)) expect(output.includes(form), `token form ${form.slice(0, 6)}… in output`).toBe(false);
}
