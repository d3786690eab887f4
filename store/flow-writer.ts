import type { Flow } from '../model/index.js';
import type { Store } from './connection.js';
import { encodeFlows, FLOW_INSERT_COLUMNS, FLOW_ROWBINARY_STRUCTURE } from './flow-encoder.js';
import { RowBinaryBuffer } from './row-binary.js';

/**
 * Bulk writer of Flow batches. Each `write` encodes the batch to RowBinary in one reused buffer
 * and starts its insert; the insert runs in the engine (chDB's thread, or the server) while the
 * caller reads and encodes the next batch, with at most one insert in flight. `flush()` waits
 * for the last one: a batch is durable only after `flush()` (or the next `write`) resolved.
 * An insert failure is thrown by the next `write` or `flush`; the writer is then unusable.
 *
 * Measured (bench/store-bench.ts): the temp-file + `file(…, RowBinary)` path of chDB is ~2x
 * TSV rawInsert and ~8x JSONEachRow.
 */
export class FlowWriter {
  private readonly w = new RowBinaryBuffer(8 << 20);
  private pending: Promise<void> = Promise.resolve();
  private failure: unknown;
  /** Rows acknowledged by the store. */
  rowsWritten = 0;
  /** Rows handed to `write` so far. */
  rowsQueued = 0;

  /**
   * `onReject` hears of a flow that cannot be stored (an address that is not one); the rest of
   * its batch is written. Without it, such a flow fails the batch.
   */
  constructor(
    private readonly store: Store,
    private readonly onReject?: (flow: Flow, reason: string) => void,
  ) {}

  /** The slow path after a batch failed to encode: row by row, leaving out the bad ones. */
  private encodeEach(flows: readonly Flow[]): number {
    this.w.reset();
    let n = 0;
    for (let i = 0; i < flows.length; i++) {
      const at = this.w.pos;
      try {
        encodeFlows(this.w, flows, i, i + 1);
        n++;
      } catch (e) {
        if (!this.onReject) throw e;
        this.w.pos = at;
        this.onReject(flows[i], (e as Error).message);
      }
    }
    return n;
  }

  async write(flows: readonly Flow[]): Promise<void> {
    if (this.failure !== undefined) throw this.failure;
    if (flows.length === 0) return;
    this.w.reset();
    let n = flows.length;
    try {
      encodeFlows(this.w, flows);
    } catch {
      n = this.encodeEach(flows);
    }
    await this.pending; // one insert in flight; this batch was encoded while it ran
    if (this.failure !== undefined) throw this.failure;
    if (n === 0) return;
    this.rowsQueued += n;
    const h = this.store.insertRowBinary(
      'flows',
      FLOW_ROWBINARY_STRUCTURE,
      FLOW_INSERT_COLUMNS,
      this.w.view(),
    );
    await h.sent;
    this.pending = h.done.then(
      () => {
        this.rowsWritten += n;
      },
      (e: unknown) => {
        this.failure = e;
      },
    );
  }

  /** Waits until every row handed to `write` is in the store. */
  async flush(): Promise<void> {
    await this.pending;
    if (this.failure !== undefined) throw this.failure;
  }
}

/** One-shot convenience: write and flush. */
export async function writeFlows(store: Store, flows: readonly Flow[]): Promise<void> {
  const w = new FlowWriter(store);
  await w.write(flows);
  await w.flush();
}
