import { type Flow, newFlow, type ProblemLog } from '../../../model/index.js';
import { ipv4TextAt, ipv6TextAt, macText } from '../../decode/address-text.js';
import { END_REASON, IE, NTP_UNIX_OFFSET_S, PEN_REVERSE } from './ipfix-elements.js';

/**
 * NetFlow v5 (Cisco), NetFlow v9 (RFC 3954) and IPFIX (RFC 7011) messages → Flow records.
 *
 * One decoder holds the template state of every exporter it has seen, keyed by (exporter, version,
 * observation domain / source id, template id): a file reader uses one decoder per file, the UDP
 * collector one for its life. Templates are compiled once into an array of field actions; a data
 * record is decoded by walking that array over the bytes, into one reused scratch object, and only
 * then is a Flow allocated.
 *
 * What is understood: templates and options templates (v9 flowset 0/1, IPFIX set 2/3), template
 * withdrawal, variable-length fields (RFC 7011 §7), enterprise-specific fields (skipped by length,
 * except RFC 5103 reverse elements under PEN 29305, which become the resp side), biflowDirection,
 * NSEL initiator/responder octets, every IPFIX time form (seconds, ms, NTP µs/ns, sysUpTime with
 * systemInitTimeMilliseconds or the v9 header, delta µs), and sampling: the v5 header interval,
 * samplingInterval / samplerRandomInterval / samplingPacketInterval+Space in the record itself or
 * in an options record (per samplerId/selectorId, or for the whole observation domain). Counters are
 * multiplied by the rate, as nfdump does when a rate is known.
 *
 * Never throws for bad bytes: every read is bounds-checked and a bad set is counted in the
 * ProblemLog with the file and byte offset; decoding goes on with the next set or message.
 */

enum A {
  Skip = 0,
  Octets,
  Packets,
  RevOctets,
  RevPackets,
  Proto,
  TcpFlags,
  SrcPort,
  DstPort,
  Src4,
  Dst4,
  Src6,
  Dst6,
  IcmpTypeCode,
  IcmpType,
  IcmpCode,
  SrcMac,
  DstMac,
  Vlan,
  EndReason,
  StartSec,
  EndSec,
  StartMs,
  EndMs,
  StartNtp,
  EndNtp,
  StartUptime,
  EndUptime,
  StartDeltaUs,
  EndDeltaUs,
  InitTimeMs,
  ObsSec,
  ObsMs,
  SamplingInterval,
  SamplingPacketInterval,
  SamplingPacketSpace,
  SamplerId,
  BiflowDirection,
  RevRevTcpFlags,
}

function actionFor(id: number, pen: number): A {
  if (pen === PEN_REVERSE) {
    if (id === IE.octetDeltaCount || id === IE.octetTotalCount) return A.RevOctets;
    if (id === IE.packetDeltaCount || id === IE.packetTotalCount) return A.RevPackets;
    if (id === IE.tcpControlBits) return A.RevRevTcpFlags;
    return A.Skip;
  }
  if (pen !== 0) return A.Skip;
  switch (id) {
    case IE.octetDeltaCount:
    case IE.octetTotalCount:
    case IE.initiatorOctets:
      return A.Octets;
    case IE.packetDeltaCount:
    case IE.packetTotalCount:
    case IE.initiatorPackets:
      return A.Packets;
    case IE.responderOctets:
      return A.RevOctets;
    case IE.responderPackets:
      return A.RevPackets;
    case IE.protocolIdentifier:
      return A.Proto;
    case IE.tcpControlBits:
      return A.TcpFlags;
    case IE.sourceTransportPort:
      return A.SrcPort;
    case IE.destinationTransportPort:
      return A.DstPort;
    case IE.sourceIPv4Address:
      return A.Src4;
    case IE.destinationIPv4Address:
      return A.Dst4;
    case IE.sourceIPv6Address:
      return A.Src6;
    case IE.destinationIPv6Address:
      return A.Dst6;
    case IE.icmpTypeCodeIPv4:
    case IE.icmpTypeCodeIPv6:
      return A.IcmpTypeCode;
    case IE.icmpTypeIPv4:
    case IE.icmpTypeIPv6:
      return A.IcmpType;
    case IE.icmpCodeIPv4:
    case IE.icmpCodeIPv6:
      return A.IcmpCode;
    case IE.sourceMacAddress:
      return A.SrcMac;
    case IE.destinationMacAddress:
      return A.DstMac;
    case IE.vlanId:
    case IE.dot1qVlanId:
      return A.Vlan;
    case IE.flowEndReason:
      return A.EndReason;
    case IE.flowStartSeconds:
      return A.StartSec;
    case IE.flowEndSeconds:
      return A.EndSec;
    case IE.flowStartMilliseconds:
      return A.StartMs;
    case IE.flowEndMilliseconds:
      return A.EndMs;
    case IE.flowStartMicroseconds:
    case IE.flowStartNanoseconds:
      return A.StartNtp;
    case IE.flowEndMicroseconds:
    case IE.flowEndNanoseconds:
      return A.EndNtp;
    case IE.flowStartSysUpTime:
      return A.StartUptime;
    case IE.flowEndSysUpTime:
      return A.EndUptime;
    case IE.flowStartDeltaMicroseconds:
      return A.StartDeltaUs;
    case IE.flowEndDeltaMicroseconds:
      return A.EndDeltaUs;
    case IE.systemInitTimeMilliseconds:
      return A.InitTimeMs;
    case IE.observationTimeSeconds:
      return A.ObsSec;
    case IE.observationTimeMilliseconds:
      return A.ObsMs;
    case IE.samplingInterval:
    case IE.samplerRandomInterval:
      return A.SamplingInterval;
    case IE.samplingPacketInterval:
      return A.SamplingPacketInterval;
    case IE.samplingPacketSpace:
      return A.SamplingPacketSpace;
    case IE.samplerId:
    case IE.selectorId:
      return A.SamplerId;
    case IE.biflowDirection:
      return A.BiflowDirection;
    default:
      return A.Skip;
  }
}

/** A compiled template: per field its action and length (0xffff = variable). */
interface Template {
  readonly actions: Uint8Array;
  readonly lengths: Uint16Array;
  /** Smallest record length (a variable field counts 1 byte). */
  readonly minLength: number;
  /** Options template: its records describe the exporter (sampling, init time), not flows. */
  readonly options: boolean;
  readonly scopeCount: number;
}

/** Per (exporter, domain) facts learnt from options records. */
interface DomainState {
  /** Sampling rate for the whole domain (0: none stated). */
  rate: number;
  /** Rate per samplerId/selectorId. */
  bySampler: Map<number, number>;
  /** systemInitTimeMilliseconds, for sysUpTime-relative times in IPFIX (NaN when unknown). */
  initTimeMs: number;
}

/** The values of one data record, overwritten for every record (no allocation per field). */
class Scratch {
  octets = 0;
  packets = 0;
  revOctets = 0;
  revPackets = 0;
  proto = -1;
  tcpFlags = -1;
  srcPort = 0;
  dstPort = 0;
  src = '';
  dst = '';
  icmpTypeCode = -1;
  icmpType = -1;
  icmpCode = -1;
  srcMac = '';
  dstMac = '';
  vlan = -1;
  endReason = 0;
  startMs = Number.NaN;
  endMs = Number.NaN;
  startUptime = -1;
  endUptime = -1;
  startDeltaUs = -1;
  endDeltaUs = -1;
  initTimeMs = Number.NaN;
  obsMs = Number.NaN;
  samplingInterval = 0;
  samplingPacketInterval = 0;
  samplingPacketSpace = 0;
  samplerId = -1;
  biflowDirection = 0;

  reset(): void {
    this.octets = 0;
    this.packets = 0;
    this.revOctets = 0;
    this.revPackets = 0;
    this.proto = -1;
    this.tcpFlags = -1;
    this.srcPort = 0;
    this.dstPort = 0;
    this.src = '';
    this.dst = '';
    this.icmpTypeCode = -1;
    this.icmpType = -1;
    this.icmpCode = -1;
    this.srcMac = '';
    this.dstMac = '';
    this.vlan = -1;
    this.endReason = 0;
    this.startMs = Number.NaN;
    this.endMs = Number.NaN;
    this.startUptime = -1;
    this.endUptime = -1;
    this.startDeltaUs = -1;
    this.endDeltaUs = -1;
    this.initTimeMs = Number.NaN;
    this.obsMs = Number.NaN;
    this.samplingInterval = 0;
    this.samplingPacketInterval = 0;
    this.samplingPacketSpace = 0;
    this.samplerId = -1;
    this.biflowDirection = 0;
  }
}

/** Unsigned big-endian integer of 1–8 bytes (reduced-size encoding, RFC 7011 §6.2). */
function readUint(buf: Buffer, o: number, len: number): number {
  let v = 0;
  for (let i = 0; i < len; i++) v = v * 256 + buf[o + i];
  return v;
}

/** NTP 64-bit timestamp (dateTimeMicroseconds/Nanoseconds, RFC 7011 §6.1.9) → ms since 1970. */
function ntpToMs(buf: Buffer, o: number): number {
  const sec = buf.readUInt32BE(o);
  const frac = buf.readUInt32BE(o + 4);
  return (sec - NTP_UNIX_OFFSET_S) * 1000 + (frac / 4294967296) * 1000;
}

/** Where in the input a message came from, for problem reports and `sourceRecord`. */
export interface MessageOrigin {
  /** Exporter identity for template state: its address, or the file name for files. */
  exporter: string;
  file: string;
  /** 1-based message (UDP datagram, IPFIX message) number. */
  record: number;
  /** Byte offset of the message in the file (-1 when not from a file). */
  offset: number;
}

export const MAX_TEMPLATES = 65_536;

export class NetflowDecoder {
  private readonly templates = new Map<string, Template>();
  private readonly domains = new Map<string, DomainState>();
  private readonly s = new Scratch();
  /** Data sets seen before their template, by key (reported once per key per file). */
  private readonly missing = new Set<string>();
  /** Counters for the summary. */
  readonly counts = { messages: 0, templates: 0, optionRecords: 0, dataSetsWithoutTemplate: 0 };

  constructor(private readonly problems: ProblemLog) {}

  /**
   * Decodes one message (`buf[off, off+len)`) and appends its flows to `out`. Returns the number of
   * bytes the message occupies (IPFIX: its length field; v5: header + records; v9: `len`), or -1
   * when the bytes are not a NetFlow/IPFIX message at all.
   */
  decode(buf: Buffer, off: number, len: number, origin: MessageOrigin, out: Flow[]): number {
    if (len < 4) {
      this.bad('netflow-short', `message of ${len} bytes`, origin, 0);
      return -1;
    }
    const version = buf.readUInt16BE(off);
    try {
      if (version === 10) return this.ipfix(buf, off, len, origin, out);
      if (version === 9) return this.v9(buf, off, len, origin, out);
      if (version === 5) return this.v5(buf, off, len, origin, out);
    } catch (err) {
      // Bounds are checked before every read; this is the last guard against a RangeError.
      this.bad('netflow-malformed', `cannot decode: ${(err as Error).message}`, origin, 0);
      return len;
    }
    this.bad('netflow-version', `version ${version} is not NetFlow v5/v9 or IPFIX`, origin, 0);
    return -1;
  }

  private bad(reason: string, detail: string, origin: MessageOrigin, rel: number): void {
    this.problems.add(reason, `${detail} (message ${origin.record}, exporter ${origin.exporter})`, {
      file: origin.file,
      offset: origin.offset >= 0 ? origin.offset + rel : undefined,
      record: origin.record,
    });
  }

  private domain(key: string): DomainState {
    let d = this.domains.get(key);
    if (!d) {
      if (this.domains.size >= MAX_TEMPLATES) this.domains.clear();
      d = { rate: 0, bySampler: new Map(), initTimeMs: Number.NaN };
      this.domains.set(key, d);
    }
    return d;
  }

  // ---------------------------------------------------------------- NetFlow v5

  private v5(buf: Buffer, off: number, len: number, origin: MessageOrigin, out: Flow[]): number {
    if (len < 24) {
      this.bad('netflow-short', `v5 header needs 24 bytes, has ${len}`, origin, 0);
      return -1;
    }
    const count = buf.readUInt16BE(off + 2);
    const size = 24 + count * 48;
    if (count === 0 || count > 30 || size > len) {
      this.bad('netflow-bad-count', `v5 header says ${count} records, ${len} bytes present`, origin, 2);
      return -1;
    }
    this.counts.messages++;
    const sysUptime = buf.readUInt32BE(off + 4);
    const unixSecs = buf.readUInt32BE(off + 8);
    const unixNsecs = buf.readUInt32BE(off + 12);
    const sampling = buf.readUInt16BE(off + 22) & 0x3fff;
    const rate = Math.max(sampling, 1);
    const exportMs = unixSecs * 1000 + Math.floor(unixNsecs / 1e6);
    for (let i = 0; i < count; i++) {
      const o = off + 24 + i * 48;
      const f = newFlow('netflow5', origin.file, origin.record);
      f.origIp = ipv4TextAt(buf, o);
      f.respIp = ipv4TextAt(buf, o + 4);
      f.origPackets = buf.readUInt32BE(o + 16) * rate;
      f.origBytes = buf.readUInt32BE(o + 20) * rate;
      const first = buf.readUInt32BE(o + 24);
      const last = buf.readUInt32BE(o + 28);
      // Uptime of the first/last packet: never after the export, so an uptime ahead of the
      // header's is one that wrapped (unsigned 32-bit difference, as nfdump reads it).
      f.start = exportMs - ((sysUptime - first) >>> 0);
      f.end = exportMs - ((sysUptime - last) >>> 0);
      if (f.end < f.start) f.end = f.start;
      f.origPort = buf.readUInt16BE(o + 32);
      f.respPort = buf.readUInt16BE(o + 34);
      f.proto = buf[o + 38];
      if (f.proto === 6) f.tcpFlags = buf[o + 37];
      if (f.proto === 1 || f.proto === 58) {
        // Cisco writes ICMP type*256+code in the destination port.
        f.origPort = f.respPort;
        f.respPort = 0;
      }
      out.push(f);
    }
    return size;
  }

  // ---------------------------------------------------------------- NetFlow v9

  private v9(buf: Buffer, off: number, len: number, origin: MessageOrigin, out: Flow[]): number {
    if (len < 20) {
      this.bad('netflow-short', `v9 header needs 20 bytes, has ${len}`, origin, 0);
      return -1;
    }
    this.counts.messages++;
    const sysUptime = buf.readUInt32BE(off + 4);
    const unixSecs = buf.readUInt32BE(off + 8);
    const sourceId = buf.readUInt32BE(off + 16);
    const domainKey = `${origin.exporter}|9|${sourceId}`;
    const exportMs = unixSecs * 1000;
    let p = off + 20;
    const end = off + len;
    while (p + 4 <= end) {
      const setId = buf.readUInt16BE(p);
      const setLen = buf.readUInt16BE(p + 2);
      if (setLen < 4 || p + setLen > end) {
        // A zero-filled tail (seen from Palo Alto) ends the message quietly.
        if (setId === 0 && setLen === 0 && isZero(buf, p, end)) break;
        this.bad(
          'netflow-bad-set',
          `flowset ${setId} declares length ${setLen}, ${end - p} bytes left`,
          origin,
          p - off,
        );
        break;
      }
      if (setId === 0) this.v9Templates(buf, p + 4, p + setLen, domainKey, origin, off);
      else if (setId === 1) this.v9OptionTemplates(buf, p + 4, p + setLen, domainKey, origin, off);
      else if (setId >= 256)
        this.dataSet(
          buf,
          p + 4,
          p + setLen,
          setId,
          domainKey,
          'netflow9',
          exportMs,
          sysUptime,
          origin,
          off,
          out,
        );
      p += setLen;
    }
    return len;
  }

  private v9Templates(
    buf: Buffer,
    p: number,
    end: number,
    dk: string,
    origin: MessageOrigin,
    off: number,
  ): void {
    while (p + 4 <= end) {
      const id = buf.readUInt16BE(p);
      const n = buf.readUInt16BE(p + 2);
      p += 4;
      if (id < 256 || p + n * 4 > end) {
        if (id !== 0 || n !== 0) {
          this.bad(
            'netflow-bad-template',
            `template ${id} with ${n} fields overruns its flowset`,
            origin,
            p - off,
          );
        }
        return;
      }
      const fields: Array<[number, number, number]> = [];
      for (let i = 0; i < n; i++, p += 4) fields.push([buf.readUInt16BE(p), 0, buf.readUInt16BE(p + 2)]);
      this.store(`${dk}|${id}`, fields, false, 0, origin, p - off);
    }
  }

  private v9OptionTemplates(
    buf: Buffer,
    p: number,
    end: number,
    dk: string,
    origin: MessageOrigin,
    off: number,
  ): void {
    while (p + 6 <= end) {
      const id = buf.readUInt16BE(p);
      const scopeLen = buf.readUInt16BE(p + 2);
      const optLen = buf.readUInt16BE(p + 4);
      p += 6;
      if (id < 256 || scopeLen % 4 !== 0 || optLen % 4 !== 0 || p + scopeLen + optLen > end) {
        if (id !== 0)
          this.bad('netflow-bad-template', `options template ${id} overruns its flowset`, origin, p - off);
        return;
      }
      const fields: Array<[number, number, number]> = [];
      // v9 scope field types (1 system, 2 interface…) are not IPFIX IEs: mark them skip (id 0).
      for (let i = 0; i < scopeLen / 4; i++, p += 4) fields.push([0, 0, buf.readUInt16BE(p + 2)]);
      for (let i = 0; i < optLen / 4; i++, p += 4)
        fields.push([buf.readUInt16BE(p), 0, buf.readUInt16BE(p + 2)]);
      this.store(`${dk}|${id}`, fields, true, scopeLen / 4, origin, p - off);
    }
  }

  // ---------------------------------------------------------------- IPFIX

  private ipfix(buf: Buffer, off: number, len: number, origin: MessageOrigin, out: Flow[]): number {
    if (len < 16) {
      this.bad('netflow-short', `IPFIX header needs 16 bytes, has ${len}`, origin, 0);
      return -1;
    }
    const msgLen = buf.readUInt16BE(off + 2);
    if (msgLen < 16 || msgLen > len) {
      this.bad('netflow-bad-length', `IPFIX message length ${msgLen}, ${len} bytes present`, origin, 2);
      return -1;
    }
    this.counts.messages++;
    const exportMs = buf.readUInt32BE(off + 4) * 1000;
    const domainId = buf.readUInt32BE(off + 12);
    const dk = `${origin.exporter}|10|${domainId}`;
    let p = off + 16;
    const end = off + msgLen;
    while (p + 4 <= end) {
      const setId = buf.readUInt16BE(p);
      const setLen = buf.readUInt16BE(p + 2);
      if (setLen < 4 || p + setLen > end) {
        this.bad(
          'netflow-bad-set',
          `set ${setId} declares length ${setLen}, ${end - p} bytes left`,
          origin,
          p - off,
        );
        break;
      }
      if (setId === 2 || setId === 3)
        this.ipfixTemplates(buf, p + 4, p + setLen, setId === 3, dk, origin, off);
      else if (setId >= 256)
        this.dataSet(buf, p + 4, p + setLen, setId, dk, 'ipfix', exportMs, -1, origin, off, out);
      p += setLen;
    }
    return msgLen;
  }

  private ipfixTemplates(
    buf: Buffer,
    p: number,
    end: number,
    options: boolean,
    dk: string,
    origin: MessageOrigin,
    off: number,
  ): void {
    while (p + 4 <= end) {
      const id = buf.readUInt16BE(p);
      const n = buf.readUInt16BE(p + 2);
      p += 4;
      if (id === 0 && n === 0) return; // padding
      if (n === 0) {
        // Template withdrawal (RFC 7011 §8.1); id 2/3 withdraws all templates of the domain.
        if (id === 2 || id === 3) {
          for (const k of [...this.templates.keys()]) if (k.startsWith(`${dk}|`)) this.templates.delete(k);
        } else this.templates.delete(`${dk}|${id}`);
        continue;
      }
      let scope = 0;
      if (options) {
        if (p + 2 > end) break;
        scope = buf.readUInt16BE(p);
        p += 2;
      }
      if (id < 256) {
        this.bad('netflow-bad-template', `template id ${id} is reserved`, origin, p - off);
        return;
      }
      const fields: Array<[number, number, number]> = [];
      let ok = true;
      for (let i = 0; i < n; i++) {
        if (p + 4 > end) {
          ok = false;
          break;
        }
        const raw = buf.readUInt16BE(p);
        const flen = buf.readUInt16BE(p + 2);
        p += 4;
        let pen = 0;
        if (raw & 0x8000) {
          if (p + 4 > end) {
            ok = false;
            break;
          }
          pen = buf.readUInt32BE(p);
          p += 4;
        }
        fields.push([raw & 0x7fff, pen, flen]);
      }
      if (!ok) {
        this.bad('netflow-bad-template', `template ${id} with ${n} fields overruns its set`, origin, p - off);
        return;
      }
      this.store(`${dk}|${id}`, fields, options, scope, origin, p - off);
    }
  }

  // ---------------------------------------------------------------- shared

  private store(
    key: string,
    fields: ReadonlyArray<readonly [number, number, number]>,
    options: boolean,
    scopeCount: number,
    origin: MessageOrigin,
    rel: number,
  ): void {
    if (fields.length === 0) return;
    if (!this.templates.has(key) && this.templates.size >= MAX_TEMPLATES) {
      this.bad(
        'netflow-too-many-templates',
        `more than ${MAX_TEMPLATES} templates; ${key} ignored`,
        origin,
        rel,
      );
      return;
    }
    const actions = new Uint8Array(fields.length);
    const lengths = new Uint16Array(fields.length);
    let minLength = 0;
    for (let i = 0; i < fields.length; i++) {
      const [id, pen, flen] = fields[i];
      // Scope fields of options templates say what the options describe (e.g. the sampler id).
      let a = actionFor(id, pen);
      if (i < scopeCount && a !== A.SamplerId) a = A.Skip;
      actions[i] = a;
      lengths[i] = flen;
      minLength += flen === 0xffff ? 1 : flen;
    }
    this.templates.set(key, { actions, lengths, minLength, options, scopeCount });
    this.counts.templates++;
  }

  private dataSet(
    buf: Buffer,
    p: number,
    end: number,
    setId: number,
    dk: string,
    format: string,
    exportMs: number,
    sysUptime: number,
    origin: MessageOrigin,
    off: number,
    out: Flow[],
  ): void {
    const tpl = this.templates.get(`${dk}|${setId}`);
    if (!tpl) {
      this.counts.dataSetsWithoutTemplate++;
      const key = `${dk}|${setId}`;
      if (!this.missing.has(key)) {
        // Bounded: a sender spraying template ids must not grow this set without limit.
        if (this.missing.size >= MAX_TEMPLATES) this.missing.clear();
        this.missing.add(key);
        this.bad(
          'netflow-unknown-template',
          `data set ${setId} before its template; skipped`,
          origin,
          p - 4 - off,
        );
      } else {
        this.problems.add('netflow-unknown-template', `data set ${setId} before its template; skipped`, {
          file: origin.file,
          record: origin.record,
        });
      }
      return;
    }
    if (tpl.minLength === 0) return;
    const dom = this.domain(dk);
    while (p + tpl.minLength <= end) {
      const next = this.record(buf, p, end, tpl);
      if (next < 0) {
        this.bad('netflow-bad-record', `record of template ${setId} overruns its set`, origin, p - off);
        return;
      }
      p = next;
      if (tpl.options) this.options(dom);
      else this.flow(dom, format, exportMs, sysUptime, origin, out);
    }
  }

  /** Walks one data record into the scratch; returns the offset after it, -1 if it overruns. */
  private record(buf: Buffer, p: number, end: number, tpl: Template): number {
    const s = this.s;
    s.reset();
    const actions = tpl.actions;
    const lengths = tpl.lengths;
    for (let i = 0; i < actions.length; i++) {
      let len = lengths[i];
      if (len === 0xffff) {
        if (p + 1 > end) return -1;
        len = buf[p++];
        if (len === 255) {
          if (p + 2 > end) return -1;
          len = buf.readUInt16BE(p);
          p += 2;
        }
      }
      if (p + len > end) return -1;
      const a = actions[i];
      if (a !== A.Skip && len > 0) this.field(a, buf, p, len);
      p += len;
    }
    return p;
  }

  private field(a: A, buf: Buffer, o: number, len: number): void {
    const s = this.s;
    switch (a) {
      case A.Octets:
        if (len <= 8) s.octets = readUint(buf, o, len);
        break;
      case A.Packets:
        if (len <= 8) s.packets = readUint(buf, o, len);
        break;
      case A.RevOctets:
        if (len <= 8) s.revOctets = readUint(buf, o, len);
        break;
      case A.RevPackets:
        if (len <= 8) s.revPackets = readUint(buf, o, len);
        break;
      case A.Proto:
        s.proto = buf[o + len - 1];
        break;
      case A.TcpFlags:
        s.tcpFlags = Math.max(s.tcpFlags, 0) | buf[o + len - 1];
        break;
      case A.RevRevTcpFlags:
        // The reverse direction's flags: the Flow keeps one OR of both sides.
        s.tcpFlags = Math.max(s.tcpFlags, 0) | buf[o + len - 1];
        break;
      case A.SrcPort:
        if (len <= 2) s.srcPort = readUint(buf, o, len);
        break;
      case A.DstPort:
        if (len <= 2) s.dstPort = readUint(buf, o, len);
        break;
      case A.Src4:
        if (len === 4) s.src = ipv4TextAt(buf, o);
        break;
      case A.Dst4:
        if (len === 4) s.dst = ipv4TextAt(buf, o);
        break;
      case A.Src6:
        if (len === 16) s.src = ipv6TextAt(buf, o);
        break;
      case A.Dst6:
        if (len === 16) s.dst = ipv6TextAt(buf, o);
        break;
      case A.IcmpTypeCode:
        if (len <= 2) s.icmpTypeCode = readUint(buf, o, len);
        break;
      case A.IcmpType:
        s.icmpType = buf[o + len - 1];
        break;
      case A.IcmpCode:
        s.icmpCode = buf[o + len - 1];
        break;
      case A.SrcMac:
        if (len === 6) s.srcMac = macText(buf, o);
        break;
      case A.DstMac:
        if (len === 6) s.dstMac = macText(buf, o);
        break;
      case A.Vlan:
        if (len <= 2) s.vlan = readUint(buf, o, len) & 0xfff;
        break;
      case A.EndReason:
        s.endReason = buf[o + len - 1];
        break;
      case A.StartSec:
        if (len <= 4) s.startMs = readUint(buf, o, len) * 1000;
        break;
      case A.EndSec:
        if (len <= 4) s.endMs = readUint(buf, o, len) * 1000;
        break;
      case A.StartMs:
        if (len <= 8) s.startMs = readUint(buf, o, len);
        break;
      case A.EndMs:
        if (len <= 8) s.endMs = readUint(buf, o, len);
        break;
      case A.StartNtp:
        if (len === 8) s.startMs = ntpToMs(buf, o);
        break;
      case A.EndNtp:
        if (len === 8) s.endMs = ntpToMs(buf, o);
        break;
      case A.StartUptime:
        if (len <= 4) s.startUptime = readUint(buf, o, len);
        break;
      case A.EndUptime:
        if (len <= 4) s.endUptime = readUint(buf, o, len);
        break;
      case A.StartDeltaUs:
        if (len <= 4) s.startDeltaUs = readUint(buf, o, len);
        break;
      case A.EndDeltaUs:
        if (len <= 4) s.endDeltaUs = readUint(buf, o, len);
        break;
      case A.InitTimeMs:
        if (len <= 8) s.initTimeMs = readUint(buf, o, len);
        break;
      case A.ObsSec:
        if (len <= 4) s.obsMs = readUint(buf, o, len) * 1000;
        break;
      case A.ObsMs:
        if (len <= 8) s.obsMs = readUint(buf, o, len);
        break;
      case A.SamplingInterval:
        if (len <= 4) s.samplingInterval = readUint(buf, o, len);
        break;
      case A.SamplingPacketInterval:
        if (len <= 4) s.samplingPacketInterval = readUint(buf, o, len);
        break;
      case A.SamplingPacketSpace:
        if (len <= 4) s.samplingPacketSpace = readUint(buf, o, len);
        break;
      case A.SamplerId:
        if (len <= 4) s.samplerId = readUint(buf, o, len);
        break;
      case A.BiflowDirection:
        s.biflowDirection = buf[o + len - 1];
        break;
      default:
        break;
    }
  }

  /** The sampling rate a record states itself (0 when none). */
  private statedRate(): number {
    const s = this.s;
    if (s.samplingInterval > 1) return s.samplingInterval;
    if (s.samplingPacketInterval > 0 && s.samplingPacketSpace > 0) {
      return (s.samplingPacketInterval + s.samplingPacketSpace) / s.samplingPacketInterval;
    }
    return 0;
  }

  private options(dom: DomainState): void {
    const s = this.s;
    this.counts.optionRecords++;
    const rate = this.statedRate();
    if (rate > 0) {
      if (s.samplerId >= 0) dom.bySampler.set(s.samplerId, rate);
      else dom.rate = rate;
    }
    if (!Number.isNaN(s.initTimeMs)) dom.initTimeMs = s.initTimeMs;
  }

  private flow(
    dom: DomainState,
    format: string,
    exportMs: number,
    sysUptime: number,
    origin: MessageOrigin,
    out: Flow[],
  ): void {
    const s = this.s;
    if (s.src === '' || s.dst === '') {
      this.problems.add('netflow-no-addresses', 'data record without source/destination address; skipped', {
        file: origin.file,
        record: origin.record,
      });
      return;
    }
    let rate = this.statedRate();
    if (rate === 0 && s.samplerId >= 0) rate = dom.bySampler.get(s.samplerId) ?? 0;
    if (rate === 0) rate = dom.rate;
    if (rate < 1) rate = 1;
    // Times: absolute forms first, then sysUpTime (v9 header or IPFIX init time), then deltas.
    let start = s.startMs;
    let end = s.endMs;
    if (Number.isNaN(start) && s.startUptime >= 0)
      start = this.uptimeToMs(s.startUptime, sysUptime, exportMs, dom);
    if (Number.isNaN(end) && s.endUptime >= 0) end = this.uptimeToMs(s.endUptime, sysUptime, exportMs, dom);
    if (Number.isNaN(start) && s.startDeltaUs >= 0) start = exportMs - s.startDeltaUs / 1000;
    if (Number.isNaN(end) && s.endDeltaUs >= 0) end = exportMs - s.endDeltaUs / 1000;
    if (Number.isNaN(start)) start = Number.isNaN(s.obsMs) ? (Number.isNaN(end) ? exportMs : end) : s.obsMs;
    if (Number.isNaN(end) || end < start) end = start;
    const f = newFlow(format, origin.file, origin.record);
    f.start = start;
    f.end = end;
    f.proto = Math.max(s.proto, 0);
    let origIsSrc = true;
    // biflowDirection 2 = reverseInitiator: the destination started the conversation.
    if (s.biflowDirection === 2) origIsSrc = false;
    f.origIp = origIsSrc ? s.src : s.dst;
    f.respIp = origIsSrc ? s.dst : s.src;
    f.origPort = origIsSrc ? s.srcPort : s.dstPort;
    f.respPort = origIsSrc ? s.dstPort : s.srcPort;
    f.origPackets = (origIsSrc ? s.packets : s.revPackets) * rate;
    f.origBytes = (origIsSrc ? s.octets : s.revOctets) * rate;
    f.respPackets = (origIsSrc ? s.revPackets : s.packets) * rate;
    f.respBytes = (origIsSrc ? s.revOctets : s.octets) * rate;
    if (f.proto === 6 && s.tcpFlags >= 0) f.tcpFlags = s.tcpFlags & 0xff;
    if (f.proto === 1 || f.proto === 58) {
      let tc = s.icmpTypeCode;
      if (tc < 0 && s.icmpType >= 0) tc = (s.icmpType << 8) | Math.max(s.icmpCode, 0);
      // Exporters without ICMP elements put type*256+code in the destination port.
      if (tc < 0) tc = s.dstPort;
      f.origPort = tc;
      f.respPort = 0;
    }
    if (s.srcMac !== '' && s.srcMac !== '00:00:00:00:00:00') {
      if (origIsSrc) f.origMac = s.srcMac;
      else f.respMac = s.srcMac;
    }
    if (s.dstMac !== '' && s.dstMac !== '00:00:00:00:00:00') {
      if (origIsSrc) f.respMac = s.dstMac;
      else f.origMac = s.dstMac;
    }
    if (s.vlan > 0) f.vlan = s.vlan;
    if (s.endReason > 0) f.endReason = END_REASON[s.endReason];
    out.push(f);
  }

  /** sysUpTime-relative ms → epoch ms: v9 from the header, IPFIX from systemInitTimeMilliseconds. */
  private uptimeToMs(t: number, sysUptime: number, exportMs: number, dom: DomainState): number {
    if (sysUptime >= 0) {
      // Signed 32-bit difference, as nfdump reads v9 (an uptime a little ahead of the header's
      // is taken as clock skew, not as a wrap).
      return exportMs - ((sysUptime - t) | 0);
    }
    const init = Number.isNaN(this.s.initTimeMs) ? dom.initTimeMs : this.s.initTimeMs;
    return Number.isNaN(init) ? Number.NaN : init + t;
  }
}

function isZero(buf: Buffer, from: number, to: number): boolean {
  for (let i = from; i < to; i++) if (buf[i] !== 0) return false;
  return true;
}
