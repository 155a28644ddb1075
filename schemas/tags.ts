/** `tags`: device tags from `GET /tags` (docs/kandji-api.md §6.11). Key: id. */
import { record, string } from './schema.ts';

export const tags = record({ id: string(), name: string() });
