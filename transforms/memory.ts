/**
 * `transform`'s memory limit: DuckDB's while building (it spills to disk beyond it). The nightly default, the larger
 * one a build over every run takes, and the size to suggest after running out. No DuckDB here: the CLI parses
 * `--memory-limit` with `sizeBytes` before it loads the transform.
 */
import { totalmem } from 'node:os';

/** DuckDB's memory limit while building, unless the caller names one (`--memory-limit`). */
export const DEFAULT_MEMORY_LIMIT = '2GB';

/** The memory this process may use: the machine's, or its container's where a cgroup limits it to less. */
export function availableMemory(machine = totalmem(), constrained = process.constrainedMemory()): { bytes: number; of: string } {
  return constrained > 0 && constrained < machine ? { bytes: constrained, of: 'container' } : { bytes: machine, of: 'machine' };
}

/**
 * The memory limit of a build that rebuilds incremental tables over every run (a first build, `--full-rebuild`, an
 * upgrade whose models changed, runs of the last build removed or re-read) when the caller named none: it works over
 * the whole history at once, which at 10,000 devices after 180 days ran out of 2GB and of 4GB (docs/benchmarks.md).
 * Half the available memory, and never less than the nightly default; `basis` says which, for the log.
 */
export function wholeRebuildMemoryLimit(available = availableMemory()): { limit: string; basis: string } {
  const half = Math.floor(available.bytes / 2 / 1e6);
  return half >= 2000
    ? { limit: `${half}MB`, basis: `half this ${available.of}'s memory` }
    : { limit: '2000MB', basis: `the nightly default, more than half this ${available.of}'s memory` };
}

/** Bytes of a size DuckDB reads (`2GB`: 10^9 per GB; `2GiB`: 2^30), or undefined. */
export function sizeBytes(size: string): number | undefined {
  const match = /^(\d+(?:\.\d+)?)\s*([kmgt])(i?)b$/i.exec(size.trim());
  if (!match?.[1] || !match[2]) return undefined;
  return Number(match[1]) * (match[3] ? 1024 : 1000) ** ('kmgt'.indexOf(match[2].toLowerCase()) + 1);
}

/**
 * What to suggest after running out of `limit`: twice it, at least 4GB, at most 90% of the available memory (a limit
 * past it invites the kernel's OOM killer, which leaves no message); undefined when that is no more than `limit`.
 */
export function largerMemoryLimit(limit: string, available = availableMemory()): string | undefined {
  const now = sizeBytes(limit) ?? 0;
  const most = Math.floor((available.bytes * 0.9) / 1e6) * 1e6;
  const wanted = Math.min(Math.max(2 * now, 4e9), most);
  return wanted > now ? `${Math.round(wanted / 1e6)}MB` : undefined;
}
