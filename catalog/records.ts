/**
 * Record normalisation driven by the stream's schema: the schema says what a field is, and this walker makes the
 * API's value that, wherever the API is inconsistent (kandji-api.md §5, §7):
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
import type { RecordChange } from '../source/protocol.ts';
import { parseTimestamp, toBool, toNumber } from './normalize.ts';
import { baseType as typeOf, type SchemaNode as Schema } from './schema.ts';

export interface Normalized {
  data: Record<string, unknown>;
  changes: RecordChange[];
}

export function normalizeRecord(schema: Schema, row: Record<string, unknown>): Normalized {
  const changes: RecordChange[] = [];
  const data = normalizeObject(schema, row, '', changes);
  return { data, changes };
}

function normalizeObject(schema: Schema, value: Record<string, unknown>, path: string, changes: RecordChange[]): Record<string, unknown> {
  const out: Record<string, unknown> = { ...value };
  const properties = schema.properties ?? {};
  for (const [key, fieldSchema] of Object.entries(properties)) {
    if (!(key in value)) continue;
    out[key] = normalizeValue(fieldSchema, value[key], `${path}/${key}`, changes);
  }
  // Derived numeric twins of size strings: "228.27 GB" → capacity_bytes, "19%" → percent_used_number.
  for (const key of Object.keys(properties)) {
    const twin = /^(.*)_(bytes|number)$/.exec(key);
    if (!twin || key in value) continue;
    const source = value[twin[1] as string];
    if (typeof source === 'string') out[key] = toNumber(source);
  }
  return out;
}

function normalizeValue(schema: Schema, value: unknown, path: string, changes: RecordChange[]): unknown {
  if (value === null || value === undefined) return value ?? null;
  const nulled = () => {
    changes.push({ field: path, change: 'NULLED', reason: 'SOURCE_SERIALIZATION_ERROR' });
    return null;
  };
  switch (typeOf(schema)) {
    case 'string': {
      if (schema.format === 'date-time') {
        const parsed = parseTimestamp(value);
        return parsed.ok ? parsed.value : nulled();
      }
      return typeof value === 'string' ? value : typeof value === 'number' || typeof value === 'boolean' ? String(value) : nulled();
    }
    case 'boolean': {
      if (typeof value === 'boolean') return value;
      if (value === '') return null;
      const b = toBool(value);
      return b === null ? nulled() : b;
    }
    case 'integer':
    case 'number': {
      if (typeof value === 'number') return value;
      if (value === '') return null;
      const n = typeof value === 'string' && value.trim() !== '' ? Number(value) : Number.NaN;
      if (Number.isNaN(n) || (typeOf(schema) === 'integer' && !Number.isInteger(n))) return nulled();
      return n;
    }
    case 'object': {
      // "no value" spellings of a section: "" and {} (kandji-api.md §7, quirk 6).
      if (value === '' || (typeof value === 'object' && !Array.isArray(value) && Object.keys(value).length === 0)) return null;
      if (typeof value !== 'object' || Array.isArray(value)) return nulled();
      return schema.properties ? normalizeObject(schema, value as Record<string, unknown>, path, changes) : value;
    }
    case 'array': {
      if (value === '') return null;
      if (!Array.isArray(value)) return nulled();
      const items = schema.items;
      return items ? value.map((item, i) => normalizeValue(items, item, `${path}/${i}`, changes)) : value;
    }
    default:
      return value;
  }
}
