import type { DnsName, Flow, ProblemLog } from '../model/index.js';
import type { OpenedInput } from './input/open-input.js';

/**
 * Flows in a batch a reader hands on (it may hold up to one chunk's more). Small on purpose: a
 * flow is ~600 bytes with its strings, and the flows of a batch stay alive until the store's
 * encoder has read them. Kept under a few MB, they die in V8's young generation (semi-spaces of
 * up to 16 MB); batches of 8192–20 000 flows were promoted, and collecting them in the old
 * generation took 1.5–1.9x the CPU of parsing a Zeek or nfdump log (bench/flowlogs-bench.sh).
 */
export const READER_BATCH_FLOWS = 2048;

/** What every reader yields, a batch at a time (a few thousand records). */
export interface IngestBatch {
  flows: Flow[];
  /** Passive-DNS observations (captures, Zeek dns.log); may be empty. */
  names: DnsName[];
}

/** Counters every reader keeps for the end-of-run summary and the ledger. */
export interface ReadStats {
  /** Input records read: packets for captures, lines/records for logs. */
  records: number;
  /** Decompressed bytes consumed. */
  bytes: number;
  /** Flows yielded. */
  flows: number;
  /** Bad records, by reason, with examples. */
  problems: ProblemLog;
  /** Reader-specific counts for the summary (e.g. ipPackets, nonIpPackets, evictedFlows). */
  counters: Record<string, number>;
}

export function newReadStats(problems: ProblemLog): ReadStats {
  return { records: 0, bytes: 0, flows: 0, problems, counters: {} };
}

export interface ReadContext {
  /** Filled by the reader as it goes. */
  stats: ReadStats;
  /** Reader options from the configuration (timeouts, inspect limits…), by reader. */
  options: Readonly<Record<string, unknown>>;
}

/**
 * A format plugs in with one of these. `detect` looks at the first (decompressed) bytes and says
 * whether the input is this format; `read` streams it. A whole-file failure (not this format, a
 * broken header, a record over the size limit) throws an InputError naming the file and offset,
 * after every complete batch before it was yielded.
 */
export interface FormatReader {
  readonly format: string;
  readonly description: string;
  detect(head: Buffer, name: string): boolean;
  read(input: OpenedInput, ctx: ReadContext): AsyncIterable<IngestBatch>;
}
