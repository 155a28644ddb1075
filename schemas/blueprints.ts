/** `blueprints`: from `GET /blueprints` (docs/kandji-api.md §6.6). Key: id. */
import { boolean, integer, json, object, record, string } from './schema.ts';

export const blueprints = record({
  id: string(),
  name: string(),
  icon: string(),
  color: string(),
  description: string(),
  params: json('Parameter settings keyed by parameter UUID'),
  computers_count: integer(),
  missing_computers_count: integer(),
  enrollment_code: object({ code: string(), is_active: boolean() }),
  type: string('classic or map'),
});
