/**
 * Reading the `--state` file. Airbyte passes a JSON array of STATE messages of type STREAM
 * (docs/airbyte-protocol.md §1.5); `[]`, `{}` and an absent file mean "no state". Everything else the file can be is
 * refused with a config error that says what was expected, never a stack trace.
 */
import { ConfigError } from '../core/errors.ts';
import { type JsonFileKind, readJsonFile } from '../core/json_file.ts';

/** The last known state of each stream, by stream name. */
export type InputState = Map<string, Record<string, unknown>>;

const EXPECTED =
  'Expected a JSON array of Airbyte STATE messages of type STREAM, e.g. [{"type":"STREAM","stream":{"stream_descriptor":{"name":"audit_events"},"stream_state":{…}}}].';

const STATE_FILE: JsonFileKind = {
  what: 'state',
  whenMissing: 'Leave out --state for a first sync.',
  whenDirectory: EXPECTED,
  whenEmpty: 'nothing',
  whenInvalid: EXPECTED,
};

export async function loadState(path: string | undefined): Promise<InputState> {
  if (path === undefined) return new Map();
  const parsed = await readJsonFile(path, STATE_FILE);
  return parsed === undefined ? new Map() : parseState(parsed, path);
}

export function parseState(parsed: unknown, source = 'the state'): InputState {
  const state: InputState = new Map();
  const seenAt = new Map<string, number>();
  if (parsed === null) return state;
  if (!Array.isArray(parsed)) {
    if (typeof parsed !== 'object') throw new ConfigError(`${source} holds a ${typeof parsed}, not a list of states. ${EXPECTED}`);
    if (Object.keys(parsed).length === 0) return state;
    throw new ConfigError(`${source} is in the legacy (single object) format, which this connector does not use. ${EXPECTED}`);
  }
  parsed.forEach((entry, i) => {
    const where = `${source}, entry ${i}`;
    if (!entry || typeof entry !== 'object' || Array.isArray(entry)) throw new ConfigError(`${where} is not an object. ${EXPECTED}`);
    const e = entry as Record<string, unknown>;
    if (e.type === 'GLOBAL') throw new ConfigError(`${where} is a GLOBAL state; this connector keeps STREAM state per stream. ${EXPECTED}`);
    if (e.type === 'LEGACY' || (e.type === undefined && 'data' in e)) throw new ConfigError(`${where} is a LEGACY state. ${EXPECTED}`);
    if (e.type !== 'STREAM') throw new ConfigError(`${where} has type ${JSON.stringify(e.type)}. ${EXPECTED}`);
    const stream = e.stream as Record<string, unknown> | undefined;
    const descriptor = stream?.stream_descriptor as Record<string, unknown> | undefined;
    if (!stream || typeof descriptor?.name !== 'string' || descriptor.name === '')
      throw new ConfigError(`${where} lacks stream.stream_descriptor.name. ${EXPECTED}`);
    // Which of two states of one stream holds is anyone's guess (the catalog refuses a stream listed twice too).
    const before = seenAt.get(descriptor.name);
    if (before !== undefined)
      throw new ConfigError(
        `${source} lists stream ${descriptor.name} twice (entries ${before} and ${i}). Keep one state per stream: the last STATE message of each stream.`,
      );
    seenAt.set(descriptor.name, i);
    const streamState = stream.stream_state;
    if (streamState === null || streamState === undefined) return; // null resets the stream
    if (typeof streamState !== 'object' || Array.isArray(streamState))
      throw new ConfigError(`${where}: stream_state of ${descriptor.name} must be an object.`);
    state.set(descriptor.name, streamState as Record<string, unknown>);
  });
  return state;
}
