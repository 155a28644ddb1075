/**
 * Writes the acceptance-test inputs that follow from the stream declarations (docs/airbyte.md):
 * configured_catalog.json and abnormal_state.json. Run `node integration_tests/generate.ts` after changing a stream,
 * its key or its cursor; test/unit/acceptance_inputs.test.ts fails until the files match.
 */
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { discoverCatalog } from '../source/catalog.ts';

/** The far-future cursor of CAT's abnormal-state test, in the records' own format. */
export const FUTURE = '2099-01-01T00:00:00.000000Z';

/**
 * Every stream, incremental (Append + Deduped) where it can be, full refresh (Overwrite) elsewhere. Each stream's
 * json_schema keeps only its key and cursor fields, with their discovered schemas: what CAT reads cursor types from.
 */
export function configuredCatalog() {
  return {
    streams: discoverCatalog().streams.map((stream) => {
      const incremental = stream.supported_sync_modes.includes('incremental');
      const fields = [
        ...(stream.source_defined_primary_key ?? []).map((path) => path[0] as string),
        ...(stream.default_cursor_field ?? []),
      ];
      const properties = (stream.json_schema as { properties: Record<string, unknown> }).properties;
      return {
        stream: {
          ...stream,
          json_schema: {
            type: 'object',
            additionalProperties: true,
            properties: Object.fromEntries(fields.map((f) => [f, properties[f]])),
          },
        },
        sync_mode: incremental ? 'incremental' : 'full_refresh',
        ...(incremental ? { cursor_field: stream.default_cursor_field } : {}),
        destination_sync_mode: incremental ? 'append_dedup' : 'overwrite',
        primary_key: stream.source_defined_primary_key,
      };
    }),
  };
}

/** Every incremental stream with its cursor, under a key named like the cursor field, far in the future. */
export function abnormalState() {
  return discoverCatalog()
    .streams.filter((s) => s.default_cursor_field)
    .map((s) => ({
      type: 'STREAM',
      stream: { stream_descriptor: { name: s.name }, stream_state: { [s.default_cursor_field?.[0] as string]: FUTURE } },
    }));
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const dir = fileURLToPath(new URL('.', import.meta.url));
  writeFileSync(`${dir}configured_catalog.json`, `${JSON.stringify(configuredCatalog(), null, 2)}\n`);
  writeFileSync(`${dir}abnormal_state.json`, `${JSON.stringify(abnormalState(), null, 2)}\n`);
}
