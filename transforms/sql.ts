/**
 * SQL text the transform writes itself (transforms/*.ts): quoting, and the placeholders an incremental model's SQL
 * may name, which transforms/incremental.ts fills in (transforms/generated.ts writes them).
 */

/** A SQL string literal. */
export const literal = (value: string) => `'${value.replace(/'/g, "''")}'`;

/** A quoted SQL identifier. */
export const ident = (name: string) => `"${name.replace(/"/g, '""')}"`;

/** The placeholders of an incremental model's SQL (transforms/incremental.ts says what each becomes). */
export const PLACEHOLDER = {
  /** The first day to build, a DATE (-infinity from scratch). */
  from: '{{from}}',
  /** The last build's rows of the tenant (by day: those of the last day before {{from}}); `no_previous` from scratch. */
  previous: '{{previous}}',
  /** By day: the last build's rows of the tenant before {{from}}, every day of them; `no_previous` from scratch. */
  before: '{{before}}',
} as const;
