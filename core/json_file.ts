/**
 * Reading a JSON file the user hands the connector (`--config`, `--catalog`, `--state`, a Singer catalog or state).
 * Every way the file can be wrong is a config error that names the file and what to do, never a stack trace; each
 * caller adds the hint that fits its file and then checks the parsed value's shape itself.
 */
import { readFile } from 'node:fs/promises';
import { ConfigError } from './errors.ts';

/** What a JSON file is, and the hint each message ends with (a leading space is added; empty adds nothing). */
export interface JsonFileKind {
  /** The file's name in messages: "The `what` file … does not exist." */
  what: string;
  /** After "does not exist." (e.g. how to pass the file). */
  whenMissing?: string;
  /** After "is a directory, not a file.". */
  whenDirectory?: string;
  /** After "Could not read the … file (CODE).". */
  whenUnreadable?: string;
  /** An empty (or blank) file: `'nothing'` reads as `undefined`; otherwise the hint after "is empty.". */
  whenEmpty: 'nothing' | string;
  /** After "is not valid JSON (reason).". */
  whenInvalid?: string;
}

const hint = (text: string | undefined) => (text ? ` ${text}` : '');

/** The parsed contents of the file at `path`; `undefined` for an empty file when the kind allows it. */
export async function readJsonFile(path: string, kind: JsonFileKind): Promise<unknown> {
  const { what } = kind;
  let text: string;
  try {
    text = (await readFile(path, 'utf8')).replace(/^\uFEFF/, ''); // a byte-order mark some editors write
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new ConfigError(`The ${what} file ${path} does not exist.${hint(kind.whenMissing)}`);
    if (code === 'EISDIR') throw new ConfigError(`The ${what} path ${path} is a directory, not a file.${hint(kind.whenDirectory)}`);
    throw new ConfigError(`Could not read the ${what} file ${path} (${code ?? String(error)}).${hint(kind.whenUnreadable)}`);
  }
  if (text.trim() === '') {
    if (kind.whenEmpty === 'nothing') return undefined;
    throw new ConfigError(`The ${what} file ${path} is empty.${hint(kind.whenEmpty)}`);
  }
  try {
    return JSON.parse(text);
  } catch (error) {
    // V8 may quote the text around the error (`Unexpected token 'x', ..."api_token": x0f8f"... is not valid JSON`),
    // and that text can be a secret: cut the message at the first double quote, which only such a quote has.
    // Secrets cannot be registered before the file is parsed, so redact() would not catch it.
    const reason = (error as Error).message.replace(/,?\s*(?:\.\.\.)?".*$/s, '');
    throw new ConfigError(`The ${what} file ${path} is not valid JSON (${reason}).${hint(kind.whenInvalid)}`);
  }
}
