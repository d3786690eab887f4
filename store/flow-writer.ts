import type { Flow } from '../model/index.js';
import type { Store } from './connection.js';
import { FLOW_INSERT_COLUMNS, FLOW_NATIVE_STRUCTURE, FlowBlock } from './flow-encoder.js';

/** Rows one insert may gather while the previous one runs (about 60 MB of encoded flows). */
export const MAX_INSERT_ROWS = 262_144;
/** Rows gathered before the first insert (ClickHouse's guidance: 10k-100k rows per insert). */
export const MIN_INSERT_ROWS = 50_000;

export interface FlowWriterOptions {
  /**
   * Hears of a flow that cannot be stored (an address that is not one); the rest of its batch is
   * written. Without it, such a flow fails the batch.
   */
  onReject?: ((flow: Flow, reason: string) => void) | undefined;
  /** Rows gathered before an insert starts (fewer only at `flush`). */
  minInsertRows?: number | undefined;
  /** Rows one insert may carry when the engine is busy. */
  maxInsertRows?: number | undefined;
}

/**
 * Bulk writer of Flow batches. Each `write` encodes its batch into a Native block at once, so the
 * Flow objects die young however small the batches are: hand over each reader batch as it comes.
 * The block is inserted once it holds `minInsertRows` and no insert is running, so the engine works
 * (chDB's threads, or the server) while the caller reads and encodes. While an insert runs, further
 * batches gather in the block, up to `maxInsertRows`, so a busy engine gets fewer, larger inserts:
 * fewer parts to write and to merge later. At most one insert is in flight.
 *
 * A row is acknowledged (`rowsWritten`) only after the insert that carried it returned; `flush()`
 * sends what is gathered and waits for it. An insert failure is thrown by the next `write` or
 * `flush`; the writer is then unusable.
 */
export class FlowWriter {
  private readonly block = new FlowBlock();
  private pending: Promise<void> = Promise.resolve();
  private inFlight = false;
  private failure: unknown;
  private readonly onReject: ((flow: Flow, reason: string) => void) | undefined;
  private readonly minInsertRows: number;
  private readonly maxInsertRows: number;
  /** Rows acknowledged by the store. */
  rowsWritten = 0;
  /** Rows handed to `write` and accepted (unstorable ones left out) so far. */
  rowsQueued = 0;

  constructor(
    private readonly store: Store,
    opts: FlowWriterOptions = {},
  ) {
    this.onReject = opts.onReject;
    this.maxInsertRows = opts.maxInsertRows ?? MAX_INSERT_ROWS;
    this.minInsertRows = Math.max(1, Math.min(opts.minInsertRows ?? MIN_INSERT_ROWS, this.maxInsertRows));
  }

  async write(flows: readonly Flow[]): Promise<void> {
    if (this.failure !== undefined) throw this.failure;
    if (flows.length === 0) return;
    const before = this.block.rows;
    try {
      this.block.add(flows);
    } catch (e) {
      const reject = this.onReject;
      if (!reject) throw e;
      this.block.addEach(flows, (f, err) => reject(f, err.message));
    }
    this.rowsQueued += this.block.rows - before;
    if (this.block.rows < this.minInsertRows) return;
    if (this.inFlight && this.block.rows < this.maxInsertRows) return;
    await this.pending;
    this.send();
  }

  /** Waits until every row handed to `write` is in the store. */
  async flush(): Promise<void> {
    await this.pending;
    this.send();
    await this.pending;
    if (this.failure !== undefined) throw this.failure;
  }

  /** Starts the insert of the gathered block (the previous one has returned). */
  private send(): void {
    if (this.failure !== undefined) throw this.failure;
    const n = this.block.rows;
    if (n === 0) return;
    const h = this.store.insertNative(
      'flows',
      FLOW_NATIVE_STRUCTURE,
      FLOW_INSERT_COLUMNS,
      this.block.chunks(),
    );
    // The store copied the block (to a file or a request body): it can take the next rows now.
    this.block.reset();
    this.inFlight = true;
    this.pending = h.done.then(
      () => {
        this.rowsWritten += n;
        this.inFlight = false;
      },
      (e: unknown) => {
        this.failure = e;
        this.inFlight = false;
      },
    );
  }
}

/** One-shot convenience: write and flush. */
export async function writeFlows(store: Store, flows: readonly Flow[]): Promise<void> {
  const w = new FlowWriter(store);
  await w.write(flows);
  await w.flush();
}
