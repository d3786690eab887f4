import { newFlow, type ProblemLog } from '../../../model/index.js';
import { ByteInterner, ipAt, latin1, parseSecondsToMs, parseTimeText, parseUint } from '../byte-parse.js';
import { type LineParser, newBatch } from '../flow-batch.js';
import { macFromText } from '../ip-text.js';
import { protoNumber } from '../protocol-names.js';
import {
  dnsNames,
  fixIcmp,
  historyBytesToTcpFlags,
  kindOfFields,
  kindOfPath,
  unescapeZeek,
  usableAnswers,
  type ZeekLogKind,
} from './zeek-fields.js';
import type { ZeekSideTable } from './zeek-side-table.js';

/**
 * Zeek's ASCII (TSV) log writer format: `#separator` (written with a space, value with `\xHH`
 * escapes), then `#set_separator`, `#empty_field`, `#unset_field`, `#path`, `#open`, `#fields`,
 * `#types` separated by the separator, data rows, and `#close`. Several logs may follow one another
 * in one stream (concatenated rotations): every `#separator` starts a new header, every `#fields`
 * a new column map.
 *
 * `emit` mode turns conn rows into Flows and dns rows into DnsNames; `collect` mode only fills the
 * side table (ssl/dns siblings of a conn.log, see zeek-side-table.ts).
 */
export type ZeekMode = 'emit' | 'collect';

const MAX_FIELDS = 1024;
const HASH = 0x23;

export class ZeekTsvParser implements LineParser {
  batch = newBatch();
  /** Data rows seen per log kind (for the end-of-file note). */
  readonly rowsByKind: Record<ZeekLogKind, number> = { conn: 0, dns: 0, ssl: 0, other: 0 };
  /** conn flows that got SNI/DNS from the side table. */
  joined = 0;
  onLine = (buf: Buffer, s: number, e: number, lineNo: number, offset: number): void =>
    this.line(buf, s, e, lineNo, offset);

  private sep = 0x09;
  private sepText = '\t';
  private setSep = ',';
  private unset: Buffer = Buffer.from('-');
  private empty: Buffer = Buffer.from('(empty)');
  private path: string | undefined;
  private fields: string[] | undefined;
  private kind: ZeekLogKind = 'other';
  private headerless = 0;
  private readonly starts = new Int32Array(MAX_FIELDS + 1);
  private readonly ends = new Int32Array(MAX_FIELDS + 1);
  private nFields = 0;

  // Column indices (-1 when the log has no such column).
  private cTs = -1;
  private cUid = -1;
  private cOh = -1;
  private cOp = -1;
  private cRh = -1;
  private cRp = -1;
  private cProto = -1;
  private cDuration = -1;
  private cOBytes = -1;
  private cRBytes = -1;
  private cState = -1;
  private cHistory = -1;
  private cOPkts = -1;
  private cOIpBytes = -1;
  private cRPkts = -1;
  private cRIpBytes = -1;
  private cCommunityId = -1;
  private cOMac = -1;
  private cRMac = -1;
  private cVlan = -1;
  private cQuery = -1;
  private cAnswers = -1;
  private cTtls = -1;
  private cSni = -1;

  constructor(
    private readonly file: string,
    private readonly problems: ProblemLog,
    private readonly mode: ZeekMode,
    private readonly side: ZeekSideTable | undefined,
    private readonly onRecord: () => void = () => {},
  ) {}

  finish(): void {
    if (this.mode !== 'emit') return;
    if (this.headerless > 0) {
      this.problems.add('zeek-no-header', `${this.headerless} data lines came before any #fields header`, {
        file: this.file,
      });
    }
  }

  private line(buf: Buffer, s: number, e: number, lineNo: number, offset: number): void {
    if (s >= e) return;
    let c = buf[s];
    if (c !== HASH && (c === 0x20 || c === 0x09)) {
      // A header line indented by stray whitespace (seen upstream): skip it to the '#'.
      let i = s;
      while (i < e && (buf[i] === 0x20 || buf[i] === 0x09)) i++;
      if (i < e && buf[i] === HASH) {
        s = i;
        c = HASH;
      }
    }
    if (c === HASH) {
      this.header(buf.toString('utf8', s, e), lineNo);
      return;
    }
    this.onRecord();
    if (this.fields === undefined) {
      this.headerless++;
      if (this.headerless <= 5) {
        this.problems.add('zeek-no-header', 'data line before any #fields header', {
          file: this.file,
          line: lineNo,
        });
      }
      return;
    }
    // Split on the separator, remembering where each field starts and ends.
    const starts = this.starts;
    const ends = this.ends;
    let n = 0;
    let fs = s;
    if (this.sepText.length === 1) {
      const sep = this.sep;
      for (let i = s; i < e; i++) {
        if (buf[i] === sep) {
          if (n >= MAX_FIELDS) break;
          starts[n] = fs;
          ends[n] = i;
          n++;
          fs = i + 1;
        }
      }
    } else {
      const sepBuf = Buffer.from(this.sepText, 'utf8');
      for (let i = buf.indexOf(sepBuf, s); i >= 0 && i < e; i = buf.indexOf(sepBuf, fs)) {
        if (n >= MAX_FIELDS) break;
        starts[n] = fs;
        ends[n] = i;
        n++;
        fs = i + sepBuf.length;
      }
    }
    starts[n] = fs;
    ends[n] = e;
    n++;
    if (n !== this.nFields) {
      this.problems.add('zeek-field-count', `row has ${n} fields, #fields declares ${this.nFields}`, {
        file: this.file,
        line: lineNo,
        offset,
      });
      return;
    }
    this.rowsByKind[this.kind]++;
    if (this.kind === 'conn') {
      if (this.mode === 'emit') this.conn(buf, lineNo, offset);
    } else if (this.kind === 'dns') this.dns(buf, lineNo);
    else if (this.kind === 'ssl') this.ssl(buf);
  }

  private isNull(buf: Buffer, i: number): boolean {
    const s = this.starts[i];
    const len = this.ends[i] - s;
    if (len === 1) return buf[s] === this.unset[0] && this.unset.length === 1;
    if (len === 0) return true;
    if (len === this.unset.length && buf.compare(this.unset, 0, len, s, s + len) === 0) return true;
    return len === this.empty.length && buf.compare(this.empty, 0, len, s, s + len) === 0;
  }

  /** The field as text, undefined when unset/empty or the column is absent. */
  private text(buf: Buffer, i: number): string | undefined {
    if (i < 0 || this.isNull(buf, i)) return undefined;
    return latin1(buf, this.starts[i], this.ends[i]);
  }

  private utf8(buf: Buffer, i: number): string | undefined {
    if (i < 0 || this.isNull(buf, i)) return undefined;
    return unescapeZeek(buf.toString('utf8', this.starts[i], this.ends[i]));
  }

  /** A count column: -1 when unset or absent, -2 when not a number. */
  private count(buf: Buffer, i: number): number {
    if (i < 0 || this.isNull(buf, i)) return -1;
    const v = parseUint(buf, this.starts[i], this.ends[i]);
    return v < 0 ? -2 : v;
  }

  private conn(buf: Buffer, lineNo: number, offset: number): void {
    const where = () => ({ file: this.file, line: lineNo, offset });
    let start = this.cTs < 0 ? Number.NaN : parseSecondsToMs(buf, this.starts[this.cTs], this.ends[this.cTs]);
    if (Number.isNaN(start) && this.cTs >= 0) {
      const t = this.text(buf, this.cTs);
      start = t === undefined ? Number.NaN : parseTimeText(t);
    }
    if (Number.isNaN(start)) {
      this.problems.add('zeek-bad-value', 'ts is missing or not a time', where());
      return;
    }
    const origIp = this.cOh < 0 ? undefined : ipAt(buf, this.starts[this.cOh], this.ends[this.cOh]);
    const respIp = this.cRh < 0 ? undefined : ipAt(buf, this.starts[this.cRh], this.ends[this.cRh]);
    if (origIp === undefined || respIp === undefined) {
      this.problems.add('zeek-bad-value', 'id.orig_h/id.resp_h missing or not an address', where());
      return;
    }
    const origPort = this.count(buf, this.cOp);
    const respPort = this.count(buf, this.cRp);
    if (origPort < 0 || respPort < 0 || origPort > 65535 || respPort > 65535) {
      this.problems.add('zeek-bad-value', 'id.orig_p/id.resp_p missing or not a port', where());
      return;
    }
    const protoText =
      this.cProto < 0 || this.isNull(buf, this.cProto)
        ? undefined
        : this.interned.get(buf, this.starts[this.cProto], this.ends[this.cProto]);
    const proto = protoText === undefined ? -1 : this.protoOf(protoText);
    if (proto < 0) {
      this.problems.add('zeek-bad-value', `proto '${protoText ?? '-'}' is not a protocol`, where());
      return;
    }
    const f = newFlow('zeek', this.file, lineNo);
    f.start = start;
    let dur = 0;
    if (this.cDuration >= 0 && !this.isNull(buf, this.cDuration)) {
      dur = parseSecondsToMs(buf, this.starts[this.cDuration], this.ends[this.cDuration]);
      if (Number.isNaN(dur)) {
        this.problems.add('zeek-bad-value', 'duration is not a number', where());
        dur = 0;
      }
    }
    f.end = start + dur;
    f.proto = proto;
    f.origIp = origIp;
    f.respIp = respIp;
    f.origPort = origPort;
    f.respPort = respPort;
    const op = this.count(buf, this.cOPkts);
    const rp = this.count(buf, this.cRPkts);
    let ob = this.count(buf, this.cOIpBytes);
    let rb = this.count(buf, this.cRIpBytes);
    // orig_ip_bytes (IP total length) is what the Flow counts; orig_bytes (payload from TCP
    // sequence numbers) is the fallback when the size analyzer was off.
    if (ob < 0) ob = this.count(buf, this.cOBytes);
    if (rb < 0) rb = this.count(buf, this.cRBytes);
    if (op === -2 || rp === -2 || ob === -2 || rb === -2) {
      this.problems.add('zeek-bad-value', 'a packet or byte count is not a number', where());
      return;
    }
    f.origPackets = Math.max(op, 0);
    f.respPackets = Math.max(rp, 0);
    f.origBytes = Math.max(ob, 0);
    f.respBytes = Math.max(rb, 0);
    if (this.cState >= 0 && !this.isNull(buf, this.cState)) {
      f.state = this.interned.get(buf, this.starts[this.cState], this.ends[this.cState]);
    }
    if (proto === 6 && this.cHistory >= 0 && !this.isNull(buf, this.cHistory)) {
      f.tcpFlags = historyBytesToTcpFlags(buf, this.starts[this.cHistory], this.ends[this.cHistory]);
    }
    f.communityId = this.text(buf, this.cCommunityId);
    if (this.cOMac >= 0) f.origMac = macFromText(this.text(buf, this.cOMac) ?? '');
    if (this.cRMac >= 0) f.respMac = macFromText(this.text(buf, this.cRMac) ?? '');
    if (this.cVlan >= 0) {
      const v = this.count(buf, this.cVlan);
      if (v >= 0 && v < 4096) f.vlan = v;
    }
    fixIcmp(f);
    if (
      this.side !== undefined &&
      this.side.size > 0 &&
      this.cUid >= 0 &&
      this.side.fill(this.text(buf, this.cUid), f)
    ) {
      this.joined++;
    }
    this.batch.flows.push(f);
  }

  private readonly protoCache = new Map<string, number>();
  private readonly interned = new ByteInterner();

  private protoOf(text: string): number {
    let p = this.protoCache.get(text);
    if (p === undefined) {
      p = protoNumber(text);
      if (this.protoCache.size < 256) this.protoCache.set(text, p);
    }
    return p;
  }

  private list(buf: Buffer, i: number): string[] {
    const t = this.utf8(buf, i);
    return t === undefined ? [] : t.split(this.setSep);
  }

  private dns(buf: Buffer, lineNo: number): void {
    const query = this.utf8(buf, this.cQuery);
    const answers = this.list(buf, this.cAnswers);
    if (this.mode === 'collect') {
      const uid = this.text(buf, this.cUid);
      if (uid !== undefined && (query !== undefined || answers.length > 0)) {
        this.side?.addDns(uid, query, usableAnswers(answers));
      }
      return;
    }
    const client = this.text(buf, this.cOh);
    if (query === undefined || client === undefined || answers.length === 0) return;
    const ts = this.cTs < 0 ? Number.NaN : parseSecondsToMs(buf, this.starts[this.cTs], this.ends[this.cTs]);
    if (Number.isNaN(ts)) {
      this.problems.add('zeek-bad-value', 'ts is missing or not a time', { file: this.file, line: lineNo });
      return;
    }
    const ttls = this.list(buf, this.cTtls).map(Number);
    for (const n of dnsNames(client, query, answers, ttls, ts, this.file)) this.batch.names.push(n);
  }

  private ssl(buf: Buffer): void {
    if (this.mode !== 'collect') return;
    const uid = this.text(buf, this.cUid);
    const sni = this.utf8(buf, this.cSni);
    if (uid !== undefined && sni !== undefined) this.side?.addSni(uid, sni);
  }

  private header(text: string, lineNo: number): void {
    if (text.startsWith('#separator')) {
      const v = unescapeZeek(text.slice('#separator'.length).replace(/^ /, ''));
      if (v.length === 0) {
        this.problems.add('zeek-bad-header', '#separator has no value', { file: this.file, line: lineNo });
        return;
      }
      // A new log starts: forget the previous header.
      this.sepText = v;
      this.sep = v.charCodeAt(0);
      this.fields = undefined;
      this.path = undefined;
      this.setSep = ',';
      this.unset = Buffer.from('-');
      this.empty = Buffer.from('(empty)');
      return;
    }
    const parts = text.slice(1).split(this.sepText);
    const key = parts[0];
    const value = parts.slice(1);
    switch (key) {
      case 'set_separator':
        if (value[0]) this.setSep = unescapeZeek(value[0]);
        break;
      case 'empty_field':
        if (value[0] !== undefined) this.empty = Buffer.from(unescapeZeek(value[0]), 'utf8');
        break;
      case 'unset_field':
        if (value[0] !== undefined) this.unset = Buffer.from(unescapeZeek(value[0]), 'utf8');
        break;
      case 'path':
        this.path = value[0];
        if (this.fields) this.kind = kindOfPath(this.path) ?? this.kind;
        break;
      case 'fields':
        this.setFields(value, lineNo);
        break;
      case 'types':
        // #types must describe the #fields columns one to one; a mismatch means a broken header.
        if (this.fields && value.length !== this.nFields) {
          this.problems.add(
            'zeek-bad-header',
            `#types lists ${value.length} types for ${this.nFields} #fields`,
            { file: this.file, line: lineNo },
          );
        } else if (this.fields && this.cTs >= 0 && value[this.cTs] !== 'time') {
          this.problems.add('zeek-bad-header', `ts is declared '${value[this.cTs]}', not time`, {
            file: this.file,
            line: lineNo,
          });
        }
        break;
      case 'close':
        this.fields = undefined;
        break;
      default:
        // #open and comments carry nothing we need.
        break;
    }
  }

  private setFields(names: string[], lineNo: number): void {
    if (names.length === 0 || names.length > MAX_FIELDS) {
      this.problems.add('zeek-bad-header', `#fields lists ${names.length} columns`, {
        file: this.file,
        line: lineNo,
      });
      this.fields = undefined;
      return;
    }
    this.fields = names;
    this.nFields = names.length;
    const idx = (n: string): number => names.indexOf(n);
    this.cTs = idx('ts');
    this.cUid = idx('uid');
    this.cOh = idx('id.orig_h');
    this.cOp = idx('id.orig_p');
    this.cRh = idx('id.resp_h');
    this.cRp = idx('id.resp_p');
    this.cProto = idx('proto');
    this.cDuration = idx('duration');
    this.cOBytes = idx('orig_bytes');
    this.cRBytes = idx('resp_bytes');
    this.cState = idx('conn_state');
    this.cHistory = idx('history');
    this.cOPkts = idx('orig_pkts');
    this.cOIpBytes = idx('orig_ip_bytes');
    this.cRPkts = idx('resp_pkts');
    this.cRIpBytes = idx('resp_ip_bytes');
    this.cCommunityId = idx('community_id');
    this.cOMac = idx('orig_l2_addr');
    this.cRMac = idx('resp_l2_addr');
    this.cVlan = idx('vlan');
    this.cQuery = idx('query');
    this.cAnswers = idx('answers');
    this.cTtls = idx('TTLs');
    this.cSni = idx('server_name');
    this.kind = kindOfPath(this.path) ?? kindOfFields((n) => names.includes(n));
    if (this.kind === 'conn' && (this.cTs < 0 || this.cOh < 0 || this.cRh < 0 || this.cProto < 0)) {
      this.problems.add('zeek-bad-header', 'conn log #fields lacks ts, id.orig_h, id.resp_h or proto', {
        file: this.file,
        line: lineNo,
      });
      this.fields = undefined;
    }
  }
}
