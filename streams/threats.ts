/**
 * EDR detections, fleet-wide (the EDR add-on). The API filters by whole days only (`date_range`), so the cursor is
 * filtered here: each sync reads the list (a few pages of up to 1,000) and keeps what was detected since the bookmark
 * less the lookback.
 */
import { behavioral_detections, threats } from '../schemas/threats.ts';
import { followNext } from '../core/http/paginators.ts';
import type { StreamDeclaration } from './declaration.ts';

const edr = (path: string) => ({
  kind: 'list' as const,
  requests: [
    {
      path,
      endpoint: `GET ${path}`,
      paginator: () => followNext({ style: 'limit/offset envelope', first: { limit: 1000, offset: 0 } }),
    },
  ],
});

export const threatsStream = {
  name: 'threats',
  description: 'Malware and PUP detections per device (GET /threat-details; the EDR add-on), incremental on detection_date.',
  schema: threats,
  primaryKey: [['device_id'], ['file_hash']],
  cursor: { field: 'detection_date', filter: 'client' },
  permission: 'Threats',
  plan: edr('/threat-details'),
} satisfies StreamDeclaration;

export const behavioralDetectionsStream = {
  name: 'behavioral_detections',
  description: 'Behavioural detections of processes (GET /behavioral-detections; the EDR add-on), incremental on detection_date.',
  schema: behavioral_detections,
  primaryKey: [['id']],
  cursor: { field: 'detection_date', filter: 'client' },
  permission: 'Threats',
  plan: edr('/behavioral-detections'),
} satisfies StreamDeclaration;
