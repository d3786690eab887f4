import { InputError } from '../../model/index.js';
import type { OpenedInput } from '../input/open-input.js';
import { type IngestBatch, READER_BATCH_FLOWS, type ReadContext } from '../reader.js';
import { finishBatch, inSlices, MAX_LINE_BYTES, newBatch } from './flow-batch.js';

/**
 * Finds the JSON objects of a stream at given nesting depths without parsing the rest: the
 * elements of a top-level array (`nfdump -o json`, depth 1), one object per line (ndjson,
 * depth 0), or the `records` of an Azure blob (`{"records":[{…}]}`, depth 2). Strings are
 * tracked so braces inside them do not count. Each object is handed over as its bytes, with the
 * line it starts on; only an object that straddles chunks is copied.
 */
export type ObjectHandler = (buf: Buffer, start: number, end: number, lineNo: number, offset: number) => void;

export class JsonObjectStream {
  private depth = 0;
  private inString = false;
  private escaped = false;
  private objStartDepth = -1;
  private lineNo = 1;
  private offset = 0;
  private carry: Buffer[] = [];
  private carryLen = 0;
  private objLine = 0;
  private objOffset = 0;
  private objStart = -1;

  constructor(private readonly depths: ReadonlySet<number>) {}

  push(chunk: Buffer, onObject: ObjectHandler): void {
    const len = chunk.length;
    for (let i = 0; i < len; i++) {
      const c = chunk[i];
      if (c === 0x0a) this.lineNo++;
      if (this.inString) {
        if (this.escaped) this.escaped = false;
        else if (c === 0x5c) this.escaped = true;
        else if (c === 0x22) this.inString = false;
        continue;
      }
      if (c === 0x22) {
        this.inString = true;
      } else if (c === 0x7b || c === 0x5b) {
        if (c === 0x7b && this.objStartDepth < 0 && this.depths.has(this.depth)) {
          this.objStartDepth = this.depth;
          this.objStart = i;
          this.objLine = this.lineNo;
          this.objOffset = this.offset + i;
        }
        this.depth++;
      } else if (c === 0x7d || c === 0x5d) {
        this.depth--;
        if (this.depth < 0) this.depth = 0;
        if (c === 0x7d && this.depth === this.objStartDepth) {
          this.objStartDepth = -1;
          if (this.carryLen > 0) {
            this.carry.push(chunk.subarray(0, i + 1));
            const whole = Buffer.concat(this.carry, this.carryLen + i + 1);
            this.carry = [];
            this.carryLen = 0;
            onObject(whole, 0, whole.length, this.objLine, this.objOffset);
          } else {
            onObject(chunk, this.objStart, i + 1, this.objLine, this.objOffset);
          }
          this.objStart = -1;
        }
      }
    }
    if (this.objStartDepth >= 0) {
      const from = this.carryLen > 0 ? 0 : this.objStart;
      const part = Buffer.from(chunk.subarray(from));
      this.carry.push(part);
      this.carryLen += part.length;
    }
    this.offset += len;
  }

  /** Bytes of an object still open (for a size limit). */
  get pending(): number {
    return this.carryLen;
  }

  /** True when the stream ended inside an object. */
  get unfinished(): boolean {
    return this.objStartDepth >= 0;
  }
}

/** A parser of whole JSON objects that fills a batch (see readJsonObjectBatches). */
export interface JsonObjectParser {
  batch: IngestBatch;
  onObject(value: unknown, lineNo: number, offset: number): void;
  /** Called for bytes that are not JSON. */
  onBadObject(message: string, lineNo: number, offset: number): void;
}

/** The read loop for JSON formats: objects at `depths` → JSON.parse → parser. */
export async function* readJsonObjectBatches(
  input: OpenedInput,
  ctx: ReadContext,
  depths: ReadonlySet<number>,
  parser: JsonObjectParser,
  maxObjectBytes = MAX_LINE_BYTES * 16,
): AsyncGenerator<IngestBatch> {
  const stream = new JsonObjectStream(depths);
  const onObject: ObjectHandler = (buf, s, e, lineNo, offset) => {
    ctx.stats.records++;
    let v: unknown;
    try {
      v = JSON.parse(buf.toString('utf8', s, e));
    } catch (err) {
      parser.onBadObject(`not valid JSON (${(err as Error).message})`, lineNo, offset);
      return;
    }
    parser.onObject(v, lineNo, offset);
  };
  const take = (): IngestBatch => {
    const b = parser.batch;
    parser.batch = newBatch();
    return finishBatch(b, ctx);
  };
  for await (const chunk of input.stream) {
    for (const slice of inSlices(chunk)) {
      ctx.stats.bytes += slice.length;
      stream.push(slice, onObject);
      if (parser.batch.flows.length + parser.batch.names.length >= READER_BATCH_FLOWS) yield take();
    }
    if (stream.pending > maxObjectBytes) {
      if (parser.batch.flows.length > 0) yield take();
      throw new InputError(
        'CW_ERR_INPUT_TOO_LARGE',
        `${input.name}: a JSON record is longer than ${maxObjectBytes} bytes at byte ${ctx.stats.bytes - stream.pending}`,
        { file: input.name, offset: ctx.stats.bytes - stream.pending },
      );
    }
  }
  if (stream.unfinished) {
    parser.onBadObject('the input ends inside a JSON record', 0, ctx.stats.bytes - stream.pending);
  }
  if (parser.batch.flows.length + parser.batch.names.length > 0) yield take();
}
