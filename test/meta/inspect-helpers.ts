import { createMetaInspector, type FlowMeta, type MetaInspector } from '../../ingest/meta/index.js';
import type { DnsName, Flow } from '../../model/index.js';
import { ProblemLog } from '../../model/problem-log.js';

/** One flow fed packet by packet through a fresh inspector, as the flow table would. */
export class FlowFeeder {
  readonly names: DnsName[] = [];
  readonly problems = new ProblemLog();
  readonly inspector: MetaInspector;
  readonly meta: FlowMeta;
  /** Whether the inspector still wants packets. */
  open = true;

  constructor(
    readonly proto: number,
    readonly origPort: number,
    readonly respPort: number,
    maxBytesPerFlow = 4096,
  ) {
    this.inspector = createMetaInspector(
      { maxBytesPerFlow },
      { names: this.names, problems: this.problems, file: 'test' },
    );
    this.meta = this.inspector.create();
  }

  /** A packet from the originator (true) or the responder. */
  send(fromOrig: boolean, payload: Buffer, tsMs = 1000): this {
    if (!this.open) return this;
    // Place the payload inside a bigger buffer, as a view into a reader's chunk would be.
    const chunk = Buffer.alloc(payload.length + 64, 0xee);
    payload.copy(chunk, 32);
    const sp = fromOrig ? this.origPort : this.respPort;
    const dp = fromOrig ? this.respPort : this.origPort;
    this.open = this.inspector.inspect(
      this.meta,
      this.proto,
      sp,
      dp,
      fromOrig,
      chunk,
      32,
      payload.length,
      tsMs,
      () => '10.0.0.9',
    );
    return this;
  }

  flow(): Partial<Flow> {
    const f = {} as Flow;
    this.inspector.finish(this.meta, f);
    return f;
  }
}
