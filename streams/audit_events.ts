import { audit_events } from '../schemas/audit_events.ts';
import type { StreamDeclaration } from './declaration.ts';

export const auditEventsStream = {
  name: 'audit_events',
  description: 'The audit log (GET /audit/events), incremental on occurred_at from start_date.',
  schema: audit_events,
  primaryKey: [['id']],
  cursor: { field: 'occurred_at', filter: 'start_date' },
  permission: 'Audit log',
  plan: { kind: 'audit' },
} satisfies StreamDeclaration;
