/**
 * A model's header is checked when the models are loaded (transforms/models.ts): a placeholder only an incremental
 * build fills in, named where it would not be, fails there with a message that says what to add, not later as a
 * DuckDB parse error in the middle of a build.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { loadModels } from '../../transforms/models.ts';

let dir: string | undefined;
afterEach(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
  dir = undefined;
});

/** A transforms folder holding one mart, `m`, with this header and body. */
function withMart(header: string[], body: string): string {
  dir = mkdtempSync(join(tmpdir(), 'kandji-models-'));
  mkdirSync(join(dir, 'marts'), { recursive: true });
  writeFileSync(join(dir, 'marts', 'm.sql'), `${['m: a test model', ...header].map((l) => `-- ${l}`).join('\n')}\n${body}\n`);
  return dir;
}

describe('model headers', () => {
  it('refuses {{from}} in a model that is not incremental, naming the header line to add', () => {
    const folder = withMart(['grain: one row per day', 'keys: day', 'materialized: table'], 'select {{from}} as day');
    expect(() => loadModels(folder)).toThrow(
      /marts\/m\.sql: \{\{from\}\} is filled in only for an incremental model: add "-- incremental: <date column>"/,
    );
  });

  it('refuses {{previous}} without the no_previous CTE it stands for from scratch', () => {
    const folder = withMart(
      ['grain: one row per day', 'keys: day', 'materialized: table', 'incremental: day'],
      'select p.day from {{previous}} as p where p.day >= {{from}}',
    );
    expect(() => loadModels(folder)).toThrow(
      /marts\/m\.sql: a model that names \{\{previous\}\} or \{\{before\}\} defines what they are from scratch/,
    );
  });

  it('takes an incremental model that defines no_previous, and a placeholder in a comment is no use of it', () => {
    const folder = withMart(
      ['grain: one row per day', 'keys: day', 'materialized: table', 'incremental: day', 'carried from {{previous}}'],
      'with no_previous as (select null::date as day where false)\nselect p.day from {{before}} as p where p.day >= {{from}}',
    );
    const model = loadModels(folder).find((m) => m.id === 'marts.m');
    expect(model?.incremental).toEqual({ by: 'day', column: 'day' });
  });
});
