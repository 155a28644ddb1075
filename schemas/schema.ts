/**
 * Builders for record schemas. A stream's schema is written once with these; the catalog's `json_schema`, the
 * record's TypeScript type and the record normaliser (schemas/normalize.ts) all come from it.
 *
 * They follow the protocol's rules for stream schemas (docs/airbyte-protocol.md §2.3): every type is `[T, "null"]`,
 * every object has `additionalProperties: true` (unknown fields from the API pass through), nothing is
 * `required`, no `$ref`/`anyOf`/`allOf`. Timestamps carry `format: date-time` and
 * `airbyte_type: timestamp_with_timezone`; the normaliser turns the API's ten formats into ISO-8601 UTC.
 */
import Type, { type Static, type TProperties, type TSchema } from 'typebox';

/** Make a schema nullable the way Airbyte wants it: a `[T, "null"]` type array, not an anyOf. */
function nullable<T extends TSchema>(schema: T) {
  const type = (schema as unknown as { type: string }).type;
  return Type.Unsafe<Static<T> | null>({ ...schema, type: [type, 'null'] });
}

export const string = (description?: string) => nullable(Type.String(description ? { description } : {}));
export const integer = (description?: string) => nullable(Type.Integer(description ? { description } : {}));
export const number = (description?: string) => nullable(Type.Number(description ? { description } : {}));
export const boolean = (description?: string) => nullable(Type.Boolean(description ? { description } : {}));
export const timestamp = (description?: string) =>
  nullable(Type.String({ format: 'date-time', airbyte_type: 'timestamp_with_timezone', ...(description ? { description } : {}) }));

/** A nested object: every property optional, unknown properties kept. */
export const object = <P extends TProperties>(properties: P, description?: string) =>
  nullable(Type.Object(optional(properties), { additionalProperties: true, ...(description ? { description } : {}) }));

export const array = <T extends TSchema>(items: T, description?: string) => nullable(Type.Array(items, description ? { description } : {}));

/** Free-form JSON object whose keys the API does not fix (audit `new_state`, blueprint `params`). */
export const json = (description?: string) =>
  Type.Unsafe<Record<string, unknown> | null>({
    type: ['object', 'null'],
    additionalProperties: true,
    ...(description ? { description } : {}),
  });

/** The root schema of a stream's records. */
export const record = <P extends TProperties>(properties: P) =>
  Type.Object(optional(properties), { additionalProperties: true, $schema: 'http://json-schema.org/draft-07/schema#' });

type Optionalize<P extends TProperties> = { [K in keyof P]: ReturnType<typeof Type.Optional<P[K]>> };

function optional<P extends TProperties>(properties: P): Optionalize<P> {
  const out: Record<string, TSchema> = {};
  for (const [key, schema] of Object.entries(properties)) out[key] = Type.Optional(schema);
  return out as Optionalize<P>;
}

/** The part of a JSON Schema the normaliser and the DuckDB column mapping read. */
export interface SchemaNode {
  type?: string | string[];
  format?: string;
  properties?: Record<string, SchemaNode>;
  items?: SchemaNode;
}

/** The non-null type of a node: `string` for `["string", "null"]`. */
export function baseType(node: SchemaNode): string {
  return Array.isArray(node.type) ? (node.type[0] as string) : (node.type ?? '');
}
