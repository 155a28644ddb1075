/**
 * Seeded fault injection. Each request draws one number from (seed, request sequence number); the configured shares
 * are stacked on [0, 1) so the rates hold within sampling error and a run with the same seed and request order
 * meets the same faults.
 */
import { hash, unit } from './random.ts';

export interface FaultOptions {
  /** Share of requests answered 429 (half of them without Retry-After). */
  throttle?: number;
  /** Share answered 500, 502 or 503. */
  serverError?: number;
  /** Share whose connection is reset before any response. */
  reset?: number;
  /** Share that stall past `stallMs` and are then dropped. */
  stall?: number;
  /** Share whose body is cut off halfway (Content-Length promises more, then the socket closes). */
  truncate?: number;
  /** How long a stalled request hangs before its socket is destroyed. Default 30,000 ms. */
  stallMs?: number;
  /** Requests whose path starts with one of these prefixes are spared (e.g. to keep `check` clean). */
  sparePaths?: string[];
}

export type Fault =
  | { kind: 'throttle'; retryAfter: boolean }
  | { kind: 'serverError'; status: 500 | 502 | 503 }
  | { kind: 'reset' }
  | { kind: 'stall'; ms: number }
  | { kind: 'truncate' };

export function drawFault(seed: number, sequence: number, path: string, options: FaultOptions): Fault | undefined {
  if (options.sparePaths?.some((p) => path.startsWith(p))) return undefined;
  let u = unit(seed, 'fault', sequence);
  const h = hash(seed, 'fault-variant', sequence);
  const shares: [keyof FaultOptions, number][] = [
    ['throttle', options.throttle ?? 0],
    ['serverError', options.serverError ?? 0],
    ['reset', options.reset ?? 0],
    ['stall', options.stall ?? 0],
    ['truncate', options.truncate ?? 0],
  ];
  for (const [kind, share] of shares) {
    if (u < share) {
      switch (kind) {
        case 'throttle':
          return { kind, retryAfter: (h & 1) === 0 };
        case 'serverError':
          return { kind, status: ([500, 502, 503] as const)[h % 3] as 500 | 502 | 503 };
        case 'stall':
          return { kind, ms: options.stallMs ?? 30_000 };
        case 'reset':
        case 'truncate':
          return { kind };
      }
    }
    u -= share;
  }
  return undefined;
}
