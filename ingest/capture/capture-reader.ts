import type { DnsName, Flow } from '../../model/index.js';
import { InputError } from '../../model/index.js';
import { Decoded, MALFORMED_REASON, PacketDecoder } from '../decode/packet-decoder.js';
import {
  DEFAULT_FLOW_TABLE_OPTIONS,
  FlowTable,
  type FlowTableOptions,
  type PayloadInspector,
} from '../flow/flow-table.js';
import { FragmentPorts } from '../flow/fragment-ports.js';
import type { OpenedInput } from '../input/open-input.js';
import {
  createMetaInspector,
  DEFAULT_META_OPTIONS,
  type MetaContext,
  type MetaOptions,
} from '../meta/index.js';
import { type FormatReader, type IngestBatch, READER_BATCH_FLOWS, type ReadContext } from '../reader.js';
import type { PacketSink } from './packet-sink.js';
import { isPcap, PcapReader } from './pcap-reader.js';
import { isPcapng, PcapngReader } from './pcapng-reader.js';

/** Options of the capture readers (`ctx.options`). */
export interface CaptureOptions {
  flowTable: FlowTableOptions;
  /** Application metadata (ingest/meta) on the first bytes of each flow; false: none at all. */
  meta: MetaOptions | false;
  /** Replaces the metadata inspector (tests record payloads through this). */
  inspector?: (names: DnsName[], ctx: ReadContext, file: string) => PayloadInspector<unknown>;
}

/**
 * Packets → decoded headers → flow table, for one capture. Implements PacketSink, so the readers
 * call straight into it; everything per packet is synchronous.
 */
class CaptureFlows implements PacketSink {
  readonly time = new Float64Array(1);
  readonly decoder = new PacketDecoder();
  readonly fragments = new FragmentPorts();
  readonly table: FlowTable<unknown>;
  flows: Flow[] = [];
  names: DnsName[] = [];
  ipPackets = 0;
  nonIpPackets = 0;
  readonly unknownLink = new Map<number, number>();
  unaddressable = 0;
  linkTruncated = 0;
  private readonly metaCtx: MetaContext;

  constructor(
    private readonly file: string,
    format: string,
    private readonly ctx: ReadContext,
    opts: CaptureOptions,
  ) {
    this.metaCtx = { names: this.names, problems: ctx.stats.problems, file, format, record: 0 };
    const inspector =
      opts.inspector?.(this.names, ctx, file) ??
      (opts.meta === false ? undefined : createMetaInspector(opts.meta, this.metaCtx));
    this.table = new FlowTable(
      opts.flowTable,
      (f) => this.flows.push(f),
      { sourceFormat: format, sourceFile: file },
      inspector,
    );
  }

  packet(
    linkType: number,
    buf: Buffer,
    off: number,
    capLen: number,
    _origLen: number,
    recordNo: number,
  ): void {
    const d = this.decoder;
    const r = d.decode(linkType, buf, off, capLen);
    d.tsMs = this.time[0];
    if (r !== Decoded.Ip) {
      if (r === Decoded.NotIp) this.nonIpPackets++;
      else if (r === Decoded.UnknownLink)
        this.unknownLink.set(linkType, (this.unknownLink.get(linkType) ?? 0) + 1);
      else if (r === Decoded.LinkTruncated) {
        this.linkTruncated++;
        this.ctx.stats.problems.add('link-header-truncated', `${capLen} bytes captured`, {
          file: this.file,
          record: recordNo,
        });
      } else {
        this.unaddressable++;
        this.ctx.stats.problems.add('ip-header-truncated', `${capLen} bytes captured`, {
          file: this.file,
          record: recordNo,
        });
      }
      return;
    }
    this.ipPackets++;
    this.metaCtx.record = recordNo;
    if (d.malformed !== 0) {
      this.ctx.stats.problems.add(MALFORMED_REASON[d.malformed], `IPv${d.ipVersion} proto ${d.proto}`, {
        file: this.file,
        record: recordNo,
      });
    }
    if (d.fragOffset !== 0) this.fragments.apply(d);
    else if (d.moreFragments && d.hasPorts) this.fragments.remember(d, d.tsMs);
    this.table.add(d, buf, recordNo);
  }

  /** Takes the flows and names gathered so far, and counts the flows as handed on. */
  take(): IngestBatch {
    const batch = { flows: this.flows, names: this.names.splice(0) };
    this.flows = [];
    this.ctx.stats.flows += batch.flows.length;
    return batch;
  }

  finishCounters(): void {
    const c = this.ctx.stats.counters;
    c.ipPackets = (c.ipPackets ?? 0) + this.ipPackets;
    c.nonIpPackets = (c.nonIpPackets ?? 0) + this.nonIpPackets;
    c.unaddressablePackets = (c.unaddressablePackets ?? 0) + this.unaddressable;
    c.linkTruncatedPackets = (c.linkTruncatedPackets ?? 0) + this.linkTruncated;
    c.evictedFlows = (c.evictedFlows ?? 0) + this.table.stats.evicted;
    c.peakFlows = Math.max(c.peakFlows ?? 0, this.table.stats.peakFlows);
    c.orphanFragments = (c.orphanFragments ?? 0) + this.fragments.orphans;
    for (const [lt, n] of this.unknownLink) {
      c[`unknownLinkType${lt}`] = (c[`unknownLinkType${lt}`] ?? 0) + n;
      this.ctx.stats.problems.add('unknown-link-type', `${n} packets of link type ${lt}`, {
        file: this.file,
      });
    }
  }
}

interface PacketReader {
  push(chunk: Buffer): void;
  end(): number;
  readonly packetCount: number;
}

async function* readCapture(
  input: OpenedInput,
  ctx: ReadContext,
  format: 'pcap' | 'pcapng',
): AsyncGenerator<IngestBatch> {
  const opts: CaptureOptions = {
    flowTable: DEFAULT_FLOW_TABLE_OPTIONS,
    meta: DEFAULT_META_OPTIONS,
    ...(ctx.options as Partial<CaptureOptions>),
  };
  const cf = new CaptureFlows(input.name, format, ctx, opts);
  const reader: PacketReader =
    format === 'pcap' ? new PcapReader(input.name, cf) : new PcapngReader(input.name, cf, ctx.stats.problems);
  const stats = ctx.stats;
  let failure: unknown;
  try {
    for await (const chunk of input.reusedChunks()) {
      reader.push(chunk);
      stats.bytes += chunk.length;
      stats.records = reader.packetCount;
      if (cf.flows.length >= READER_BATCH_FLOWS || cf.names.length >= READER_BATCH_FLOWS) yield cf.take();
    }
    const truncatedAt = reader.end();
    if (truncatedAt >= 0) {
      stats.problems.add(
        'truncated-last-record',
        `the file ends inside the record starting at byte ${truncatedAt}`,
        {
          file: input.name,
          offset: truncatedAt,
        },
      );
    }
  } catch (e) {
    // A broken file keeps every flow before the break; the error is raised after they are out.
    failure = e;
  }
  stats.records = reader.packetCount;
  // The flows still open end here, a batch at a time: a capture may leave up to --max-flows open.
  while (cf.table.flush(READER_BATCH_FLOWS)) yield cf.take();
  cf.finishCounters();
  const last = cf.take();
  if (last.flows.length || last.names.length) yield last;
  if (failure !== undefined) {
    if (failure instanceof InputError) throw failure;
    throw new InputError('CW_ERR_INPUT_MALFORMED', `${input.name}: ${(failure as Error).message}`, {
      file: input.name,
      cause: failure,
    });
  }
}

export const pcapFormat: FormatReader = {
  format: 'pcap',
  description: 'libpcap capture (µs or ns timestamps, either byte order)',
  detect: (head) => isPcap(head),
  read: (input, ctx) => readCapture(input, ctx, 'pcap'),
};

export const pcapngFormat: FormatReader = {
  format: 'pcapng',
  description: 'pcapng capture (any sections, interfaces, byte order)',
  detect: (head) => isPcapng(head),
  read: (input, ctx) => readCapture(input, ctx, 'pcapng'),
};
