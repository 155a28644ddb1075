/**
 * DuckDB column types from a stream's schema, so Parquet files and the raw JSONL views have the same typed
 * columns: timestamps as TIMESTAMPTZ (UTC), booleans as BOOLEAN, integers as BIGINT, nested objects as JSON,
 * lists of scalars as lists. Used by `sync` (JSONL → Parquet) and by the transforms (reading either format).
 */
import { baseType as base, type SchemaNode as Schema } from './schema.ts';

export function duckdbType(schema: Schema): string {
  switch (base(schema)) {
    case 'string':
      return schema.format === 'date-time' ? 'TIMESTAMPTZ' : 'VARCHAR';
    case 'boolean':
      return 'BOOLEAN';
    case 'integer':
      return 'BIGINT';
    case 'number':
      return 'DOUBLE';
    case 'array': {
      const item = schema.items ? base(schema.items) : '';
      return item === 'object' || item === 'array' || item === '' ? 'JSON' : `${duckdbType(schema.items as Schema)}[]`;
    }
    default:
      return 'JSON';
  }
}

/** `{column: type}` for a stream's top-level properties, in schema order. */
export function duckdbColumns(schema: Schema): Record<string, string> {
  const columns: Record<string, string> = {};
  for (const [name, field] of Object.entries(schema.properties ?? {})) columns[name] = duckdbType(field);
  return columns;
}

/** The same as a DuckDB struct literal for `read_json(columns = …)`. */
export function duckdbColumnsLiteral(schema: Schema): string {
  return `{${Object.entries(duckdbColumns(schema))
    .map(([name, type]) => `'${name}': '${type}'`)
    .join(', ')}}`;
}
