/**
 * Singer mode (`--protocol singer`), for Meltano and other Singer runners: the same read engine, with its Airbyte
 * messages translated on the way out (docs/airbyte-protocol.md §4; singer-io/getting-started docs/SPEC.md 0.3.0).
 *
 * | engine emits                    | Singer gets                                                                  |
 * |---------------------------------|------------------------------------------------------------------------------|
 * | STREAM_STATUS STARTED           | SCHEMA {stream, schema, key_properties, bookmark_properties}                 |
 * | RECORD {stream, data, emitted_at} | RECORD {stream, record, time_extracted} (a SCHEMA first, if not yet sent)  |
 * | STATE of one stream             | STATE {value: {bookmarks: {<every stream>: <its stream_state>}}}             |
 * | LOG, TRACE                      | log lines on stderr; a failed read still exits 1                              |
 *
 * Singer state is one object for the whole tap, so each STATE carries every stream's bookmark: the ones read in
 * this run, and the ones the input state had for streams not read this time. A stream's bookmark is exactly its
 * Airbyte `stream_state`, so `--state` takes either form back.
 *
 * Catalogs: `discover --protocol singer` prints a Singer catalog (DISCOVERY_MODE.md) with stream and field
 * metadata; `read --protocol singer --catalog F` takes that catalog back with Meltano's selections applied
 * (`selected`, `replication-method`), or an Airbyte configured catalog. Without `--catalog` every stream is read,
 * incrementally where it can be.
 */
import { STREAMS, streamByName, type StreamDeclaration } from '../streams/index.ts';
import { parseState, type InputState } from '../state/input.ts';
import { parseCatalog, type ConfiguredCatalog, defaultCatalog } from './catalog.ts';
import { ConfigError } from '../core/errors.ts';
import { readJsonFile } from '../core/json_file.ts';
import { levelOf, type Logger } from './log.ts';
import type { AirbyteMessage, MessageSink } from '../core/protocol.ts';

export type Protocol = 'airbyte' | 'singer';
export const PROTOCOLS = ['airbyte', 'singer'] as const;

export type SingerMessage =
  | { type: 'SCHEMA'; stream: string; schema: Record<string, unknown>; key_properties: string[]; bookmark_properties: string[] }
  | { type: 'RECORD'; stream: string; record: Record<string, unknown>; time_extracted: string }
  | { type: 'STATE'; value: SingerState };

export interface SingerState {
  bookmarks: Record<string, Record<string, unknown>>;
}

/** Where Singer messages go: the CLI's LineWriter (JSON lines, redacted, with backpressure) takes any object. */
export interface JsonLines {
  write(msg: object): void | Promise<void>;
  flush(): Promise<void>;
}

/** Top-level field names of a primary key: Singer's key_properties cannot name nested fields, and ours never do. */
export function keyProperties(declaration: StreamDeclaration): string[] {
  return declaration.primaryKey.map((path) => {
    if (path.length !== 1)
      throw new Error(`${declaration.name}: primary key ${path.join('.')} is nested; Singer key_properties are top-level`);
    return path[0] as string;
  });
}

// ---------------------------------------------------------------------------------------------------------------
// discover

export interface SingerCatalogEntry {
  tap_stream_id: string;
  stream: string;
  schema: Record<string, unknown>;
  key_properties: string[];
  replication_method: 'INCREMENTAL' | 'FULL_TABLE';
  replication_key?: string;
  metadata: { breadcrumb: string[]; metadata: Record<string, unknown> }[];
}

/**
 * The Singer catalog of every stream. Stream metadata says how each can be replicated; every stream and field is
 * `selected-by-default`, so a catalog read back without selections reads everything; keys and cursors are
 * `inclusion: automatic` (always sent), other fields `available` (deselectable).
 */
export function singerCatalog(): { streams: SingerCatalogEntry[] } {
  return {
    streams: STREAMS.map((declaration) => {
      const keys = keyProperties(declaration);
      const cursor = declaration.cursor?.field;
      const schema = declaration.schema as unknown as Record<string, unknown>;
      const fields = Object.keys((schema.properties as Record<string, unknown> | undefined) ?? {});
      return {
        tap_stream_id: declaration.name,
        stream: declaration.name,
        schema,
        key_properties: keys,
        replication_method: cursor ? 'INCREMENTAL' : 'FULL_TABLE',
        ...(cursor ? { replication_key: cursor } : {}),
        metadata: [
          {
            breadcrumb: [],
            metadata: {
              inclusion: 'available',
              'selected-by-default': true,
              'table-key-properties': keys,
              'valid-replication-keys': cursor ? [cursor] : [],
              ...(cursor
                ? { 'replication-method': 'INCREMENTAL', 'replication-key': cursor }
                : { 'forced-replication-method': 'FULL_TABLE', 'replication-method': 'FULL_TABLE' }),
            },
          },
          ...fields.map((field) => ({
            breadcrumb: ['properties', field],
            metadata: { inclusion: keys.includes(field) || field === cursor ? 'automatic' : 'available', 'selected-by-default': true },
          })),
        ],
      };
    }),
  };
}

// ---------------------------------------------------------------------------------------------------------------
// --catalog and --state

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

/** The configured streams, plus per stream the fields the catalog deselected (Meltano `select: !stream.field`). */
export interface SingerSelection {
  catalog: ConfiguredCatalog;
  deselected: Map<string, Set<string>>;
}

/** Every stream, incremental where it can be: what a Singer read without `--catalog` does. */
export function defaultSelection(): SingerSelection {
  return {
    catalog: defaultCatalog(),
    deselected: new Map(),
  };
}

export async function loadSingerCatalog(path: string | undefined): Promise<SingerSelection> {
  if (path === undefined) return defaultSelection();
  const parsed = await readJsonFile(path, { what: 'catalog', whenEmpty: '' });
  return parseSingerCatalog(parsed, `The catalog file ${path}`);
}

/**
 * A Singer catalog with selections (DISCOVERY_MODE.md), or an Airbyte ConfiguredAirbyteCatalog, which is told apart
 * by its entries: Singer names a stream with a string (`stream`, `tap_stream_id`), Airbyte with an object.
 */
export function parseSingerCatalog(parsed: unknown, source = 'The catalog'): SingerSelection {
  const entries = isObject(parsed) ? parsed.streams : undefined;
  if (!Array.isArray(entries))
    throw new ConfigError(
      `${source} has no "streams" list. Expected the catalog that \`discover --protocol singer\` prints, with your selections.`,
    );
  const singer = entries.some((e) => isObject(e) && (typeof e.tap_stream_id === 'string' || typeof e.stream === 'string'));
  if (!singer) return { catalog: parseCatalog(parsed, source), deselected: new Map() };

  const configured: { stream: { name: string }; sync_mode: string }[] = [];
  const deselected = new Map<string, Set<string>>();
  entries.forEach((entry, i) => {
    if (!isObject(entry)) throw new ConfigError(`${source}: streams[${i}] is not an object.`);
    const name = typeof entry.tap_stream_id === 'string' ? entry.tap_stream_id : entry.stream;
    if (typeof name !== 'string' || name === '') throw new ConfigError(`${source}: streams[${i}] has no tap_stream_id.`);
    const metadata = Array.isArray(entry.metadata) ? entry.metadata.filter(isObject) : [];
    const at = (breadcrumb: string[]) => {
      const found = metadata.find(
        (m) =>
          Array.isArray(m.breadcrumb) && m.breadcrumb.length === breadcrumb.length && m.breadcrumb.every((b, j) => b === breadcrumb[j]),
      );
      return isObject(found?.metadata) ? found.metadata : {};
    };
    const top = at([]);
    // `selected` wins; then the legacy top-level `selected`; then `selected-by-default` (true in our discovery).
    const selected = top.selected ?? entry.selected ?? top['selected-by-default'] ?? metadata.length === 0;
    if (selected !== true) return;
    const declaration = streamByName(name);
    const method = top['replication-method'] ?? entry.replication_method;
    // A stream without a cursor is read in full whatever the catalog asks; Meltano users often set INCREMENTAL for `*`.
    const incremental = declaration?.cursor?.field !== undefined && method !== 'FULL_TABLE';
    configured.push({ stream: { name }, sync_mode: incremental ? 'incremental' : 'full_refresh' });
    const off = new Set<string>();
    for (const m of metadata) {
      const crumb = m.breadcrumb;
      if (!Array.isArray(crumb) || crumb.length !== 2 || crumb[0] !== 'properties' || typeof crumb[1] !== 'string' || !isObject(m.metadata))
        continue;
      const field = crumb[1];
      const automatic =
        m.metadata.inclusion === 'automatic' ||
        (declaration && (keyProperties(declaration).includes(field) || declaration.cursor?.field === field));
      if (!automatic && (m.metadata.selected ?? m.metadata['selected-by-default'] ?? true) === false) off.add(field);
    }
    if (off.size > 0) deselected.set(name, off);
  });
  return { catalog: parseCatalog({ streams: configured }, source), deselected };
}

/**
 * The `--state` file in Singer mode: `{"bookmarks": {<stream>: <stream_state>}}` (what Meltano passes), a whole
 * Singer STATE message `{"type": "STATE", "value": {...}}`, or Airbyte's array of STREAM states. Absent, empty,
 * `{}` and `null` mean no state. Returns the engine's input state and the bookmarks to carry forward.
 */
export async function loadSingerState(path: string | undefined): Promise<{ state: InputState; bookmarks: SingerState['bookmarks'] }> {
  if (path === undefined) return { state: new Map(), bookmarks: {} };
  return parseSingerState(await readJsonFile(path, { what: 'state', whenEmpty: 'nothing' }), `The state file ${path}`);
}

export function parseSingerState(parsed: unknown, source = 'The state'): { state: InputState; bookmarks: SingerState['bookmarks'] } {
  if (parsed === undefined || parsed === null) return { state: new Map(), bookmarks: {} };
  if (Array.isArray(parsed)) {
    const state = parseState(parsed, source);
    return { state, bookmarks: Object.fromEntries(state) };
  }
  if (!isObject(parsed)) throw new ConfigError(`${source} is not a JSON object. Expected Singer state: {"bookmarks": {"<stream>": {…}}}.`);
  const value = parsed.type === 'STATE' && isObject(parsed.value) ? parsed.value : parsed;
  if (Object.keys(value).length === 0) return { state: new Map(), bookmarks: {} };
  const bookmarks = value.bookmarks;
  if (!isObject(bookmarks))
    throw new ConfigError(
      `${source} has no "bookmarks" object. Expected Singer state: {"bookmarks": {"<stream>": {…}}}, as this connector's STATE messages carry it.`,
    );
  const state: InputState = new Map();
  const kept: SingerState['bookmarks'] = {};
  for (const [stream, bookmark] of Object.entries(bookmarks)) {
    if (bookmark === null) continue; // null resets the stream, as in Airbyte state
    if (!isObject(bookmark)) throw new ConfigError(`${source}: the bookmark of ${stream} must be an object.`);
    state.set(stream, bookmark);
    kept[stream] = bookmark;
  }
  return { state, bookmarks: kept };
}

// ---------------------------------------------------------------------------------------------------------------
// read

export interface SingerSinkOptions {
  selection: SingerSelection;
  /** Bookmarks from the input state: carried into every STATE until the stream's own state replaces them. */
  bookmarks: SingerState['bookmarks'];
  /** Where LOG and TRACE messages go, as lines on stderr. */
  log: Logger;
}

/** Translates the engine's Airbyte messages into Singer messages (see the table above). */
export class SingerSink implements MessageSink {
  private readonly out: JsonLines;
  private readonly options: SingerSinkOptions;
  private readonly bookmarks: SingerState['bookmarks'];
  private readonly schemaSent = new Set<string>();
  private readonly modes: Map<string, 'incremental' | 'full_refresh'>;

  constructor(out: JsonLines, options: SingerSinkOptions) {
    this.out = out;
    this.options = options;
    this.bookmarks = { ...options.bookmarks };
    this.modes = new Map(options.selection.catalog.streams.map((s) => [s.declaration.name, s.syncMode]));
  }

  write(msg: AirbyteMessage): void | Promise<void> {
    const log = this.options.log;
    switch (msg.type) {
      case 'RECORD': {
        const { stream, data, emitted_at } = msg.record;
        const schema = this.schemaSent.has(stream) ? undefined : this.schema(stream);
        const record: SingerMessage = {
          type: 'RECORD',
          stream,
          record: this.project(stream, data),
          time_extracted: new Date(emitted_at).toISOString(),
        };
        if (!schema) return this.out.write(record);
        return this.writeBoth(schema, record);
      }
      case 'STATE': {
        const { stream_descriptor, stream_state } = msg.state.stream;
        if (stream_state === null) delete this.bookmarks[stream_descriptor.name];
        else this.bookmarks[stream_descriptor.name] = stream_state;
        const state: SingerMessage = { type: 'STATE', value: { bookmarks: { ...this.bookmarks } } };
        return this.out.write(state);
      }
      case 'LOG':
        log.log(levelOf(msg.log.level), msg.log.message);
        return;
      case 'TRACE': {
        const trace = msg.trace;
        if (trace.type === 'ERROR') {
          const where = trace.error.stream_descriptor ? `${trace.error.stream_descriptor.name}: ` : '';
          log.error(`${where}${trace.error.message}`, { failure_type: trace.error.failure_type });
          if (trace.error.internal_message) log.debug(`${where}${trace.error.internal_message}`);
          if (trace.error.stack_trace) log.debug(trace.error.stack_trace);
        } else if (trace.type === 'STREAM_STATUS') {
          const { stream_descriptor, status } = trace.stream_status;
          log.debug(`${stream_descriptor.name}: ${status.toLowerCase()}`);
          // Targets create a stream's table on its SCHEMA: send it at the start, even if no record follows.
          if (status === 'STARTED' && !this.schemaSent.has(stream_descriptor.name)) {
            const schema = this.schema(stream_descriptor.name);
            if (schema) return this.out.write(schema);
          }
        }
        return;
      }
      default:
        return;
    }
  }

  flush(): Promise<void> {
    return this.out.flush();
  }

  private async writeBoth(first: SingerMessage, second: SingerMessage): Promise<void> {
    await this.out.write(first);
    await this.out.write(second);
  }

  /** The SCHEMA message of a stream of the configured catalog, marked as sent; undefined for any other name. */
  private schema(stream: string): SingerMessage | undefined {
    const declaration = streamByName(stream);
    if (!declaration || !this.modes.has(stream)) return undefined;
    this.schemaSent.add(stream);
    const schema = declaration.schema as unknown as Record<string, unknown>;
    const off = this.options.selection.deselected.get(stream);
    const properties = off
      ? Object.fromEntries(Object.entries(schema.properties as Record<string, unknown>).filter(([k]) => !off.has(k)))
      : schema.properties;
    return {
      type: 'SCHEMA',
      stream,
      schema: { ...schema, properties },
      key_properties: keyProperties(declaration),
      bookmark_properties: declaration.cursor?.field && this.modes.get(stream) === 'incremental' ? [declaration.cursor?.field] : [],
    };
  }

  private project(stream: string, data: Record<string, unknown>): Record<string, unknown> {
    const off = this.options.selection.deselected.get(stream);
    if (!off) return data;
    return Object.fromEntries(Object.entries(data).filter(([k]) => !off.has(k)));
  }
}
