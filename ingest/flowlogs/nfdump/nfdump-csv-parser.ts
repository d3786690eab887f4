import { newFlow, type ProblemLog } from '../../../model/index.js';
import { ipAt, latin1, parseDateTimeMs, parseSecondsToMs, parseUint } from '../byte-parse.js';
import { type LineParser, newBatch } from '../flow-batch.js';
import { macFromText } from '../ip-text.js';
import { parseTcpFlagText, protoNumber } from '../protocol-names.js';

/**
 * `nfdump -o csv` output, by its header line, so every layout reads with one parser:
 * - 1.6.x and 1.7.0–1.7.3: `ts,te,td,sa,da,sp,dp,pr,flg,fwd,stos,ipkt,ibyt,opkt,obyt,…` (48 columns,
 *   times `YYYY-MM-DD HH:MM:SS[.mmm]` in the local zone of the machine that ran nfdump);
 * - 1.7.4+ `-o csv` with `firstSeen,lastSeen,duration,proto,srcAddr,srcPort,…` names, and
 *   `-o csv-fast` (`cnt,af,firstSeen,lastSeen,proto,srcAddr,…`, times as epoch milliseconds).
 * A `Summary` line ends the records; the totals under it are checked against what was read.
 *
 * Times without a zone are read as UTC: run nfdump with `TZ=UTC` (the fixtures script does).
 * nfdump writes no quotes (it replaces `,` inside values by `;`), so a line splits on every comma.
 */

const COMMA = 0x2c;
const MAX_COLS = 256;

/** Column names per meaning, across nfdump versions. */
const ALIASES = {
  start: ['ts', 'firstSeen', 'tfs'],
  end: ['te', 'lastSeen'],
  duration: ['td', 'duration'],
  src: ['sa', 'srcAddr'],
  dst: ['da', 'dstAddr'],
  sp: ['sp', 'srcPort'],
  dp: ['dp', 'dstPort'],
  proto: ['pr', 'proto'],
  flags: ['flg', 'flags'],
  inPkts: ['ipkt', 'inPackets', 'packets', 'pkt'],
  inBytes: ['ibyt', 'inBytes', 'bytes', 'byt'],
  outPkts: ['opkt', 'outPackets'],
  outBytes: ['obyt', 'outBytes'],
  srcVlan: ['svln', 'srcVlan'],
  srcMac: ['ismc', 'inSrcMac'],
  dstMac: ['idmc', 'inDstMac'],
  icmpType: ['icmpTYpe', 'icmpType'],
  icmpCode: ['icmpCode'],
} as const;

type Col = keyof typeof ALIASES;

/** `00:00:00:00:00:00` (what nfdump prints when there is no MAC), checked on the bytes. */
function isZeroMac(buf: Buffer, s: number, e: number): boolean {
  if (e - s !== 17) return false;
  for (let i = s; i < e; i++) {
    const c = buf[i];
    if (c !== 0x30 && c !== 0x3a) return false;
  }
  return true;
}

export function looksLikeNfdumpCsvHeader(line: string): boolean {
  const cols = line.split(',');
  const has = (c: Col): boolean => ALIASES[c].some((a) => cols.includes(a));
  return cols.length >= 6 && has('start') && has('src') && has('dst') && has('proto');
}

export class NfdumpCsvParser implements LineParser {
  batch = newBatch();
  onLine = (buf: Buffer, s: number, e: number, lineNo: number, offset: number): void =>
    this.line(buf, s, e, lineNo, offset);

  private nCols = 0;
  /** Highest column index the parser reads. */
  private lastCol = 0;
  private readonly col: Record<Col, number> = {
    start: -1,
    end: -1,
    duration: -1,
    src: -1,
    dst: -1,
    sp: -1,
    dp: -1,
    proto: -1,
    flags: -1,
    inPkts: -1,
    inBytes: -1,
    outPkts: -1,
    outBytes: -1,
    srcVlan: -1,
    srcMac: -1,
    dstMac: -1,
    icmpType: -1,
    icmpCode: -1,
  };
  private readonly starts = new Int32Array(MAX_COLS + 1);
  private readonly ends = new Int32Array(MAX_COLS + 1);
  private readonly protoCache = new Map<string, number>();
  private readonly flagCache = new Map<string, number>();
  private headerSeen = false;
  /** 0: records; 1: after `Summary`; 2: after the summary's header line. */
  private summaryState = 0;
  private flowsRead = 0;
  private packetsRead = 0;
  private bytesRead = 0;

  constructor(
    private readonly file: string,
    private readonly problems: ProblemLog,
    private readonly onRecord: () => void = () => {},
  ) {}

  finish(): void {}

  private line(buf: Buffer, s: number, e: number, lineNo: number, offset: number): void {
    if (s >= e) return;
    if (!this.headerSeen) {
      const text = buf.toString('latin1', s, e).trim();
      if (text === '') return;
      if (!looksLikeNfdumpCsvHeader(text)) {
        this.problems.add('nfdump-no-header', 'first line is not an nfdump CSV header', {
          file: this.file,
          line: lineNo,
        });
        this.headerSeen = true;
        return;
      }
      this.setHeader(text.split(','));
      return;
    }
    if (this.summaryState > 0) {
      this.summary(buf, s, e, lineNo);
      return;
    }
    // `Summary` (1.6/1.7) ends the flow records.
    if (buf[s] === 0x53 && e - s === 7 && buf.toString('latin1', s, e) === 'Summary') {
      this.summaryState = 1;
      return;
    }
    this.onRecord();
    const starts = this.starts;
    const ends = this.ends;
    let n = 0;
    let fs = s;
    // Split only up to the last column we use: the 1.7 layout's tail (MPLS labels, latencies,
    // exporter) is a third of each line and never read. A row cut short is still caught; a row
    // with extra columns past the last used one is not (measured: ~25% of the parse time).
    const last = this.lastCol;
    let complete = true;
    for (let i = s; i < e; i++) {
      if (buf[i] === COMMA) {
        starts[n] = fs;
        ends[n] = i;
        n++;
        fs = i + 1;
        if (n > last) {
          complete = false;
          break;
        }
      }
    }
    if (complete) {
      starts[n] = fs;
      ends[n] = e;
      n++;
    }
    const where = () => ({ file: this.file, line: lineNo, offset });
    if (complete ? n !== this.nCols : n <= last) {
      this.problems.add('nfdump-field-count', `row has ${n} fields, the header ${this.nCols}`, where());
      return;
    }
    const c = this.col;
    const start = this.time(buf, c.start);
    if (Number.isNaN(start)) {
      this.problems.add('nfdump-bad-value', 'first-seen time is not a time', where());
      return;
    }
    // End: the duration keeps ms where te (1.6/1.7 layout) has whole seconds; te wins when the
    // two disagree by a second or more (nfdump 1.7.1 prints a wrapped duration for some IPFIX).
    let end = Number.NaN;
    if (c.duration >= 0) {
      const d = parseSecondsToMs(buf, starts[c.duration], ends[c.duration]);
      if (!Number.isNaN(d)) end = start + d;
    }
    if (c.end >= 0) {
      const te = this.time(buf, c.end);
      if (!Number.isNaN(te) && (Number.isNaN(end) || Math.abs(end - te) >= 1000)) end = te;
    }
    if (Number.isNaN(end) || end < start) end = start;
    const src = this.ip(buf, c.src);
    const dst = this.ip(buf, c.dst);
    if (src === undefined || dst === undefined) {
      this.problems.add('nfdump-bad-value', 'source or destination is not an address', where());
      return;
    }
    const proto = this.proto(buf, c.proto);
    if (proto < 0) {
      this.problems.add('nfdump-bad-value', 'protocol is not a protocol', where());
      return;
    }
    let sp = c.sp < 0 ? 0 : parseUint(buf, starts[c.sp], ends[c.sp]);
    let dp = c.dp < 0 ? 0 : this.port(buf, c.dp);
    const ipkt = this.count(buf, c.inPkts);
    const ibyt = this.count(buf, c.inBytes);
    const opkt = this.count(buf, c.outPkts);
    const obyt = this.count(buf, c.outBytes);
    if (sp < 0 || dp < 0 || sp > 65535 || dp > 65535 || ipkt < 0 || ibyt < 0 || opkt < 0 || obyt < 0) {
      this.problems.add('nfdump-bad-value', 'a port, packet or byte count is not a number', where());
      return;
    }
    if (proto === 1 || proto === 58) {
      // ICMP type/code: in dp as type*256+code (or `t.c`), or in their own columns.
      if (c.icmpType >= 0) {
        const t = parseUint(buf, starts[c.icmpType], ends[c.icmpType]);
        const k = c.icmpCode >= 0 ? parseUint(buf, starts[c.icmpCode], ends[c.icmpCode]) : 0;
        if (t >= 0) dp = ((t & 0xff) << 8) | (k > 0 ? k & 0xff : 0);
      }
      sp = dp;
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
    if (c.flags >= 0 && proto === 6) {
      const fl = this.flags(buf, c.flags);
      if (fl >= 0) f.tcpFlags = fl;
    }
    if (c.srcVlan >= 0) {
      const v = parseUint(buf, starts[c.srcVlan], ends[c.srcVlan]);
      if (v > 0 && v < 4096) f.vlan = v;
    }
    if (c.srcMac >= 0 && !isZeroMac(buf, starts[c.srcMac], ends[c.srcMac])) {
      f.origMac = macFromText(latin1(buf, starts[c.srcMac], ends[c.srcMac]));
    }
    if (c.dstMac >= 0 && !isZeroMac(buf, starts[c.dstMac], ends[c.dstMac])) {
      f.respMac = macFromText(latin1(buf, starts[c.dstMac], ends[c.dstMac]));
    }
    this.flowsRead++;
    this.packetsRead += ipkt + opkt;
    this.bytesRead += ibyt + obyt;
    this.batch.flows.push(f);
  }

  private count(buf: Buffer, i: number): number {
    if (i < 0) return 0;
    const s = this.starts[i];
    const e = this.ends[i];
    const v = parseUint(buf, s, e);
    if (v >= 0) return v;
    // nfdump may scale big numbers: `1.2 M`, `3.4 G`.
    const m = /^\s*(\d+(?:\.\d+)?)\s*([kKMGT])\s*$/.exec(buf.toString('latin1', s, e));
    if (!m) return -1;
    const mult = { k: 1e3, K: 1e3, M: 1e6, G: 1e9, T: 1e12 }[m[2] as 'k'];
    return Math.round(Number(m[1]) * mult);
  }

  /** A port, or ICMP `type.code` → type*256+code. */
  private port(buf: Buffer, i: number): number {
    const s = this.starts[i];
    const e = this.ends[i];
    const v = parseUint(buf, s, e);
    if (v >= 0) return v;
    const m = /^\s*(\d{1,3})\.(\d{1,3})\s*$/.exec(buf.toString('latin1', s, e));
    return m ? ((Number(m[1]) & 0xff) << 8) | (Number(m[2]) & 0xff) : -1;
  }

  private time(buf: Buffer, i: number): number {
    if (i < 0) return Number.NaN;
    const s = this.starts[i];
    const e = this.ends[i];
    const t = parseDateTimeMs(buf, s, e);
    if (!Number.isNaN(t)) return t;
    // Epoch: milliseconds (csv-fast) when 12+ digits without a point, else seconds.
    const v = parseUint(buf, s, e);
    if (v >= 0) return e - s >= 12 ? v : v * 1000;
    return parseSecondsToMs(buf, s, e);
  }

  private ip(buf: Buffer, i: number): string | undefined {
    if (i < 0) return undefined;
    let s = this.starts[i];
    let e = this.ends[i];
    while (s < e && buf[s] === 0x20) s++;
    while (e > s && buf[e - 1] === 0x20) e--;
    return ipAt(buf, s, e);
  }

  private proto(buf: Buffer, i: number): number {
    if (i < 0) return -1;
    const t = latin1(buf, this.starts[i], this.ends[i]);
    let p = this.protoCache.get(t);
    if (p === undefined) {
      p = protoNumber(t.trim());
      if (this.protoCache.size < 1024) this.protoCache.set(t, p);
    }
    return p;
  }

  private flags(buf: Buffer, i: number): number {
    const t = latin1(buf, this.starts[i], this.ends[i]);
    let v = this.flagCache.get(t);
    if (v === undefined) {
      v = parseTcpFlagText(t);
      if (this.flagCache.size < 1024) this.flagCache.set(t, v);
    }
    return v;
  }

  private setHeader(names: string[]): void {
    this.headerSeen = true;
    this.nCols = Math.min(names.length, MAX_COLS);
    for (const k of Object.keys(ALIASES) as Col[]) {
      this.col[k] = -1;
      for (const a of ALIASES[k]) {
        const i = names.indexOf(a);
        if (i >= 0 && i < MAX_COLS) {
          this.col[k] = i;
          break;
        }
      }
    }
    this.lastCol = Math.max(...Object.values(this.col));
  }

  /** `flows,bytes,packets,avg_bps,avg_pps,avg_bpp` and its values, checked against what was read. */
  private summary(buf: Buffer, s: number, e: number, lineNo: number): void {
    const text = buf.toString('latin1', s, e);
    if (this.summaryState === 1) {
      this.summaryState = text.startsWith('flows,') ? 2 : 3;
      return;
    }
    if (this.summaryState !== 2) return;
    this.summaryState = 3;
    const [flows, bytes, packets] = text.split(',').map(Number);
    if (flows !== this.flowsRead || bytes !== this.bytesRead || packets !== this.packetsRead) {
      this.problems.add(
        'nfdump-summary-mismatch',
        `Summary says ${flows} flows, ${bytes} bytes, ${packets} packets; read ${this.flowsRead}, ${this.bytesRead}, ${this.packetsRead}`,
        { file: this.file, line: lineNo },
      );
    }
  }
}
