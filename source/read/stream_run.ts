/**
 * One stream's share of a read: it owns the stream's messages, in the order the protocol wants them
 * (STARTED → RUNNING on the first record → COMPLETE or INCOMPLETE), normalises each record against the stream's
 * schema, and emits STATE with an honest `sourceStats.recordCount`: the records of this stream since its
 * previous STATE (docs/airbyte-protocol.md §1.5).
 */
import { normalizeRecord } from '../../schemas/normalize.ts';
import type { StreamDeclaration } from '../../streams/declaration.ts';
import { message, type MessageSink } from '../../core/protocol.ts';

export class StreamRun {
  readonly declaration: StreamDeclaration;
  private readonly sink: MessageSink;
  private running = false;
  private sinceState = 0;
  /** Records emitted in this read. */
  records = 0;
  /** Fields nulled because their value could not be converted. */
  nulledFields = 0;
  /** Warnings (skipped devices and the like), counted for the summary. */
  warnings = 0;
  /** This read emitted every row that exists (a full refresh, or an incremental read that re-read everything). */
  fullRead = false;

  constructor(declaration: StreamDeclaration, sink: MessageSink) {
    this.declaration = declaration;
    this.sink = sink;
  }

  start(): void | Promise<void> {
    return this.sink.write(message.status(this.declaration.name, 'STARTED'));
  }

  /**
   * Normalise and emit one API row (after the stream's `map` and any per-request `tag`). Returns a promise only when
   * the sink asks to wait (backpressure), so a loop over a page's rows need not yield once per record.
   */
  emit(row: Record<string, unknown>, tag?: Record<string, unknown>): void | Promise<void> {
    if (!this.running) {
      this.running = true;
      const pending = this.sink.write(message.status(this.declaration.name, 'RUNNING'));
      if (pending) return pending.then(() => this.emit(row, tag));
    }
    const mapped = this.declaration.map ? this.declaration.map(row) : row;
    const { data, changes } = normalizeRecord(this.declaration.schema as never, tag ? { ...mapped, ...tag } : mapped);
    this.nulledFields += changes.length;
    this.records++;
    this.sinceState++;
    return this.sink.write(message.record(this.declaration.name, data, Date.now(), changes));
  }

  /** Emit a page's rows in order, waiting only where the sink applies backpressure. */
  async emitAll(rows: readonly unknown[], tag?: Record<string, unknown>): Promise<void> {
    for (const row of rows) {
      const pending = this.emit(row as Record<string, unknown>, tag);
      if (pending) await pending;
    }
  }

  async checkpoint(state: Record<string, unknown>): Promise<void> {
    await this.sink.write(message.state(this.declaration.name, state, this.sinceState));
    this.sinceState = 0;
  }

  async warn(text: string): Promise<void> {
    this.warnings++;
    await this.sink.write(message.log('WARN', `${this.declaration.name}: ${text}`));
  }

  async complete(): Promise<void> {
    await this.reportNulled();
    await this.sink.write(message.status(this.declaration.name, 'COMPLETE'));
  }

  async incomplete(rateLimitedUntil?: number): Promise<void> {
    await this.reportNulled();
    await this.sink.write(message.status(this.declaration.name, 'INCOMPLETE', rateLimitedUntil));
  }

  /** Values the API sent that the schema could not take were nulled record by record; say so once, with the count. */
  private async reportNulled(): Promise<void> {
    if (this.nulledFields === 0) return;
    await this.sink.write(
      message.log(
        'WARN',
        `${this.declaration.name}: ${this.nulledFields} field value(s) in ${this.records} records could not be read and were set to null; each record lists its own in meta.changes`,
      ),
    );
  }
}
