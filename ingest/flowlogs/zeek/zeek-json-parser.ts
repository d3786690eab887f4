import { newFlow, type ProblemLog } from '../../../model/index.js';
import { parseTimeText } from '../byte-parse.js';
import { type LineParser, newBatch } from '../flow-batch.js';
import { ipFromText, macFromText } from '../ip-text.js';
import { protoNumber } from '../protocol-names.js';
import {
  dnsNames,
  fixIcmp,
  historyToTcpFlags,
  kindOfFields,
  kindOfPath,
  usableAnswers,
  type ZeekLogKind,
} from './zeek-fields.js';
import type { ZeekSideTable } from './zeek-side-table.js';
import type { ZeekMode } from './zeek-tsv-parser.js';

type Row = Record<string, unknown>;

/** A key as Zeek's JSON writer spells it: flat (`id.orig_h`) or nested (`{"id": {"orig_h"}}`). */
function get(row: Row, key: string): unknown {
  const v = row[key];
  if (v !== undefined) return v;
  const dot = key.indexOf('.');
  if (dot < 0) return undefined;
  const outer = row[key.slice(0, dot)];
  return outer !== null && typeof outer === 'object' ? (outer as Row)[key.slice(dot + 1)] : undefined;
}

const str = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);

/** A count: -1 when absent/null, -2 when present but not a non-negative integer. */
function count(v: unknown): number {
  if (v === undefined || v === null) return -1;
  const n = typeof v === 'string' ? Number(v) : v;
  return typeof n === 'number' && Number.isInteger(n) && n >= 0 ? n : -2;
}

/** Zeek JSON `ts`: epoch seconds (number) or ISO-8601 text (`LogAscii::json_timestamps`). */
function timeMs(v: unknown): number {
  if (typeof v === 'number') return Number.isFinite(v) && v >= 0 ? v * 1000 : Number.NaN;
  if (typeof v === 'string') return parseTimeText(v);
  return Number.NaN;
}

/**
 * Zeek's JSON logs (`LogAscii::use_json=T`): one object per line, `_path` when written by a
 * logger. The log kind comes from `_path`, else from the file name, else from the keys.
 */
export class ZeekJsonParser implements LineParser {
  batch = newBatch();
  readonly rowsByKind: Record<ZeekLogKind, number> = { conn: 0, dns: 0, ssl: 0, other: 0 };
  /** conn flows that got SNI/DNS from the side table. */
  joined = 0;
  onLine = (buf: Buffer, s: number, e: number, lineNo: number, offset: number): void =>
    this.line(buf, s, e, lineNo, offset);

  constructor(
    private readonly file: string,
    private readonly problems: ProblemLog,
    private readonly mode: ZeekMode,
    private readonly side: ZeekSideTable | undefined,
    private readonly kindFromName: ZeekLogKind | undefined,
    private readonly onRecord: () => void = () => {},
  ) {}

  finish(): void {}

  private line(buf: Buffer, s: number, e: number, lineNo: number, offset: number): void {
    while (s < e && (buf[s] === 0x20 || buf[s] === 0x09)) s++;
    if (s >= e) return;
    this.onRecord();
    const where = { file: this.file, line: lineNo, offset };
    let row: Row;
    try {
      const v: unknown = JSON.parse(buf.toString('utf8', s, e));
      if (v === null || typeof v !== 'object' || Array.isArray(v)) throw new Error('not an object');
      row = v as Row;
    } catch (err) {
      this.problems.add('zeek-bad-json', `not a JSON object (${(err as Error).message})`, where);
      return;
    }
    const kind =
      kindOfPath(str(row._path)) ?? this.kindFromName ?? kindOfFields((k) => get(row, k) !== undefined);
    this.rowsByKind[kind]++;
    if (kind === 'conn') {
      if (this.mode === 'emit') this.conn(row, lineNo, where);
    } else if (kind === 'dns') this.dns(row, where);
    else if (kind === 'ssl' && this.mode === 'collect') {
      const uid = str(row.uid);
      const sni = str(row.server_name);
      if (uid !== undefined && sni !== undefined) this.side?.addSni(uid, sni);
    }
  }

  private conn(row: Row, lineNo: number, where: { file: string; line: number; offset: number }): void {
    const start = timeMs(row.ts);
    if (Number.isNaN(start)) {
      this.problems.add('zeek-bad-value', 'ts is missing or not a time', where);
      return;
    }
    const origIp = ipFromText(String(get(row, 'id.orig_h') ?? ''));
    const respIp = ipFromText(String(get(row, 'id.resp_h') ?? ''));
    if (origIp === undefined || respIp === undefined) {
      this.problems.add('zeek-bad-value', 'id.orig_h/id.resp_h missing or not an address', where);
      return;
    }
    const origPort = count(get(row, 'id.orig_p'));
    const respPort = count(get(row, 'id.resp_p'));
    if (origPort < 0 || respPort < 0 || origPort > 65535 || respPort > 65535) {
      this.problems.add('zeek-bad-value', 'id.orig_p/id.resp_p missing or not a port', where);
      return;
    }
    const proto = protoNumber(String(row.proto ?? ''));
    if (proto < 0) {
      this.problems.add('zeek-bad-value', `proto '${String(row.proto)}' is not a protocol`, where);
      return;
    }
    const op = count(row.orig_pkts);
    const rp = count(row.resp_pkts);
    let ob = count(row.orig_ip_bytes);
    let rb = count(row.resp_ip_bytes);
    if (ob === -1) ob = count(row.orig_bytes);
    if (rb === -1) rb = count(row.resp_bytes);
    if (op === -2 || rp === -2 || ob === -2 || rb === -2) {
      this.problems.add('zeek-bad-value', 'a packet or byte count is not a number', where);
      return;
    }
    const f = newFlow('zeek', this.file, lineNo);
    f.start = start;
    const dur = typeof row.duration === 'number' && row.duration >= 0 ? row.duration * 1000 : 0;
    f.end = start + dur;
    f.proto = proto;
    f.origIp = origIp;
    f.respIp = respIp;
    f.origPort = origPort;
    f.respPort = respPort;
    f.origPackets = Math.max(op, 0);
    f.respPackets = Math.max(rp, 0);
    f.origBytes = Math.max(ob, 0);
    f.respBytes = Math.max(rb, 0);
    f.state = str(row.conn_state);
    const history = str(row.history);
    if (proto === 6 && history !== undefined) f.tcpFlags = historyToTcpFlags(history);
    f.communityId = str(row.community_id);
    f.origMac = macFromText(String(row.orig_l2_addr ?? ''));
    f.respMac = macFromText(String(row.resp_l2_addr ?? ''));
    const vlan = count(row.vlan);
    if (vlan >= 0 && vlan < 4096) f.vlan = vlan;
    fixIcmp(f);
    if (this.side !== undefined && this.side.size > 0 && this.side.fill(str(row.uid), f)) this.joined++;
    this.batch.flows.push(f);
  }

  private dns(row: Row, where: { file: string; line: number; offset: number }): void {
    const query = str(row.query);
    const answers = Array.isArray(row.answers) ? row.answers.map(String) : [];
    if (this.mode === 'collect') {
      const uid = str(row.uid);
      if (uid !== undefined) this.side?.addDns(uid, query, usableAnswers(answers));
      return;
    }
    const client = str(get(row, 'id.orig_h'));
    if (query === undefined || client === undefined || answers.length === 0) return;
    const ts = timeMs(row.ts);
    if (Number.isNaN(ts)) {
      this.problems.add('zeek-bad-value', 'ts is missing or not a time', where);
      return;
    }
    const ttls = Array.isArray(row.TTLs) ? row.TTLs.map(Number) : [];
    for (const n of dnsNames(client, query, answers, ttls, ts, this.file)) this.batch.names.push(n);
  }
}
