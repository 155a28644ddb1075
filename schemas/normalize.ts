/**
 * Record normalisation driven by the stream's schema: the schema says what a field is, and this walker makes the
 * API's value that, wherever the API is inconsistent (docs/kandji-api.md §5, §7):
 *
 * - `date-time` fields: any of the API's timestamp formats → ISO-8601 UTC; `""` → null;
 * - booleans: `"True"`/`"False"`, `"Yes"`/`"No"` → true/false; `""` → null;
 * - integers and numbers: numeric strings → numbers;
 * - objects: `""` or `{}` meaning "no value" → null;
 * - size strings the schema pairs with a `<field>_bytes` / `<field>_number` field get that field filled.
 *
 * Fields the schema does not know pass through untouched, so nothing the API adds is lost. A value that cannot be
 * converted becomes null and is reported as a record change (NULLED, SOURCE_SERIALIZATION_ERROR) with the field's
 * path, so the loss is visible downstream instead of failing the sync.
 */
import type { RecordChange } from '../core/protocol.ts';
import { isCanonicalUtc, parseTimestamp, toBool, toNumber, type ParsedTimestamp } from './values.ts';
import { baseType as typeOf, type SchemaNode as Schema } from './schema.ts';

export interface Normalized {
  data: Record<string, unknown>;
  changes: RecordChange[];
}

export function normalizeRecord(schema: Schema, row: Record<string, unknown>): Normalized {
  const changes: RecordChange[] = [];
  const data = objectNormalizer(schema)(row, '', changes);
  return { data, changes };
}

// The schema is walked once per schema, not once per record: each node compiles to a converter, kept beside the node.
// A converter takes the value, where it sits (the parent's path and its key: the path string is only built when a
// change is reported), and the record's list of changes.

type Convert = (value: unknown, parent: string, key: string | number, changes: RecordChange[]) => unknown;
type ObjectNormalizer = (value: Record<string, unknown>, path: string, changes: RecordChange[]) => Record<string, unknown>;

const converters = new WeakMap<Schema, Convert>();
const objectNormalizers = new WeakMap<Schema, ObjectNormalizer>();

function converterOf(schema: Schema): Convert {
  let convert = converters.get(schema);
  if (!convert) {
    convert = compile(schema);
    converters.set(schema, convert);
  }
  return convert;
}

function nulled(changes: RecordChange[], parent: string, key: string | number): null {
  changes.push({ field: `${parent}/${key}`, change: 'NULLED', reason: 'SOURCE_SERIALIZATION_ERROR' });
  return null;
}

/** A field the schema does not convert: only a missing value (from a stream's `map`) becomes null. */
const passThrough: Convert = (value) => value ?? null;

function compile(schema: Schema): Convert {
  switch (typeOf(schema)) {
    case 'string': {
      if (schema.format === 'date-time') {
        return (value, parent, key, changes) => {
          if (value === null || value === undefined) return null;
          if (typeof value === 'string' && isCanonicalUtc(value)) return value;
          const parsed = timestamp(value);
          return parsed.ok ? parsed.value : nulled(changes, parent, key);
        };
      }
      return (value, parent, key, changes) => {
        if (typeof value === 'string') return value;
        if (value === null || value === undefined) return null;
        return typeof value === 'number' || typeof value === 'boolean' ? String(value) : nulled(changes, parent, key);
      };
    }
    case 'boolean':
      return (value, parent, key, changes) => {
        if (typeof value === 'boolean') return value;
        if (value === null || value === undefined || value === '') return null;
        const b = toBool(value);
        return b === null ? nulled(changes, parent, key) : b;
      };
    case 'integer':
    case 'number': {
      const integer = typeOf(schema) === 'integer';
      return (value, parent, key, changes) => {
        if (typeof value === 'number') return value;
        if (value === null || value === undefined || value === '') return null;
        const n = typeof value === 'string' && value.trim() !== '' ? Number(value) : Number.NaN;
        if (Number.isNaN(n) || (integer && !Number.isInteger(n))) return nulled(changes, parent, key);
        return n;
      };
    }
    case 'object': {
      const normalize = schema.properties ? objectNormalizer(schema) : undefined;
      return (value, parent, key, changes) => {
        // "no value" spellings of a section: "" and {} (docs/kandji-api.md §7, quirk 6).
        if (value === null || value === undefined || value === '') return null;
        if (typeof value !== 'object' || Array.isArray(value)) return nulled(changes, parent, key);
        if (!hasOwnKeys(value)) return null;
        return normalize ? normalize(value as Record<string, unknown>, `${parent}/${key}`, changes) : value;
      };
    }
    case 'array': {
      const items = schema.items ? converterOf(schema.items) : undefined;
      return (value, parent, key, changes) => {
        if (value === null || value === undefined || value === '') return null;
        if (!Array.isArray(value)) return nulled(changes, parent, key);
        if (!items) return value;
        // Copied only when an item changes: a list of strings stays the list the API sent.
        const path = `${parent}/${key}`;
        let out: unknown[] | undefined;
        for (let i = 0; i < value.length; i++) {
          const item: unknown = value[i];
          const converted = items(item, path, i, changes);
          if (converted === item && !out) continue;
          out ??= value.slice(0, i);
          out.push(converted);
        }
        return out ?? value;
      };
    }
    default:
      return passThrough;
  }
}

/** What a value must already be for its field's converter to return it unchanged; undefined: always convert. */
function settledType(schema: Schema): string | undefined {
  const type = typeOf(schema);
  if (type === 'string') return schema.format === 'date-time' ? undefined : 'string';
  if (type === 'boolean') return 'boolean';
  if (type === 'integer' || type === 'number') return 'number';
  return undefined;
}

/**
 * The normaliser of an object schema, generated as code: one statement per property with the key as a literal, so
 * every property read is a named load V8 can cache, and a value already of its field's type (most of them) is kept
 * without calling its converter. The same steps as a loop over the properties, several times faster per record.
 */
function objectNormalizer(schema: Schema): ObjectNormalizer {
  let normalize = objectNormalizers.get(schema);
  if (normalize) return normalize;
  const properties = schema.properties ?? {};
  const converters: Convert[] = [];
  const lines: string[] = [];
  for (const [key, fieldSchema] of Object.entries(properties)) {
    const k = JSON.stringify(key);
    const convert = converterOf(fieldSchema);
    if (convert === passThrough) {
      // Only a missing value (a stream's `map` copied an absent field) changes: it becomes null.
      lines.push(`if (${k} in value && value[${k}] === undefined) out[${k}] = null;`);
      continue;
    }
    converters.push(convert);
    const call = `{ const converted = converters[${converters.length - 1}](given, path, ${k}, changes); if (converted !== given) out[${k}] = converted; }`;
    const settled = settledType(fieldSchema);
    lines.push(`if (${k} in value) { const given = value[${k}]; ${settled ? `if (typeof given !== '${settled}') ${call}` : call} }`);
  }
  // Derived numeric twins of size strings: "228.27 GB" → capacity_bytes, "19%" → percent_used_number.
  for (const key of Object.keys(properties)) {
    const twin = /^(.*)_(bytes|number)$/.exec(key);
    if (!twin) continue;
    const [k, source] = [JSON.stringify(key), JSON.stringify(twin[1])];
    lines.push(`if (!(${k} in value)) { const size = value[${source}]; if (typeof size === 'string') out[${k}] = toNumber(size); }`);
  }
  const body = `return function normalize(value, path, changes) {\n  const out = { ...value };\n  ${lines.join('\n  ')}\n  return out;\n};`;
  normalize = new Function('converters', 'toNumber', body)(converters, toNumber) as ObjectNormalizer;
  objectNormalizers.set(schema, normalize);
  return normalize;
}

function hasOwnKeys(value: object): boolean {
  for (const key in value) if (Object.hasOwn(value, key)) return true;
  return false;
}

// A page repeats its timestamps: a device's rows share created_at, updated_at and last_collected_at, and a Prism apps
// page holds five devices' ~60 rows each. Recent results are kept, in a map emptied when it reaches its bound.
const recentTimestamps = new Map<string, ParsedTimestamp>();

function timestamp(value: unknown): ParsedTimestamp {
  if (typeof value !== 'string') return parseTimestamp(value);
  let parsed = recentTimestamps.get(value);
  if (parsed === undefined) {
    if (recentTimestamps.size >= 4096) recentTimestamps.clear();
    parsed = parseTimestamp(value);
    recentTimestamps.set(value, parsed);
  }
  return parsed;
}
