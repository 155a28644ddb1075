/**
 * The I/O floor: download exactly the pages a connector read downloaded (the simulator's request log of that read,
 * one path and query a line, in the order they arrived), with the same HTTP client and the same number of
 * connections, and do nothing with them: no parsing, no normalising, no writing. Its wall time is what the read
 * would take if everything but the transfer (and the simulator's work to answer) cost nothing.
 *
 * It is looser than the connector in one way: it may send a cursor chain's pages side by side, where the
 * connector must wait for page n to learn page n+1.
 *
 *   node bench/floor.ts --origin http://127.0.0.1:PORT --token T --urls FILE [--concurrency 4]
 *
 * Prints one JSON line: { requests, bytes, failures }.
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { Pool } from 'undici';

const { values } = parseArgs({ options: { origin: { type: 'string' }, token: { type: 'string' }, urls: { type: 'string' }, concurrency: { type: 'string', default: '4' } } });
const paths = readFileSync(values.urls as string, 'utf8').split('\n').filter((line) => line.length > 0);
const concurrency = Number(values.concurrency);
const pool = new Pool(values.origin as string, { connections: concurrency, pipelining: 1, keepAliveTimeout: 10_000 });
const headers = { authorization: `Bearer ${values.token}`, accept: 'application/json' };

let next = 0;
let bytes = 0;
let failures = 0;
async function worker(): Promise<void> {
  while (next < paths.length) {
    const path = paths[next++] as string;
    const res = await pool.request({ method: 'GET', path, headers });
    for await (const chunk of res.body) bytes += (chunk as Buffer).length;
    if (res.statusCode !== 200) failures++;
  }
}
await Promise.all(Array.from({ length: concurrency }, worker));
await pool.close();
process.stdout.write(`${JSON.stringify({ requests: paths.length, bytes, failures })}\n`);
