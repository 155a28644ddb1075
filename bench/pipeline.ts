/**
 * Where a record's time goes, in the connector's own code, without the network: one real page of the simulator's
 * `/prism/apps` (300 rows, the bulk of a full read) taken through the read path stage by stage, each stage timed
 * with the ones before it. CPU microseconds per row of this process, the median of several rounds.
 *
 * - decode: the body's bytes to a string (UTF-8: the API sends `©`, `’` and the like unescaped);
 * - + parse: JSON.parse;
 * - + normalise: the stream's schema-compiled normaliser (schemas/normalize.ts);
 * - + serialise: StreamRun.emitAll into the LineWriter (normalise, the RECORD message, JSON.stringify, 64 KiB
 *   chunks, redaction) with the output thrown away;
 * - + write: the same into a file with a synchronous write per chunk, as the CLI's stdout does when it is a file.
 */
import { closeSync, openSync, rmSync, writeSync } from 'node:fs';
import { Writable } from 'node:stream';
import { normalizeRecord } from '../schemas/normalize.ts';
import { LineWriter } from '../core/protocol.ts';
import { StreamRun } from '../source/read/stream_run.ts';
import { streamByName } from '../streams/index.ts';

export interface PipelineStage {
  stage: string;
  microsPerRow: number;
}

export async function measurePipeline(
  origin: string,
  token: string,
  scratchFile: string,
): Promise<{ rows: number; bytes: number; stages: PipelineStage[] }> {
  const res = await fetch(`${origin}/api/v1/prism/apps?limit=300`, { headers: { authorization: `Bearer ${token}` } });
  const body = Buffer.from(await res.arrayBuffer());
  const declaration = streamByName('device_apps');
  if (!res.ok || !declaration) throw new Error(`could not fetch a page of /prism/apps: HTTP ${res.status}`);
  const rows = (JSON.parse(body.toString('utf8')) as { data: unknown[] }).data.length;
  const discard = new Writable({ write: (_chunk, _encoding, done) => done() });
  const fd = openSync(scratchFile, 'w');
  const toFile = new Writable({
    decodeStrings: false,
    write(chunk: string, _encoding, done) {
      writeSync(fd, chunk);
      done();
    },
  });
  const parse = () => (JSON.parse(body.toString('utf8')) as { data: Record<string, unknown>[] }).data;
  const emitInto = (out: Writable) => async (pages: number) => {
    const sink = new LineWriter(out);
    const run = new StreamRun(declaration, sink);
    for (let i = 0; i < pages; i++) await run.emitAll(parse());
    await sink.flush();
  };
  const repeat = (pages: number, work: () => void) => {
    for (let i = 0; i < pages; i++) work();
  };
  const stages: [string, (pages: number) => void | Promise<void>][] = [
    ['decode', (pages) => repeat(pages, () => body.toString('utf8'))],
    ['+ parse', (pages) => repeat(pages, parse)],
    [
      '+ normalise',
      (pages) =>
        repeat(pages, () => {
          for (const row of parse()) normalizeRecord(declaration.schema as never, row);
        }),
    ],
    ['+ serialise', emitInto(discard)],
    ['+ write to a file', emitInto(toFile)],
  ];
  try {
    const out: PipelineStage[] = [];
    for (const [stage, run] of stages) {
      await run(20); // warm up
      const rounds: number[] = [];
      for (let round = 0; round < 5; round++) {
        const cpu = process.cpuUsage();
        await run(100);
        const used = process.cpuUsage(cpu);
        rounds.push((used.user + used.system) / (100 * rows));
      }
      out.push({ stage, microsPerRow: rounds.sort((a, b) => a - b)[2] as number });
    }
    return { rows, bytes: body.length, stages: out };
  } finally {
    closeSync(fd);
    rmSync(scratchFile, { force: true });
  }
}
