import { Readable } from 'node:stream';
import { type OpenedInput, openInput } from '../../ingest/input/open-input.js';
import type { FormatReader, ReadContext } from '../../ingest/reader.js';
import { type DnsName, type Flow, ProblemLog } from '../../model/index.js';

export interface ReadResult {
  flows: Flow[];
  names: DnsName[];
  ctx: ReadContext;
  batches: number;
}

export function newContext(options: Record<string, unknown> = {}): ReadContext {
  // Built as a value (not a literal) so extra ReadStats fields of newer versions type-check too.
  const stats = { records: 0, bytes: 0, flows: 0, problems: new ProblemLog(), counters: {} };
  return { stats, options };
}

/** Reads a whole input with one reader, collecting everything. */
export async function readWith(
  reader: FormatReader,
  input: OpenedInput,
  options: Record<string, unknown> = {},
): Promise<ReadResult> {
  const ctx = newContext(options);
  const flows: Flow[] = [];
  const names: DnsName[] = [];
  let batches = 0;
  for await (const b of reader.read(input, ctx)) {
    batches++;
    for (const f of b.flows) flows.push(f);
    for (const n of b.names) names.push(n);
  }
  return { flows, names, ctx, batches };
}

export async function readFile(
  reader: FormatReader,
  path: string,
  options: Record<string, unknown> = {},
): Promise<ReadResult> {
  return readWith(reader, await openInput(path), options);
}

/** An in-memory input, delivered in chunks of `chunkSize` bytes (to exercise carry-over). */
export async function bytesInput(bytes: Buffer, name = 'mem', chunkSize = 7919): Promise<OpenedInput> {
  const chunks: Buffer[] = [];
  for (let i = 0; i < bytes.length; i += chunkSize) chunks.push(bytes.subarray(i, i + chunkSize));
  return openInput('-', Readable.from(chunks)).then((i) => ({ ...i, name }));
}
