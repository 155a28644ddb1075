import { library_item_statuses } from '../schemas/library_item_statuses.ts';
import { followNext } from '../core/http/paginators.ts';
import type { StreamDeclaration } from './declaration.ts';

/** The API's statuses (docs/kandji-api.md §6.5, §6.7) in one vocabulary: library items and parameters. */
export const NORMALIZED: Record<string, string> = {
  PASS: 'pass',
  SUCCESS: 'pass',
  REMEDIATED: 'pass',
  ERROR: 'fail',
  FAILED: 'fail',
  PENDING: 'pending',
  AVAILABLE: 'pending',
  CACHED: 'pending',
  CHANGE_PENDING: 'pending',
  DOWNLOADING: 'pending',
  INSTALLING: 'pending',
  EXCLUDED: 'excluded',
  INCOMPATIBLE: 'not_applicable',
  WARNING: 'muted',
};

export const libraryItemStatusesStream = {
  name: 'library_item_statuses',
  description:
    "Every library item's status on every device in its scope (GET /library/library-items/{id}/status), read per item fleet-wide: items × ⌈devices/300⌉ requests.",
  schema: library_item_statuses,
  primaryKey: [['library_item_id'], ['device_id']],
  // The API lists each item's devices, and every row repeats its device's fields (`computer`): stored by device, a
  // day's rows take about a fifth of the space they take by item (measured at 10,000 devices: docs/benchmarks.md).
  storageOrder: ['device_id', 'library_item_id'],
  permission: 'Library items',
  plan: {
    kind: 'per-device',
    parent: 'library_items',
    path: (id) => `/library/library-items/${encodeURIComponent(id)}/status`,
    endpoint: 'GET /library/library-items/{id}/status',
    paginator: () => followNext({ style: 'limit/offset envelope', first: { limit: 300, offset: 0 } }),
    rows: (rows, itemId) => (rows as Record<string, unknown>[]).map((row) => ({ library_item_id: itemId, ...row })),
  },
  map: (row) => {
    const computer = row.computer as { id?: unknown } | null | undefined;
    const status = typeof row.status === 'string' ? (NORMALIZED[row.status.toUpperCase()] ?? null) : null;
    return { ...row, device_id: computer?.id ?? null, status_normalized: status };
  },
} satisfies StreamDeclaration;
