import { describe, expect, it } from 'vitest';
import { discoverCatalog, parseCatalog } from '../../source/catalog.ts';
import { ConfigError } from '../../core/errors.ts';
import { STREAMS } from '../../streams/index.ts';

const configured = (name: string, sync_mode: string) => ({
  stream: { name, json_schema: {}, supported_sync_modes: ['full_refresh'] },
  sync_mode,
  destination_sync_mode: 'append',
});

/** Walk a JSON Schema, calling `visit` on every subschema with its path. */
function walk(schema: any, visit: (s: any, path: string) => void, path = '') {
  visit(schema, path);
  for (const [k, v] of Object.entries(schema.properties ?? {})) walk(v, visit, `${path}/${k}`);
  if (schema.items) walk(schema.items, visit, `${path}/[]`);
}

describe('discover', () => {
  const catalog = discoverCatalog();

  it('lists every declared stream once, full_refresh first', () => {
    const names = catalog.streams.map((s) => s.name);
    expect(names).toEqual(STREAMS.map((s) => s.name));
    expect(new Set(names).size).toBe(names.length);
    for (const s of catalog.streams) expect(s.supported_sync_modes[0]).toBe('full_refresh');
  });

  it('declares incremental, cursors and keys where the API allows', () => {
    const incremental = catalog.streams
      .filter((s) => s.supported_sync_modes.includes('incremental'))
      .map((s) => `${s.name}:${s.default_cursor_field?.join('.')}`);
    // Every Prism category is incremental on updated_at through Prism's filter; the others by what their API offers.
    const prism = STREAMS.filter((s) => s.plan.kind === 'prism').map((s) => `${s.name}:updated_at`);
    expect(prism.length).toBeGreaterThanOrEqual(15);
    expect(incremental.sort()).toEqual(
      [
        ...prism,
        'audit_events:occurred_at',
        'device_details:refreshed_at',
        'vulnerability_detections:latest_detection_date',
        'device_activity:created_at',
        'device_commands:date_requested',
        'threats:detection_date',
        'behavioral_detections:detection_date',
        'device_parameters:refreshed_at',
        'device_library_items:refreshed_at',
      ].sort(),
    );
  });

  // Airbyte's discovery acceptance checks (docs/airbyte-protocol.md §2.3), D3–D11.
  it.each(discoverCatalog().streams.map((s) => [s.name, s] as const))('%s passes the acceptance-test schema rules', (_name, stream) => {
    const schema = stream.json_schema as any;
    for (const key of stream.source_defined_primary_key ?? []) {
      const field = schema.properties[key[0] as string];
      expect(field, `primary key ${key}`).toBeDefined();
      expect(field.type).not.toContain('object');
      expect(field.type).not.toContain('array');
    }
    for (const c of stream.default_cursor_field ?? []) expect(schema.properties[c], `cursor ${c}`).toBeDefined();
    const text = JSON.stringify(schema);
    for (const forbidden of ['$ref', '"allOf"', '"anyOf"', '"not"']) expect(text).not.toContain(forbidden);
    walk(schema, (s, path) => {
      if ('additionalProperties' in s) expect(s.additionalProperties, path).toBe(true);
      if (Array.isArray(s.type)) {
        expect(s.type.length, path).toBe(2);
        expect(s.type[1], path).toBe('null');
      }
      expect(['object', 'string', 'integer', 'number', 'boolean', 'array', undefined]).toContain(
        Array.isArray(s.type) ? s.type[0] : s.type,
      );
      if (s.format) {
        expect(['date-time', 'date']).toContain(s.format);
        expect(s.airbyte_type).toBe('timestamp_with_timezone');
      }
    });
  });
});

describe('configured catalog', () => {
  it('keeps the connector’s order whatever the catalog says', () => {
    const c = parseCatalog({
      streams: [configured('device_details', 'incremental'), configured('devices', 'full_refresh'), configured('filevault', 'incremental')],
    });
    expect(c.streams.map((s) => `${s.declaration.name}:${s.syncMode}`)).toEqual([
      'devices:full_refresh',
      'filevault:incremental',
      'device_details:incremental',
    ]);
    expect(c.rejected).toEqual([]);
  });

  it('rejects unknown streams and unknown sync modes per stream, without failing the rest', () => {
    const c = parseCatalog({
      streams: [
        configured('__AIRBYTE__stream_that_does_not_exist', 'full_refresh'),
        configured('devices', 'INVALID'),
        configured('tags', 'full_refresh'),
      ],
    });
    expect(c.streams.map((s) => s.declaration.name)).toEqual(['tags']);
    expect(c.rejected.map((r) => r.name)).toEqual(['__AIRBYTE__stream_that_does_not_exist', 'devices']);
    expect(c.rejected[1]?.reason).toMatch(/devices has sync_mode "INVALID"; use full_refresh\./);
  });

  it('reads a stream without a cursor in full when asked for incremental, as PyAirbyte asks of every stream', () => {
    const c = parseCatalog({ streams: [configured('users', 'incremental'), configured('audit_events', 'incremental')] });
    expect(c.rejected).toEqual([]);
    expect(c.streams.map((s) => `${s.declaration.name}:${s.syncMode}`)).toEqual(['users:full_refresh', 'audit_events:incremental']);
  });

  it.each([
    [null],
    [[]],
    [{}],
    [{ streams: {} }],
    [{ streams: [{}] }],
    [{ streams: [configured('tags', 'full_refresh'), configured('tags', 'full_refresh')] }],
  ])('refuses %j as a config error', (input) => {
    expect(() => parseCatalog(input)).toThrow(ConfigError);
  });
});
