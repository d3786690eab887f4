import { newFlow, type ProblemLog } from '../../../model/index.js';
import { parseTimeText } from '../byte-parse.js';
import { newBatch } from '../flow-batch.js';
import { ipFromText, macFromText } from '../ip-text.js';
import type { JsonObjectParser } from '../json-object-stream.js';
import { parseTcpFlagText, protoNumber } from '../protocol-names.js';

type Row = Record<string, unknown>;

const num = (v: unknown): number => {
  if (typeof v === 'number') return Number.isFinite(v) && v >= 0 ? v : -1;
  if (typeof v === 'string' && /^\d+$/.test(v)) return Number(v);
  return v === undefined ? 0 : -1;
};

/**
 * `nfdump -o json` (an array of objects, one key per line) and `-o ndjson`/`json-log` (one object
 * per line): keys `first`/`last` (local time, read as UTC like the CSV), `src4_addr`/`src6_addr`,
 * `in_packets`/`in_bytes`, `out_packets`/`out_bytes`, `proto`, `tcp_flags`, `icmp_type`/`icmp_code`.
 * Records of other `type`s (exporter stats, sampler info) are not flows and are skipped by count.
 */
export class NfdumpJsonParser implements JsonObjectParser {
  batch = newBatch();
  notFlows = 0;

  constructor(
    private readonly file: string,
    private readonly problems: ProblemLog,
  ) {}

  onBadObject(message: string, lineNo: number, offset: number): void {
    this.problems.add('nfdump-bad-json', message, { file: this.file, line: lineNo || undefined, offset });
  }

  onObject(value: unknown, lineNo: number, offset: number): void {
    const where = { file: this.file, line: lineNo, offset };
    if (value === null || typeof value !== 'object' || Array.isArray(value)) {
      this.onBadObject('not a JSON object', lineNo, offset);
      return;
    }
    const r = value as Row;
    if (r.type !== undefined && r.type !== 'FLOW') {
      this.notFlows++;
      return;
    }
    const start = typeof r.first === 'string' ? parseTimeText(r.first) : Number.NaN;
    let end = typeof r.last === 'string' ? parseTimeText(r.last) : Number.NaN;
    if (Number.isNaN(start)) {
      this.problems.add('nfdump-bad-value', '"first" is missing or not a time', where);
      return;
    }
    if (Number.isNaN(end) || end < start) end = start;
    const src = ipFromText(String(r.src4_addr ?? r.src6_addr ?? ''));
    const dst = ipFromText(String(r.dst4_addr ?? r.dst6_addr ?? ''));
    const proto = typeof r.proto === 'number' ? r.proto : protoNumber(String(r.proto ?? ''));
    if (src === undefined || dst === undefined || !(proto >= 0 && proto <= 255)) {
      this.problems.add('nfdump-bad-value', 'addresses or protocol missing or malformed', where);
      return;
    }
    const ipkt = num(r.in_packets);
    const ibyt = num(r.in_bytes);
    const opkt = num(r.out_packets);
    const obyt = num(r.out_bytes);
    let sp = num(r.src_port);
    let dp = num(r.dst_port);
    if (ipkt < 0 || ibyt < 0 || opkt < 0 || obyt < 0 || sp < 0 || dp < 0 || sp > 65535 || dp > 65535) {
      this.problems.add('nfdump-bad-value', 'a port, packet or byte count is not a number', where);
      return;
    }
    if (proto === 1 || proto === 58) {
      const t = num(r.icmp_type);
      const c = num(r.icmp_code);
      sp = r.icmp_type !== undefined && t >= 0 ? ((t & 0xff) << 8) | (c > 0 ? c & 0xff : 0) : dp;
      dp = 0;
    }
    const f = newFlow('nfdump', this.file, lineNo);
    f.start = start;
    f.end = end;
    f.proto = proto;
    f.origIp = src;
    f.origPort = sp;
    f.respIp = dst;
    f.respPort = dp;
    f.origPackets = ipkt;
    f.origBytes = ibyt;
    f.respPackets = opkt;
    f.respBytes = obyt;
    if (proto === 6 && typeof r.tcp_flags === 'string') {
      const fl = parseTcpFlagText(r.tcp_flags);
      if (fl >= 0) f.tcpFlags = fl;
    }
    const vlan = num(r.src_vlan);
    if (vlan > 0 && vlan < 4096) f.vlan = vlan;
    f.origMac = macFromText(String(r.in_src_mac ?? ''));
    f.respMac = macFromText(String(r.in_dst_mac ?? ''));
    this.batch.flows.push(f);
  }
}
