/**
 * DNS messages (RFC 1035 §4; mDNS RFC 6762 uses the same format on UDP 5353, LLMNR on 5355).
 * One message per call, read where it lies in the packet. Names become strings only for what is kept:
 * the first query name of a flow and the records that feed passive DNS (A, AAAA, CNAME in any section).
 *
 * Malformed input is reported through the returned reason (a constant string, '' when fine), never
 * thrown. Loops are impossible: a compression pointer must point strictly before the start of the
 * labels it ends, and a name may not exceed 255 octets on the wire (RFC 1035 §2.3.4), which also
 * bounds the label count (≤ 127).
 */
import type { DnsName } from '../../model/dns-name.js';
import { ipv4TextAt, ipv6TextAt } from '../decode/address-text.js';
import { APP_DNS, type FlowMeta, type MetaContext } from './flow-meta.js';
import { escapeControls } from './wire-text.js';

export const DNS_HEADER_LEN = 12;
/** Most records looked at in one message (questions + all sections). */
const MAX_RECORDS = 256;
/** Most values kept in Flow.dnsAnswers. */
const MAX_FLOW_ANSWERS = 32;
const TYPE_A = 1;
const TYPE_CNAME = 5;
const TYPE_AAAA = 28;

export const DNS_SHORT = 'dns-short';
export const DNS_TRUNCATED = 'dns-truncated';
export const DNS_BAD_POINTER = 'dns-bad-pointer';
export const DNS_NAME_TOO_LONG = 'dns-name-too-long';
export const DNS_BAD_LABEL = 'dns-bad-label-type';

/** Name text is assembled here: wire names are ≤ 255 octets, each byte at most 4 text bytes (\DDD). */
const nameScratch = Buffer.allocUnsafe(1024 + 256);
let nameLen = 0;
/** Set by walkName on failure. */
let walkError = '';

/**
 * Walks the name starting at `pos` in the message `[msg, end)`. Returns the offset just after the
 * name as written at `pos` (a pointer ends it), or -1 with `walkError` set. With `write`, the dotted
 * text is left in nameScratch[0, nameLen) ('.' for the root).
 */
function walkName(buf: Buffer, pos: number, msg: number, end: number, write: boolean): number {
  let after = -1;
  let wire = 0;
  nameLen = 0;
  let p = pos;
  // Start of the labels being read: each pointer must jump strictly before it, so it decreases on
  // every jump and the walk always ends (a pointer that is merely backwards can still loop).
  let runStart = pos;
  for (;;) {
    if (p >= end) {
      walkError = DNS_TRUNCATED;
      return -1;
    }
    const b = buf[p];
    if (b === 0) {
      if (after < 0) after = p + 1;
      break;
    }
    const kind = b & 0xc0;
    if (kind === 0xc0) {
      if (p + 1 >= end) {
        walkError = DNS_TRUNCATED;
        return -1;
      }
      const target = msg + (((b & 0x3f) << 8) | buf[p + 1]);
      if (target >= runStart) {
        walkError = DNS_BAD_POINTER;
        return -1;
      }
      if (after < 0) after = p + 2;
      p = target;
      runStart = target;
      continue;
    }
    if (kind !== 0) {
      walkError = DNS_BAD_LABEL; // 0x40 extended / 0x80 reserved label types (RFC 6891 §5)
      return -1;
    }
    wire += b + 1;
    if (wire > 254) {
      walkError = DNS_NAME_TOO_LONG;
      return -1;
    }
    if (p + 1 + b > end) {
      walkError = DNS_TRUNCATED;
      return -1;
    }
    if (write) {
      if (nameLen > 0) nameScratch[nameLen++] = 0x2e;
      for (let k = p + 1; k < p + 1 + b; k++) {
        const c = buf[k];
        if (c >= 0x20 && c !== 0x7f && c !== 0x2e && c !== 0x5c) nameScratch[nameLen++] = c;
        else {
          // RFC 1035 §5.1 master-file escape (as dig prints): \DDD for an ASCII control byte or one
          // that would change the name's meaning ('.' inside a label, '\\'). Bytes ≥ 0x80 stay, for
          // UTF-8 (mDNS instance names): nameText decodes them.
          nameScratch[nameLen++] = 0x5c;
          nameScratch[nameLen++] = 0x30 + ((c / 100) | 0);
          nameScratch[nameLen++] = 0x30 + (((c / 10) | 0) % 10);
          nameScratch[nameLen++] = 0x30 + (c % 10);
        }
      }
    }
    p += 1 + b;
  }
  if (write && nameLen === 0) nameScratch[nameLen++] = 0x2e;
  return after;
}

function nameText(): string {
  for (let i = 0; i < nameLen; i++) {
    if (nameScratch[i] >= 0x80) return escapeControls(nameScratch.toString('utf8', 0, nameLen));
  }
  return nameScratch.toString('latin1', 0, nameLen);
}

/** True when the 12 bytes at `off` could start a DNS message (cheap sniff for port-less dispatch). */
export function looksLikeDns(buf: Buffer, off: number, len: number): boolean {
  if (len < DNS_HEADER_LEN) return false;
  const opcode = (buf[off + 2] >> 3) & 0x0f;
  const qd = buf.readUInt16BE(off + 4);
  return opcode <= 6 && qd <= 16;
}

/**
 * Reads one DNS message at buf[off, off+len). Fills meta.dnsQuery (first question of the flow),
 * meta.dnsAnswers and meta.dnsRcode (responses), and pushes A/AAAA/CNAME records of every section to
 * ctx.names with `client` = getClientIp() (the flow's originator). Returns '' or a problem reason.
 */
export function parseDnsMessage(
  meta: FlowMeta,
  buf: Buffer,
  off: number,
  len: number,
  tsMs: number,
  getClientIp: () => string,
  ctx: MetaContext,
): string {
  if (len < DNS_HEADER_LEN) return DNS_SHORT;
  meta.app = APP_DNS;
  const end = off + len;
  const flags = buf.readUInt16BE(off + 2);
  const isResponse = (flags & 0x8000) !== 0;
  const qd = buf.readUInt16BE(off + 4);
  const an = buf.readUInt16BE(off + 6);
  const ns = buf.readUInt16BE(off + 8);
  const ar = buf.readUInt16BE(off + 10);
  let pos = off + DNS_HEADER_LEN;
  // The question's text is made only when kept: as the flow's first query, or for a response
  // that has a record worth keeping (walked again then, from qPos).
  let qPos = -1;
  let budget = MAX_RECORDS;
  for (let i = 0; i < qd && budget > 0; i++, budget--) {
    const wantText = i === 0 && meta.dnsQuery === '';
    const next = walkName(buf, pos, off, end, wantText);
    if (next < 0) return walkError;
    if (i === 0) qPos = pos;
    if (wantText) meta.dnsQuery = nameText();
    pos = next + 4; // QTYPE, QCLASS
    if (pos > end) return DNS_TRUNCATED;
  }
  if (!isResponse) return '';
  if (meta.dnsRcode < 0) meta.dnsRcode = flags & 0x0f;
  const total = an + ns + ar;
  // The CNAME chain from the question: addresses reached through it are named by the question.
  let chain: string[] | null = null;
  let qname: string | null = null;
  let qLower = '';
  for (let i = 0; i < total && budget > 0; i++, budget--) {
    const ownerPos = pos;
    const next = walkName(buf, pos, off, end, false);
    if (next < 0) return walkError;
    if (next + 10 > end) return DNS_TRUNCATED;
    const type = buf.readUInt16BE(next);
    const klass = buf.readUInt16BE(next + 2) & 0x7fff; // mDNS cache-flush bit
    const ttl = buf.readUInt32BE(next + 4);
    const rdlen = buf.readUInt16BE(next + 8);
    const rdata = next + 10;
    pos = rdata + rdlen;
    if (pos > end) return DNS_TRUNCATED;
    if (klass !== 1 && klass !== 255) continue;
    let value: string;
    let typeName: string;
    if (type === TYPE_A && rdlen === 4) {
      value = ipv4TextAt(buf, rdata);
      typeName = 'A';
    } else if (type === TYPE_AAAA && rdlen === 16) {
      value = ipv6TextAt(buf, rdata);
      typeName = 'AAAA';
    } else if (type === TYPE_CNAME) {
      if (walkName(buf, rdata, off, rdata + rdlen, true) < 0) return walkError;
      value = nameText();
      typeName = 'CNAME';
    } else {
      continue;
    }
    if (qname === null) {
      qname = qPos >= 0 && walkName(buf, qPos, off, end, true) >= 0 ? nameText() : '';
      qLower = qname.toLowerCase();
    }
    walkName(buf, ownerPos, off, end, true);
    const owner = nameText();
    const ownerLower = owner.toLowerCase();
    const inChain = qLower !== '' && (ownerLower === qLower || chain?.includes(ownerLower) === true);
    if (typeName === 'CNAME' && inChain) {
      if (chain === null) chain = [];
      chain.push(value.toLowerCase());
    }
    if (i < an) {
      let answers = meta.dnsAnswers;
      if (answers === null) {
        answers = [];
        meta.dnsAnswers = answers;
      }
      if (answers.length < MAX_FLOW_ANSWERS && !answers.includes(value)) answers.push(value);
    }
    const obs: DnsName = {
      client: getClientIp(),
      name: inChain && typeName !== 'CNAME' ? qname : owner,
      address: value,
      type: typeName,
      ttl,
      firstSeen: tsMs,
      lastSeen: tsMs,
      count: 1,
      sourceFormat: ctx.format ?? 'pcap',
      sourceFile: ctx.file,
      ingestId: ctx.ingestId,
    };
    ctx.names.push(obs);
  }
  return '';
}
