/**
 * The judge of the connector's stdout in integration tests. Every line must be one Airbyte message that passes the
 * protocol's own schema (test/fixtures/reference/airbyte-protocol/airbyte_protocol.yaml, MIT, copied from
 * airbytehq/airbyte-protocol) and the rules the schema leaves out but the platform and the acceptance tests rely on
 * (docs/airbyte-protocol.md §1.13):
 *
 * 1. the payload field that goes with `type` is there, and no other payload field is;
 * 2. STATE is per stream (`type: STREAM`), names its stream, and carries `sourceStats.recordCount`;
 * 3. a RECORD names a stream of the configured catalog, and its `emitted_at` falls inside the run;
 * 4. a TRACE ERROR has a `failure_type`.
 *
 * The types below are written here rather than imported from core/protocol.ts on purpose: the judge should not
 * share the assumptions of the code it judges.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import { parse } from 'yaml';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
/** The protocol schema, kept in the repository with its licence (a clone needs nothing beside it). */
export const PROTOCOL_SCHEMA_PATH = resolve(ROOT, 'test/fixtures/reference/airbyte-protocol/airbyte_protocol.yaml');

export interface StreamDescriptor {
  name: string;
  namespace?: string;
}

export interface RecordMessage {
  stream: string;
  data: Record<string, unknown>;
  /** ms since epoch. */
  emitted_at: number;
  namespace?: string;
  meta?: { changes?: { field: string; change: string; reason: string }[] };
}

export interface StateMessage {
  type: 'STREAM';
  stream: { stream_descriptor: StreamDescriptor; stream_state?: Record<string, unknown> | null };
  sourceStats: { recordCount: number; rejectedRecordCount?: number };
}

export interface LogMessage {
  level: 'FATAL' | 'ERROR' | 'WARN' | 'INFO' | 'DEBUG' | 'TRACE';
  message: string;
  stack_trace?: string;
}

export type FailureType = 'config_error' | 'system_error' | 'transient_error';

export interface TraceMessage {
  type: 'ERROR' | 'ESTIMATE' | 'STREAM_STATUS' | 'ANALYTICS';
  emitted_at: number;
  error?: {
    message: string;
    internal_message?: string;
    stack_trace?: string;
    failure_type: FailureType;
    stream_descriptor?: StreamDescriptor;
  };
  stream_status?: {
    stream_descriptor: StreamDescriptor;
    status: 'STARTED' | 'RUNNING' | 'COMPLETE' | 'INCOMPLETE';
    reasons?: { type: 'RATE_LIMITED'; rate_limited?: { quota_reset?: number } }[];
  };
  estimate?: { name: string; type: 'STREAM' | 'SYNC'; namespace?: string; row_estimate?: number; byte_estimate?: number };
  analytics?: { type: string; value?: string };
}

export interface SpecMessage {
  connectionSpecification: Record<string, unknown>;
  documentationUrl?: string;
  protocol_version?: string;
}

export interface ConnectionStatusMessage {
  status: 'SUCCEEDED' | 'FAILED';
  message?: string;
}

export interface CatalogStream {
  name: string;
  json_schema: Record<string, unknown>;
  supported_sync_modes: ('full_refresh' | 'incremental')[];
  source_defined_cursor?: boolean;
  default_cursor_field?: string[];
  source_defined_primary_key?: string[][];
  is_resumable?: boolean;
  namespace?: string;
}

export interface CatalogMessage {
  streams: CatalogStream[];
}

export type AirbyteMessage =
  | { type: 'RECORD'; record: RecordMessage }
  | { type: 'STATE'; state: StateMessage }
  | { type: 'LOG'; log: LogMessage }
  | { type: 'TRACE'; trace: TraceMessage }
  | { type: 'SPEC'; spec: SpecMessage }
  | { type: 'CONNECTION_STATUS'; connectionStatus: ConnectionStatusMessage }
  | { type: 'CATALOG'; catalog: CatalogMessage }
  | { type: 'CONTROL'; control: Record<string, unknown> };

export interface HarnessOptions {
  /** Stream names of the configured catalog: every RECORD and STATE must name one. Omit where there is no catalog. */
  streams?: Iterable<string>;
  /** The run's wall-clock window, ms since epoch, both ends included: every RECORD's `emitted_at` must fall in it. */
  window?: { from: number; to: number };
}

/** Each message type and the one payload field that goes with it (the schema requires only `type`). */
const PAYLOAD_FIELD: Record<string, string> = {
  RECORD: 'record',
  STATE: 'state',
  LOG: 'log',
  SPEC: 'spec',
  CONNECTION_STATUS: 'connectionStatus',
  CATALOG: 'catalog',
  TRACE: 'trace',
  CONTROL: 'control',
  DESTINATION_CATALOG: 'destination_catalog',
};

let compiled: ValidateFunction | undefined;

/** The schema's AirbyteMessage validator, compiled once. */
function messageSchema(): ValidateFunction {
  if (compiled) return compiled;
  // strict: false: the YAML has keywords Ajv does not know (a root `version`, `existingJavaType`), which strict mode
  // refuses (docs/airbyte-protocol.md §1.1). `uri` is the schema's only format, on documentation URLs; accepted as is.
  const ajv = new Ajv({ strict: false, allErrors: true, formats: { uri: true } });
  ajv.addSchema(parse(readFileSync(PROTOCOL_SCHEMA_PATH, 'utf8')) as object, 'airbyte_protocol');
  compiled = ajv.getSchema('airbyte_protocol#/definitions/AirbyteMessage');
  if (!compiled) throw new Error(`${PROTOCOL_SCHEMA_PATH} has no definitions/AirbyteMessage`);
  return compiled;
}

function describeSchemaError(error: ErrorObject): string {
  const allowed = error.keyword === 'enum' ? ` (${(error.params as { allowedValues: unknown[] }).allowedValues.join(', ')})` : '';
  return `${error.instancePath || '/'} ${error.message ?? error.keyword}${allowed}`;
}

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * What is wrong with one message, or `[]`: violations of the protocol schema, then of the harness rules above.
 * `msg` is the parsed JSON of one line.
 */
export function validateMessage(msg: unknown, options: HarnessOptions = {}): string[] {
  if (!isObject(msg)) return ['not a JSON object'];
  const validate = messageSchema();
  const problems = validate(msg) ? [] : (validate.errors ?? []).map(describeSchemaError);
  const type = msg.type;
  if (typeof type !== 'string' || !(type in PAYLOAD_FIELD)) return problems;

  // Rule 1: exactly the payload field of the type.
  const field = PAYLOAD_FIELD[type] as string;
  if (!isObject(msg[field])) problems.push(`${type} has no ${field} object`);
  for (const other of Object.values(PAYLOAD_FIELD)) if (other !== field && other in msg) problems.push(`${type} also carries ${other}`);
  if (type === 'DESTINATION_CATALOG') problems.push('a source never emits DESTINATION_CATALOG');
  const payload = msg[field];
  if (!isObject(payload)) return problems;

  const streams = options.streams === undefined ? undefined : [...options.streams];
  if (type === 'RECORD') {
    // Rule 3.
    if (streams && typeof payload.stream === 'string' && !streams.includes(payload.stream))
      problems.push(`RECORD for stream ${payload.stream}, which is not in the catalog (${streams.join(', ')})`);
    const at = payload.emitted_at;
    const window = options.window;
    if (window && typeof at === 'number' && (at < window.from || at > window.to))
      problems.push(
        `RECORD emitted_at ${at} (${new Date(at).toISOString()}) is outside the run, ${new Date(window.from).toISOString()} – ${new Date(window.to).toISOString()}`,
      );
  } else if (type === 'STATE') {
    // Rule 2.
    if (payload.type !== 'STREAM')
      problems.push(`STATE must be of type STREAM, not ${payload.type === undefined ? 'untyped (LEGACY)' : JSON.stringify(payload.type)}`);
    const stream = payload.stream;
    const name = isObject(stream) && isObject(stream.stream_descriptor) ? stream.stream_descriptor.name : undefined;
    if (typeof name !== 'string' || name === '') problems.push('STATE has no stream.stream_descriptor.name');
    else if (streams && !streams.includes(name))
      problems.push(`STATE for stream ${name}, which is not in the catalog (${streams.join(', ')})`);
    const count = isObject(payload.sourceStats) ? payload.sourceStats.recordCount : undefined;
    if (typeof count !== 'number') problems.push('STATE has no sourceStats.recordCount');
    else if (!Number.isInteger(count) || count < 0)
      problems.push(`STATE sourceStats.recordCount ${count} is not a whole number of records`);
  } else if (type === 'TRACE' && payload.type === 'ERROR') {
    // Rule 4.
    if (!isObject(payload.error) || payload.error.failure_type === undefined) problems.push('TRACE ERROR has no error.failure_type');
  }
  return problems;
}

export interface ProtocolOutput {
  /** Every message, in order. */
  messages: AirbyteMessage[];
  records: RecordMessage[];
  /** Records per stream, in order. With `streams` given, every catalog stream has an entry, empty if it had no records. */
  recordsByStream: Record<string, RecordMessage[]>;
  states: StateMessage[];
  traces: TraceMessage[];
  logs: LogMessage[];
  /** The SPEC payload, if there was one (at most one is allowed). */
  spec: SpecMessage | undefined;
  /** The CATALOG payload, if there was one (at most one is allowed). */
  catalog: CatalogMessage | undefined;
  /** The CONNECTION_STATUS payload, if there was one (at most one is allowed). */
  connectionStatus: ConnectionStatusMessage | undefined;
}

/** Thrown by `parseProtocolOutput` with every problem of the output, one per line of the message. */
export class ProtocolViolation extends Error {
  readonly problems: string[];

  constructor(problems: string[]) {
    super(`The connector's stdout breaks the Airbyte protocol:\n${problems.map((p) => `  ${p}`).join('\n')}`);
    this.name = 'ProtocolViolation';
    this.problems = problems;
  }
}

/**
 * Split the connector's stdout into messages, validate each (`validateMessage`), and sort them by kind. Throws a
 * ProtocolViolation listing every problem, by line number: a line that is not JSON (the protocol allows nothing
 * else on stdout), a blank line, an invalid message, or a second SPEC, CATALOG or CONNECTION_STATUS.
 */
export function parseProtocolOutput(stdout: string, options: HarnessOptions = {}): ProtocolOutput {
  const out: ProtocolOutput = {
    messages: [],
    records: [],
    recordsByStream: Object.fromEntries([...(options.streams ?? [])].map((name) => [name, []])),
    states: [],
    traces: [],
    logs: [],
    spec: undefined,
    catalog: undefined,
    connectionStatus: undefined,
  };
  const problems: string[] = [];
  const lines = stdout.split('\n');
  // The newline that ends the last message is not a blank line.
  if (lines[lines.length - 1] === '') lines.pop();
  const once = (line: number, kind: string, seen: unknown) => {
    if (seen !== undefined) problems.push(`line ${line}: a second ${kind} message`);
  };
  for (const [index, text] of lines.entries()) {
    const line = index + 1;
    let msg: unknown;
    try {
      msg = JSON.parse(text);
    } catch {
      problems.push(`line ${line}: not JSON: ${text.length > 120 ? `${text.slice(0, 117)}...` : text}`);
      continue;
    }
    const found = validateMessage(msg, options);
    if (found.length > 0) {
      problems.push(...found.map((p) => `line ${line}: ${p}`));
      continue;
    }
    const message = msg as AirbyteMessage;
    out.messages.push(message);
    switch (message.type) {
      case 'RECORD':
        out.records.push(message.record);
        out.recordsByStream[message.record.stream] ??= [];
        out.recordsByStream[message.record.stream]?.push(message.record);
        break;
      case 'STATE':
        out.states.push(message.state);
        break;
      case 'TRACE':
        out.traces.push(message.trace);
        break;
      case 'LOG':
        out.logs.push(message.log);
        break;
      case 'SPEC':
        once(line, 'SPEC', out.spec);
        out.spec = message.spec;
        break;
      case 'CATALOG':
        once(line, 'CATALOG', out.catalog);
        out.catalog = message.catalog;
        break;
      case 'CONNECTION_STATUS':
        once(line, 'CONNECTION_STATUS', out.connectionStatus);
        out.connectionStatus = message.connectionStatus;
        break;
      case 'CONTROL':
        break;
    }
  }
  if (problems.length > 0) throw new ProtocolViolation(problems);
  return out;
}
