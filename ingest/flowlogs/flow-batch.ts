import { type DnsName, type Flow, InputError } from '../../model/index.js';
import { addCommunityIds } from '../flow/community-id.js';
import type { OpenedInput } from '../input/open-input.js';
import { type IngestBatch, READER_BATCH_FLOWS, type ReadContext } from '../reader.js';
import { type LineHandler, LineSplitter } from './line-splitter.js';

/** Most bytes one text line may hold before the file is called broken (a binary file, say). */
export const MAX_LINE_BYTES = 1024 * 1024;

export function newBatch(): IngestBatch {
  return { flows: [] as Flow[], names: [] as DnsName[] };
}

/** A text parser driven line by line; it fills `batch` and the loop below hands batches on. */
export interface LineParser {
  onLine: LineHandler;
  batch: IngestBatch;
  /** Called once after the last line (flush per-file state, report leftovers). */
  finish(): void;
}

/**
 * Bytes of input parsed between checks for a full batch. Input chunks are 2 MiB (ingest/input),
 * ~20 000 flow-log lines: a whole chunk's flows at once were 12 MB alive, more than V8's young
 * generation holds (semi-spaces of up to 16 MB); they were promoted, and collecting them in the old
 * generation nearly doubled the CPU of parsing a Zeek log (2 M records: 1.5 → 2.8 s).
 */
const SLICE_BYTES = 256 * 1024;

/** A chunk as views of up to SLICE_BYTES, for a batch check between them. */
export function* inSlices(chunk: Buffer): Generator<Buffer> {
  for (let at = 0; at < chunk.length; at += SLICE_BYTES) yield chunk.subarray(at, at + SLICE_BYTES);
}

/**
 * The read loop every line-based reader shares: chunks → lines → parser, a batch handed on after
 * any slice of a chunk that filled one (synchronous inside a slice, `await` only between them).
 */
export async function* readLineBatches(
  input: OpenedInput,
  ctx: ReadContext,
  parser: LineParser,
): AsyncGenerator<IngestBatch> {
  const splitter = new LineSplitter();
  const onLine = parser.onLine;
  for await (const chunk of input.stream) {
    for (const slice of inSlices(chunk)) {
      ctx.stats.bytes += slice.length;
      splitter.push(slice, onLine);
      if (parser.batch.flows.length + parser.batch.names.length >= READER_BATCH_FLOWS) {
        yield takeBatch(parser, ctx);
      }
    }
    if (splitter.pending > MAX_LINE_BYTES) {
      if (parser.batch.flows.length + parser.batch.names.length > 0) yield takeBatch(parser, ctx);
      throw new InputError(
        'CW_ERR_INPUT_TOO_LARGE',
        `${input.name}: a line is longer than ${MAX_LINE_BYTES} bytes at byte ${ctx.stats.bytes - splitter.pending} (not a text flow log?)`,
        { file: input.name, offset: ctx.stats.bytes - splitter.pending },
      );
    }
  }
  splitter.end(onLine);
  parser.finish();
  if (parser.batch.flows.length + parser.batch.names.length > 0) yield takeBatch(parser, ctx);
}

function takeBatch(parser: LineParser, ctx: ReadContext): IngestBatch {
  const b = parser.batch;
  parser.batch = newBatch();
  return finishBatch(b, ctx);
}

/**
 * The last step before a batch leaves a flow-log reader: Community ID on flows that came without
 * one (off with `options.flowlogs.communityId = false`), and the flow count.
 */
export function finishBatch(b: IngestBatch, ctx: ReadContext): IngestBatch {
  const opts = ctx.options.flowlogs as { communityId?: boolean } | undefined;
  if (opts?.communityId !== false) addCommunityIds(b.flows);
  ctx.stats.flows += b.flows.length;
  return b;
}

/** First non-blank line of a head, as text (for detection). */
export function firstLine(head: Buffer, maxBytes = 8192): string {
  const text = head.subarray(0, maxBytes).toString('latin1');
  for (const l of text.split('\n')) {
    const t = l.trim();
    if (t !== '') return t;
  }
  return '';
}
