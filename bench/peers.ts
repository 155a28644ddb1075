/**
 * The tenant read the way other Kandji integrations read it (the N+1 design): page through `GET /devices`, then
 * `GET /devices/{id}/details` and `GET /devices/{id}/apps` for every device, `--concurrency` requests at a time.
 * Bodies are parsed (a peer needs the ids and the data) but nothing is normalised or written, so its wall time is
 * a lower bound for such an integration; its request count is exact, and it pays it on every sync, daily ones too.
 *
 *   node bench/peers.ts --origin http://127.0.0.1:PORT --token T [--concurrency 4]
 *
 * Prints one JSON line: { requests, devices, bytes, failures }.
 */
import { parseArgs } from 'node:util';
import { Pool } from 'undici';

const { values } = parseArgs({
  options: { origin: { type: 'string' }, token: { type: 'string' }, concurrency: { type: 'string', default: '4' } },
});
const concurrency = Number(values.concurrency);
const pool = new Pool(values.origin as string, { connections: concurrency, pipelining: 1, keepAliveTimeout: 10_000 });
const headers = { authorization: `Bearer ${values.token}`, accept: 'application/json' };

let requests = 0;
let bytes = 0;
let failures = 0;
async function get(path: string): Promise<unknown> {
  requests++;
  const res = await pool.request({ method: 'GET', path, headers });
  const text = await res.body.text();
  bytes += Buffer.byteLength(text);
  if (res.statusCode !== 200) failures++;
  return JSON.parse(text);
}

const ids: string[] = [];
for (let offset = 0; ; offset += 300) {
  const page = (await get(`/api/v1/devices?limit=300&offset=${offset}`)) as { device_id: string }[];
  for (const device of page) ids.push(device.device_id);
  if (page.length < 300) break;
}
let next = 0;
async function worker(): Promise<void> {
  while (next < ids.length) {
    const id = ids[next++] as string;
    await get(`/api/v1/devices/${id}/details`);
    await get(`/api/v1/devices/${id}/apps`);
  }
}
await Promise.all(Array.from({ length: concurrency }, worker));
await pool.close();
process.stdout.write(`${JSON.stringify({ requests, devices: ids.length, bytes, failures })}\n`);
