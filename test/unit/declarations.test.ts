/**
 * Every declared stream is whole: a schema with its key and cursor, a `check` probe for each permission it needs
 * (else `check` would call it readable without asking), a simulator route for each endpoint it reads, answering to
 * that same permission, and a row in the README's streams table. A new declaration that lacks one of them fails
 * here, whatever its name.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { PERMISSIONS, type PermissionInfo } from '../../core/permissions.ts';
import { matchRoute } from '../../simulator/routes.ts';
import { PRISM_CATEGORIES } from '../../simulator/prism.ts';
import { type ReadPlan, type StreamDeclaration, storageOrderOf } from '../../streams/declaration.ts';
import { STREAMS } from '../../streams/index.ts';

const DEVICE = '00000000-0000-4000-8000-000000000001';

/** The API paths (under /api/v1) a plan reads. */
function pathsOf(plan: ReadPlan): string[] {
  switch (plan.kind) {
    case 'list':
      return plan.requests.map((r) => r.path);
    case 'prism':
      return [`/prism/${plan.category}`];
    case 'audit':
      return ['/audit/events'];
    case 'per-device':
      return [plan.path(DEVICE)];
  }
}

const plans = (s: StreamDeclaration) => [
  { plan: s.plan, permission: s.permission },
  ...(s.fallback ? [{ plan: s.fallback.plan, permission: s.fallback.permission }] : []),
];

describe.each(STREAMS.map((s) => [s.name, s] as const))('%s', (_name, stream) => {
  it('has a schema with its key and cursor fields', () => {
    const properties = (stream.schema as unknown as { properties: Record<string, unknown> }).properties;
    for (const key of stream.primaryKey) expect(properties[key[0] as string], `key ${key.join('.')}`).toBeDefined();
    if (stream.cursor) expect(properties[stream.cursor.field], `cursor ${stream.cursor.field}`).toBeDefined();
    // The storage order and the daily snapshot's omissions name the stream's own top-level fields.
    for (const field of storageOrderOf(stream)) expect(properties[field], `storage order ${field}`).toBeDefined();
    if (stream.dailyOmits) {
      for (const field of stream.dailyOmits.fields) expect(properties[field], `daily omits ${field}`).toBeDefined();
      expect(STREAMS.map((s) => s.name)).toContain(stream.dailyOmits.keptBy);
    }
  });

  it('has a check probe for every permission it needs, on a route that asks for that permission', () => {
    for (const { permission } of plans(stream)) {
      const probe = (PERMISSIONS[permission] as PermissionInfo).probe;
      expect(probe, `probe for "${permission}"`).toBeDefined();
      const path = probe?.path(DEVICE) as string;
      expect(matchRoute(`/api/v1${path}`)?.route.permission, `${probe?.endpoint}`).toBe(permission);
    }
  });

  it('has a simulator route for every endpoint it reads, asking for its permission', () => {
    for (const { plan, permission } of plans(stream)) {
      if (plan.kind === 'prism') expect(PRISM_CATEGORIES as readonly string[]).toContain(plan.category);
      for (const path of pathsOf(plan)) {
        const found = matchRoute(`/api/v1${path}`);
        expect(found, `a route for ${path}`).toBeDefined();
        expect(found?.route.permission, path).toBe(permission);
      }
    }
  });

  it('is in the README streams table', () => {
    const table =
      readFileSync(new URL('../../README.md', import.meta.url), 'utf8')
        .split('### Streams')[1]
        ?.split('\n\n')[1] ?? '';
    expect(table).toMatch(new RegExp(`(^|[| ,])${stream.name}([ ,|]|$)`, 'm'));
  });
});
