/**
 * Parquet carries what JSONL carries (issue #10, item 6): a record's fields its stream's schema does not declare go to
 * one JSON column, `_extra`, so no field of the API is lost in the Parquet files. Compared field by field, record
 * by record, for every stream a sync of a simulated tenant writes in both formats.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSimulator, type Simulator } from '../../simulator/server.ts';
import type { RunManifest } from '../../core/run_manifest.ts';
import { streamByName } from '../../streams/index.ts';
import { syncSim } from '../transforms/helpers.ts';

/** One value as JSON gives it, so a Parquet value (typed) and a JSONL value (text) compare: timestamps as instants. */
function same(jsonl: unknown, parquet: unknown): boolean {
  if (jsonl === null || jsonl === undefined) return parquet === null || parquet === undefined;
  if (typeof jsonl === 'string' && typeof parquet === 'string' && jsonl !== parquet) {
    const [a, b] = [Date.parse(jsonl), Date.parse(parquet.replace(' ', 'T').replace(/([+-]\d\d)$/, '$1:00'))];
    return /^\d{4}-\d\d-\d\d/.test(jsonl) && a === b;
  }
  if (typeof jsonl === 'object' || typeof parquet === 'object') return JSON.stringify(jsonl) === JSON.stringify(parquet);
  return jsonl === parquet;
}

describe('Parquet keeps every field JSONL has', () => {
  let sim: Simulator;
  let dir: string;
  let manifest: RunManifest;

  beforeAll(async () => {
    sim = await startSimulator({ devices: 80, seed: 15, rateLimit: { perSecond: 100_000, perHour: 10_000_000 }, keepLog: false });
    dir = mkdtempSync(join(tmpdir(), 'kandji-parquet-fields-'));
    manifest = await syncSim(sim, dir, { format: 'both' });
  }, 120_000);

  afterAll(async () => {
    await sim?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('gives the same fields and values as JSONL, record by record, in every stream', async () => {
    expect(manifest.status).toBe('complete');
    const db = await DuckDBInstance.create(':memory:');
    const connection = await db.connect();
    const undeclared = new Map<string, Set<string>>();
    try {
      for (const [stream, entry] of Object.entries(manifest.streams)) {
        const jsonlFile = entry.files.find((f) => f.endsWith('.jsonl'));
        const parquetFile = entry.files.find((f) => f.endsWith('.parquet'));
        if (!jsonlFile) continue;
        expect(parquetFile, stream).toBeDefined();
        const records = readFileSync(join(dir, jsonlFile), 'utf8')
          .trim()
          .split('\n')
          .map((l) => JSON.parse(l) as Record<string, unknown>);
        // Every column as JSON text, in file order: a typed column as its JSON value, _extra as the object it holds.
        const rows = (
          await connection.runAndReadAll(
            `select to_json(p)::varchar as row from read_parquet('${join(dir, parquetFile as string)}', file_row_number = true) as p order by file_row_number`,
          )
        ).getRowObjectsJson();
        expect(rows.length, stream).toBe(records.length);
        const declared = new Set(Object.keys((streamByName(stream)?.schema as { properties?: object } | undefined)?.properties ?? {}));
        for (const [i, record] of records.entries()) {
          const { _extra, file_row_number: _, ...typed } = JSON.parse(String(rows[i]?.row)) as Record<string, unknown>;
          const extra = (typeof _extra === 'string' ? JSON.parse(_extra) : (_extra ?? {})) as Record<string, unknown>;
          const rebuilt: Record<string, unknown> = { ...typed, ...extra };
          for (const key of Object.keys(extra)) {
            expect(declared.has(key), `${stream}.${key} is declared yet in _extra`).toBe(false);
            (undeclared.get(stream) ?? undeclared.set(stream, new Set()).get(stream))?.add(key);
          }
          for (const [key, value] of Object.entries(record)) {
            if (!same(value, rebuilt[key]))
              expect.fail(`${stream} record ${i} field ${key}: JSONL ${JSON.stringify(value)}, Parquet ${JSON.stringify(rebuilt[key])}`);
          }
          // A field only Parquet has is a declared column the record left out: null.
          for (const key of Object.keys(rebuilt)) if (!(key in record)) expect(rebuilt[key], `${stream}.${key}`).toBeNull();
        }
      }
    } finally {
      connection.closeSync();
      db.closeSync();
    }
    // The fields the issue found lost: app metadata beyond the schema, and the library's install scripts.
    expect(undeclared.get('device_apps')?.size ?? 0).toBeGreaterThanOrEqual(15);
    expect([...(undeclared.get('library_items') ?? [])].some((k) => /script/.test(k))).toBe(true);
  }, 120_000);
});
