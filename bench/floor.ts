/**
 * The I/O floor: download exactly the pages a connector read downloaded (the simulator's request log of that read,
 * one path and query a line, in the order they arrived), with the same HTTP client and the same number of
 * connections, and do nothing with them: no parsing, no normalising, no writing. Its wall time is what the read
 * would take if everything but the transfer (and the simulator's work to answer) cost nothing.
 *
 * Two orders:
 * - `--order chains` (the default): the order any client must keep. The pages of one path (a cursor or offset
 *   chain: `/prism/apps`, `/devices`, `/audit/events`) are fetched one after another, since a client learns page
 *   n+1 from page n; a path under a chain's path (`/devices/{id}/details` under `/devices`) waits until that chain
 *   is done, since a client learns the ids from it. Chains go first, then the independent pages.
 * - `--order free`: every URL known up front, any `--concurrency` of them at a time, cursor chains included. No
 *   client can do this; it bounds what the simulator can serve.
 *
 *   node bench/floor.ts --origin http://127.0.0.1:PORT --token T --urls FILE [--concurrency 4] [--order chains|free]
 *
 * Prints one JSON line: { requests, bytes, failures }.
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { Pool } from 'undici';

const { values } = parseArgs({
  options: {
    origin: { type: 'string' },
    token: { type: 'string' },
    urls: { type: 'string' },
    concurrency: { type: 'string', default: '4' },
    order: { type: 'string', default: 'chains' },
  },
});
if (values.order !== 'chains' && values.order !== 'free') throw new Error(`--order must be chains or free, not ${values.order}`);
const paths = readFileSync(values.urls as string, 'utf8')
  .split('\n')
  .filter((line) => line.length > 0);
const concurrency = Number(values.concurrency);
const pool = new Pool(values.origin as string, { connections: concurrency, pipelining: 1, keepAliveTimeout: 10_000 });
const headers = { authorization: `Bearer ${values.token}`, accept: 'application/json' };

let bytes = 0;
let failures = 0;
async function download(path: string): Promise<void> {
  const res = await pool.request({ method: 'GET', path, headers });
  for await (const chunk of res.body) bytes += (chunk as Buffer).length;
  if (res.statusCode !== 200) failures++;
}

/** Pages fetched in order, once the chain they depend on (if any) is done; `done` tells the pages waiting on this. */
interface Job {
  pages: string[];
  after?: Promise<void>;
  done?: () => void;
}

function jobsInOrder(): Job[] {
  if (values.order === 'free') return paths.map((path) => ({ pages: [path] }));
  const byPath = Map.groupBy(paths, (url) => url.split('?', 1)[0] as string);
  // The longest chains first: they bound the read.
  const chains = [...byPath].filter(([, pages]) => pages.length > 1).sort(([, a], [, b]) => b.length - a.length);
  const ends = new Map(chains.map(([path]) => [path, Promise.withResolvers<void>()]));
  const jobs: Job[] = chains.map(([path, pages]) => ({ pages, done: ends.get(path)?.resolve }));
  for (const [path, pages] of byPath) {
    if (pages.length > 1) continue;
    const parent = chains.find(([chain]) => path.startsWith(`${chain}/`));
    jobs.push({ pages, after: parent ? ends.get(parent[0])?.promise : undefined });
  }
  return jobs;
}

const jobs = jobsInOrder();
let next = 0;
async function worker(): Promise<void> {
  while (next < jobs.length) {
    const job = jobs[next++] as Job;
    if (job.after) await job.after;
    for (const page of job.pages) await download(page);
    job.done?.();
  }
}
await Promise.all(Array.from({ length: concurrency }, worker));
await pool.close();
process.stdout.write(`${JSON.stringify({ requests: paths.length, bytes, failures })}\n`);
