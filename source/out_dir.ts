/**
 * The output folder of `sync`: checked before anything is written to it, and locked for the length of a run, so
 * that two syncs into one folder never take each other's in-flight files for a crashed run's.
 *
 * The lock is DIR/.sync.lock, created with O_EXCL (atomic on local file systems and NFSv3+), holding the owner's
 * pid, host name and start time. A small pid file rather than a library: the one question that decides whether a
 * lock is stale, "is that process still alive?", is answered exactly by `kill(pid, 0)` on the same host, which
 * mtime-based libraries (proper-lockfile) only approximate; and it adds no dependency. A lock written on another
 * host (another container sharing the volume) cannot be asked that, so there the owner touches the file every
 * `HEARTBEAT_MS` and a lock not touched for `STALE_MS` is taken for a dead run's.
 */
import { constants } from 'node:fs';
import { access, mkdir, open, readFile, rename, rm, stat, utimes } from 'node:fs/promises';
import { hostname } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { ConfigError, TransientError } from '../core/errors.ts';

export const LOCK_FILE = '.sync.lock';
const HEARTBEAT_MS = 30_000;
const STALE_MS = 4 * HEARTBEAT_MS;

/** Another sync is writing to the folder: try later (the CLI exits 75, EX_TEMPFAIL). */
export class OutputBusyError extends TransientError {
  constructor(message: string) {
    super(message);
    this.name = 'OutputBusyError';
  }
}

interface LockOwner {
  pid: number;
  host: string;
  started_at: string;
}

export interface OutputLock {
  release(): Promise<void>;
}

/**
 * Make sure `dir` can hold a sync's output, creating it (and its parents) if needed. Checks the nearest existing
 * ancestor first: Node's recursive mkdir loops forever under /proc, and its errors (EEXIST, ENOTDIR, EACCES) do not
 * say which path is wrong.
 */
export async function prepareOutputDir(dir: string): Promise<void> {
  const absolute = resolve(dir);
  let existing = absolute;
  let info = await stat(existing).catch(() => undefined);
  while (!info) {
    const parent = dirname(existing);
    if (parent === existing) break;
    existing = parent;
    info = await stat(existing).catch(() => undefined);
  }
  if (info && !info.isDirectory()) {
    throw new ConfigError(
      existing === absolute
        ? `--out ${dir} is a file, not a folder. Pass a folder (it is created if missing).`
        : `--out ${dir} cannot be created: ${existing} is a file, not a folder. Pass a folder path.`,
    );
  }
  if (existing.startsWith('/proc/') || existing === '/proc' || existing.startsWith('/sys/') || existing === '/sys')
    throw new ConfigError(`--out ${dir} is under ${existing}, a kernel file system that cannot hold files. Pass another folder.`);
  try {
    await access(existing, constants.W_OK | constants.X_OK);
  } catch {
    throw new ConfigError(
      `--out ${dir} is not writable: ${existing} does not let this user (uid ${process.getuid?.() ?? '?'}) create files. Pass a folder you can write to, or fix its permissions.`,
    );
  }
  try {
    await mkdir(absolute, { recursive: true });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new ConfigError(`--out ${dir} could not be created (${code ?? String(error)}). Pass a folder you can write to.`);
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: the process exists but belongs to another user.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

async function readOwner(path: string): Promise<{ owner: LockOwner | undefined; touchedAt: number } | undefined> {
  try {
    const [text, info] = await Promise.all([readFile(path, 'utf8'), stat(path)]);
    let owner: LockOwner | undefined;
    try {
      const parsed = JSON.parse(text) as LockOwner;
      if (typeof parsed.pid === 'number' && typeof parsed.host === 'string') owner = parsed;
    } catch {
      // Torn or foreign content: judged by its age alone.
    }
    return { owner, touchedAt: info.mtimeMs };
  } catch {
    return undefined; // released meanwhile
  }
}

/** Whether the run that wrote this lock can no longer be running. */
function isStale(lock: { owner: LockOwner | undefined; touchedAt: number }): boolean {
  const { owner } = lock;
  // Our own pid in a lock we did not take: a dead run's from another pid namespace (containers reuse pid 1).
  if (owner && owner.host === hostname()) return owner.pid === process.pid || !isAlive(owner.pid);
  return Date.now() - lock.touchedAt > STALE_MS;
}

function describe(owner: LockOwner | undefined): string {
  if (!owner) return 'another sync';
  return `another sync (pid ${owner.pid}${owner.host === hostname() ? '' : ` on ${owner.host}`}, started ${owner.started_at})`;
}

/**
 * Take the folder's lock, or throw OutputBusyError naming the run that holds it. A lock whose process is gone is
 * taken over; only then may that run's leftovers be treated as a crashed run's.
 */
export async function lockOutputDir(dir: string): Promise<OutputLock> {
  const path = join(dir, LOCK_FILE);
  const me: LockOwner = { pid: process.pid, host: hostname(), started_at: new Date().toISOString() };
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      const handle = await open(path, 'wx');
      try {
        await handle.writeFile(`${JSON.stringify(me)}\n`);
        await handle.sync();
      } finally {
        await handle.close();
      }
      const heartbeat = setInterval(() => {
        const now = new Date();
        utimes(path, now, now).catch(() => {});
      }, HEARTBEAT_MS);
      heartbeat.unref();
      return {
        release: async () => {
          clearInterval(heartbeat);
          const current = await readOwner(path);
          if (current?.owner?.pid === me.pid && current.owner.host === me.host) await rm(path, { force: true });
        },
      };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    const held = await readOwner(path);
    if (held === undefined) continue; // released between our attempt and the read
    if (!isStale(held))
      throw new OutputBusyError(
        `${dir} is in use by ${describe(held.owner)}; try again when it has finished. (Only one sync may write to a folder at a time.)`,
      );
    // Stale: move it aside under a name only we use, then check that what we moved is the stale lock we judged
    // (not a fresh one another starting sync put there meanwhile); if it is not, put it back and report busy.
    const aside = `${path}.stale-${process.pid}`;
    try {
      await rename(path, aside);
    } catch {
      continue; // another sync took it over first: try again, and find its lock
    }
    const moved = await readOwner(aside);
    if (moved && moved.owner?.pid === held.owner?.pid && moved.owner?.started_at === held.owner?.started_at) {
      await rm(aside, { force: true });
      continue;
    }
    await rename(aside, path).catch(() => {});
    throw new OutputBusyError(`${dir} is in use by ${describe(moved?.owner)}; try again when it has finished.`);
  }
  throw new OutputBusyError(`${dir} is in use by another sync (its lock ${path} changed hands several times); try again later.`);
}
