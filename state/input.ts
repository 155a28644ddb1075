/**
 * Reading the `--state` file. Airbyte passes a JSON array of STATE messages of type STREAM
 * (airbyte-protocol.md §1.5); `[]`, `{}` and an absent file mean "no state". Everything else the file can be is
 * refused with a config error that says what was expected, never a stack trace.
 */
import { readFile, stat } from 'node:fs/promises';
import { ConfigError } from '../core/errors.ts';

/** The last known state of each stream, by stream name. */
export type InputState = Map<string, Record<string, unknown>>;

const EXPECTED =
  'Expected a JSON array of Airbyte STATE messages of type STREAM, e.g. [{"type":"STREAM","stream":{"stream_descriptor":{"name":"audit_events"},"stream_state":{…}}}].';

export async function loadState(path: string | undefined): Promise<InputState> {
  if (path === undefined) return new Map();
  let text: string;
  try {
    const info = await stat(path);
    if (info.isDirectory()) throw new ConfigError(`The state path ${path} is a directory, not a file. ${EXPECTED}`);
    text = (await readFile(path, 'utf8')).replace(/^\uFEFF/, ''); // a byte-order mark some editors write
  } catch (error) {
    if (error instanceof ConfigError) throw error;
    const code = (error as { code?: string }).code;
    throw new ConfigError(
      code === 'ENOENT'
        ? `The state file ${path} does not exist. Leave out --state for a first sync.`
        : `Could not read the state file ${path} (${code ?? String(error)}).`,
    );
  }
  if (text.trim() === '') return new Map();
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new ConfigError(`The state file ${path} is not valid JSON (${(error as Error).message}). ${EXPECTED}`);
  }
  return parseState(parsed, path);
}

export function parseState(parsed: unknown, source = 'the state'): InputState {
  const state: InputState = new Map();
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
    const streamState = stream.stream_state;
    if (streamState === null || streamState === undefined) return; // null resets the stream
    if (typeof streamState !== 'object' || Array.isArray(streamState))
      throw new ConfigError(`${where}: stream_state of ${descriptor.name} must be an object.`);
    state.set(descriptor.name, streamState as Record<string, unknown>);
  });
  return state;
}
