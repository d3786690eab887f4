import { newFlow, type ProblemLog } from '../../../model/index.js';
import type { OpenedInput } from '../../input/open-input.js';
import type { FormatReader, IngestBatch, ReadContext } from '../../reader.js';
import { parseTimeText } from '../byte-parse.js';
import { newBatch } from '../flow-batch.js';
import { ipFromText } from '../ip-text.js';
import { type JsonObjectParser, readJsonObjectBatches } from '../json-object-stream.js';
import { protoNumber } from '../protocol-names.js';

type Obj = Record<string, unknown>;
const obj = (v: unknown): Obj | undefined =>
  v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Obj) : undefined;
const arr = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);
const uint = (v: unknown): number => {
  if (typeof v === 'number' && Number.isInteger(v) && v >= 0) return v;
  if (typeof v === 'string' && /^\d+$/.test(v)) return Number(v);
  return -1;
};

/**
 * Azure network flow logs, JSON blobs `{"records":[…]}` as Azure Storage holds them (one blob per
 * hour and NIC/NSG), read record by record:
 * - NSG flow logs version 2 (`category: NetworkSecurityGroupFlowEvent`): `properties.flows[].flows[]
 *   .flowTuples[]`, each tuple `ts(s),src,dst,sport,dport,proto(T/U),dir(I/O),decision(A/D),
 *   state(B/C/E),pkts src→dst,bytes src→dst,pkts dst→src,bytes dst→src` (learn.microsoft.com,
 *   "Flow logging for network security groups", log format);
 * - VNet flow logs (`flowRecords.flows[].flowGroups[].flowTuples[]`), tuple `ts(ms),src,dst,
 *   sport,dport,proto(number),dir,state(B/C/E/D),encryption,pkts…,bytes…,pkts…,bytes…`.
 * The src of a tuple is the orig side. B(egin) tuples carry no counters; C/E tuples carry the
 * counts since the previous tuple of the same flow, so each becomes its own Flow record (endReason
 * `active` for C, `end` for E). The allow/deny decision has no Flow field yet and is not kept.
 */
class AzureParser implements JsonObjectParser {
  batch = newBatch();

  constructor(
    private readonly file: string,
    private readonly problems: ProblemLog,
  ) {}

  onBadObject(message: string, lineNo: number, offset: number): void {
    this.problems.add('azure-bad-json', message, { file: this.file, line: lineNo || undefined, offset });
  }

  onObject(value: unknown, lineNo: number, offset: number): void {
    const rec = obj(value);
    const props = obj(rec?.properties);
    if (!rec || !props) {
      this.problems.add('azure-bad-record', 'a record without properties', {
        file: this.file,
        line: lineNo,
        offset,
      });
      return;
    }
    const tuples: string[] = [];
    for (const rule of arr(props.flows)) {
      for (const g of arr(obj(rule)?.flows)) for (const t of arr(obj(g)?.flowTuples)) tuples.push(String(t));
    }
    for (const fl of arr(obj(props.flowRecords)?.flows)) {
      for (const g of arr(obj(fl)?.flowGroups))
        for (const t of arr(obj(g)?.flowTuples)) tuples.push(String(t));
    }
    for (const t of tuples) this.tuple(t, lineNo, offset);
  }

  private tuple(t: string, lineNo: number, offset: number): void {
    const p = t.split(',');
    const where = { file: this.file, line: lineNo, offset };
    if (p.length < 8) {
      this.problems.add('azure-bad-tuple', `flow tuple has ${p.length} fields: ${t.slice(0, 80)}`, where);
      return;
    }
    const vnet = /^\d+$/.test(p[5]);
    const ts = uint(p[0]);
    const src = ipFromText(p[1]);
    const dst = ipFromText(p[2]);
    const proto = vnet ? uint(p[5]) : p[5] === 'T' ? 6 : p[5] === 'U' ? 17 : -1;
    if (ts < 0 || src === undefined || dst === undefined || proto < 0 || proto > 255) {
      this.problems.add('azure-bad-tuple', `flow tuple does not parse: ${t.slice(0, 80)}`, where);
      return;
    }
    const state = vnet ? p[7] : p[8];
    const c = vnet ? 9 : 9;
    const f = newFlow('azure-nsg', this.file, lineNo);
    // NSG v2 tuples carry seconds, VNet tuples milliseconds.
    f.start = vnet ? ts : ts * 1000;
    f.end = f.start;
    f.proto = proto;
    f.origIp = src;
    f.respIp = dst;
    f.origPort = Math.max(0, Math.min(65535, uint(p[3])));
    f.respPort = Math.max(0, Math.min(65535, uint(p[4])));
    f.origPackets = Math.max(0, uint(p[c]));
    f.origBytes = Math.max(0, uint(p[c + 1]));
    f.respPackets = Math.max(0, uint(p[c + 2]));
    f.respBytes = Math.max(0, uint(p[c + 3]));
    if (state === 'E') f.endReason = 'end';
    else if (state === 'C') f.endReason = 'active';
    this.batch.flows.push(f);
  }
}

/**
 * GCP VPC Flow Logs as exported from Cloud Logging (one LogEntry per line from a Storage sink, or
 * the array `gcloud logging read --format=json` prints): `jsonPayload.connection.{src_ip,src_port,
 * dest_ip,dest_port,protocol}`, `start_time`/`end_time` (RFC 3339), `bytes_sent`/`packets_sent`
 * (int64 as strings) from src to dest, `reporter` SRC or DEST. A flow between two VMs of the
 * project is reported by both ends: both records are kept (the `reporter` tells them apart in the
 * source log; dedup belongs to the stage that joins exporter pieces).
 */
class GcpParser implements JsonObjectParser {
  batch = newBatch();
  notFlows = 0;

  constructor(
    private readonly file: string,
    private readonly problems: ProblemLog,
  ) {}

  onBadObject(message: string, lineNo: number, offset: number): void {
    this.problems.add('gcp-bad-json', message, { file: this.file, line: lineNo || undefined, offset });
  }

  onObject(value: unknown, lineNo: number, offset: number): void {
    const entry = obj(value);
    const p = obj(entry?.jsonPayload);
    const conn = obj(p?.connection);
    if (!entry || !p || !conn) {
      this.notFlows++;
      return;
    }
    const where = { file: this.file, line: lineNo, offset };
    const src = ipFromText(String(conn.src_ip ?? ''));
    const dst = ipFromText(String(conn.dest_ip ?? ''));
    const proto = typeof conn.protocol === 'string' ? protoNumber(conn.protocol) : uint(conn.protocol);
    const start = parseTimeText(String(p.start_time ?? entry.timestamp ?? ''));
    let end = parseTimeText(String(p.end_time ?? ''));
    if (src === undefined || dst === undefined || proto < 0 || proto > 255 || Number.isNaN(start)) {
      this.problems.add('gcp-bad-value', 'connection addresses, protocol or start_time malformed', where);
      return;
    }
    if (Number.isNaN(end) || end < start) end = start;
    const f = newFlow('gcp-vpc', this.file, lineNo);
    f.start = start;
    f.end = end;
    f.proto = proto;
    f.origIp = src;
    f.respIp = dst;
    f.origPort = Math.max(0, Math.min(65535, uint(conn.src_port)));
    f.respPort = Math.max(0, Math.min(65535, uint(conn.dest_port)));
    f.origPackets = Math.max(0, uint(p.packets_sent));
    f.origBytes = Math.max(0, uint(p.bytes_sent));
    this.batch.flows.push(f);
  }
}

const compactHead = (head: Buffer): string => head.subarray(0, 8192).toString('latin1').replace(/\s+/g, '');

export const azureNsgReader: FormatReader = {
  format: 'azure-nsg',
  description: 'Azure NSG flow logs v2 and VNet flow logs (JSON blobs)',
  detect(head: Buffer): boolean {
    const t = compactHead(head);
    return (
      /^\{"records":\[/.test(t) &&
      (t.includes('"NetworkSecurityGroupFlowEvent"') ||
        t.includes('"FlowLogFlowEvent"') ||
        t.includes('"flowTuples"'))
    );
  },
  async *read(input: OpenedInput, ctx: ReadContext): AsyncGenerator<IngestBatch> {
    yield* readJsonObjectBatches(input, ctx, new Set([2]), new AzureParser(input.name, ctx.stats.problems));
  },
};

export const gcpVpcReader: FormatReader = {
  format: 'gcp-vpc',
  description: 'GCP VPC flow logs exported from Cloud Logging (JSON lines or array)',
  detect(head: Buffer): boolean {
    const t = compactHead(head);
    return (
      /^\[?\{/.test(t) && t.includes('"jsonPayload":') && (t.includes('vpc_flows') || t.includes('"src_ip":'))
    );
  },
  async *read(input: OpenedInput, ctx: ReadContext): AsyncGenerator<IngestBatch> {
    const parser = new GcpParser(input.name, ctx.stats.problems);
    yield* readJsonObjectBatches(input, ctx, new Set([0, 1]), parser);
    // Other log entries in the same export (not VPC flows) are counted, not problems.
    ctx.stats.counters.gcpNonFlowEntries = (ctx.stats.counters.gcpNonFlowEntries ?? 0) + parser.notFlows;
  },
};
