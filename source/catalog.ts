/**
 * The catalog both ways: `discover` turns the stream declarations into Airbyte streams, and `read` checks the
 * configured catalog it is given against them, refusing what it cannot honour with a config error that says why.
 */
import { STREAMS, streamByName, type StreamDeclaration } from '../streams/index.ts';
import { ConfigError } from '../core/errors.ts';
import { readJsonFile } from '../core/json_file.ts';
import type { AirbyteStream } from '../core/protocol.ts';

export type SyncMode = 'full_refresh' | 'incremental';

export function airbyteStream(declaration: StreamDeclaration): AirbyteStream {
  const incremental = declaration.cursor?.field !== undefined;
  return {
    name: declaration.name,
    json_schema: declaration.schema as unknown as Record<string, unknown>,
    // full_refresh first: Airbyte's acceptance tests configure supported_sync_modes[0] by default.
    supported_sync_modes: incremental ? ['full_refresh', 'incremental'] : ['full_refresh'],
    source_defined_primary_key: declaration.primaryKey,
    ...(incremental
      ? { source_defined_cursor: true, default_cursor_field: [declaration.cursor?.field as string], is_resumable: true }
      : {}),
  };
}

export function discoverCatalog(): { streams: AirbyteStream[] } {
  return { streams: STREAMS.map(airbyteStream) };
}

/**
 * A ConfiguredAirbyteCatalog as a `--catalog` file holds it: every stream (or those in `names`), incremental where the
 * stream has a cursor unless `mode` is full_refresh, destination append.
 */
export function configuredCatalogJson(mode: SyncMode = 'incremental', names?: readonly string[]) {
  return {
    streams: discoverCatalog()
      .streams.filter((stream) => !names || names.includes(stream.name))
      .map((stream) => ({
        stream,
        sync_mode: mode === 'incremental' && stream.supported_sync_modes.includes('incremental') ? 'incremental' : 'full_refresh',
        destination_sync_mode: 'append',
      })),
  };
}

export interface ConfiguredStream {
  declaration: StreamDeclaration;
  syncMode: SyncMode;
}

export interface ConfiguredCatalog {
  streams: ConfiguredStream[];
  /** Streams the catalog names that this connector does not have, with why each was refused. */
  rejected: { name: string; reason: string }[];
  /** What the catalog asks that the connector does not do but can read without (a cursor_field it does not have). */
  warnings?: string[];
}

const EXAMPLE =
  'Expected a ConfiguredAirbyteCatalog: {"streams":[{"stream":{"name":"devices","json_schema":{},"supported_sync_modes":["full_refresh"]},"sync_mode":"full_refresh","destination_sync_mode":"overwrite"}]}. `discover` prints the streams.';

export async function loadCatalog(path: string): Promise<ConfiguredCatalog> {
  return parseCatalog(await readJsonFile(path, { what: 'catalog', whenEmpty: EXAMPLE }), path);
}

export function parseCatalog(parsed: unknown, source = 'The catalog'): ConfiguredCatalog {
  const streams = (parsed as { streams?: unknown } | null)?.streams;
  if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed) || !Array.isArray(streams))
    throw new ConfigError(`${source} has no "streams" list. ${EXAMPLE}`);
  const out: ConfiguredCatalog = { streams: [], rejected: [], warnings: [] };
  const seen = new Set<string>();
  streams.forEach((entry, i) => {
    const e = entry as Record<string, unknown> | null;
    const name = (e?.stream as Record<string, unknown> | undefined)?.name;
    if (!e || typeof e !== 'object' || typeof name !== 'string')
      throw new ConfigError(`${source}: streams[${i}] has no stream.name. ${EXAMPLE}`);
    const declaration = streamByName(name);
    if (!declaration) {
      out.rejected.push({
        name,
        reason: `The catalog names a stream "${name}" that this connector does not have. Run discover for the list of streams.`,
      });
      return;
    }
    const mode = e.sync_mode ?? 'full_refresh';
    if (mode !== 'full_refresh' && mode !== 'incremental') {
      out.rejected.push({
        name,
        reason: `Stream ${name} has sync_mode ${JSON.stringify(mode)}; use full_refresh${declaration.cursor?.field ? ' or incremental' : ''}.`,
      });
      return;
    }
    if (seen.has(name)) throw new ConfigError(`${source} names the stream ${name} twice.`);
    seen.add(name);
    // The cursor is source-defined: another cursor_field cannot be honoured, but it should not pass unnoticed.
    const cursorField = e.cursor_field;
    if (mode === 'incremental' && Array.isArray(cursorField) && cursorField.length > 0 && cursorField[0] !== declaration.cursor?.field)
      out.warnings?.push(
        `Stream ${name} has cursor_field ${JSON.stringify(cursorField)}, which it does not have: its cursor is source-defined, ["${declaration.cursor?.field}"], and that is used.`,
      );
    // `incremental` on a stream without a cursor reads it in full, as Airbyte's Python CDK does: PyAirbyte asks every
    // stream for `incremental` whatever its supported_sync_modes say, and refusing would fail every one of its reads.
    out.streams.push({ declaration, syncMode: mode === 'incremental' && !declaration.cursor ? 'full_refresh' : mode });
  });
  // Keep the connector's own order (fleet-wide first, per-device last), whatever order the catalog lists.
  out.streams.sort((a, b) => STREAMS.indexOf(a.declaration) - STREAMS.indexOf(b.declaration));
  return out;
}

/**
 * Every stream (or those `include` keeps), incremental where it can be: what `sync` and a Singer read without
 * `--catalog` read.
 */
export function defaultCatalog(include: (name: string) => boolean = () => true): ConfiguredCatalog {
  const all = configuredCatalogJson();
  return parseCatalog({ streams: all.streams.filter((s) => include(s.stream.name)) });
}
