import type { DnsName, Flow } from '../../../model/index.js';
import { ipFromText } from '../ip-text.js';
import { TCP_FLAG } from '../protocol-names.js';

/**
 * Zeek semantics shared by the TSV and JSON forms (research/anchors.md §3): which log a header is,
 * how `history` letters become TCP flags, how ICMP type/code sit in the port fields, how a dns.log
 * row becomes passive-DNS records.
 */

export type ZeekLogKind = 'conn' | 'dns' | 'ssl' | 'other';

export function kindOfPath(path: string | undefined): ZeekLogKind | undefined {
  if (path === undefined) return undefined;
  if (path === 'conn' || path === 'conn_long' || path === 'open_conn') return 'conn';
  if (path === 'dns') return 'dns';
  if (path === 'ssl') return 'ssl';
  return 'other';
}

/** When there is no #path/_path: guess from the columns. */
export function kindOfFields(has: (name: string) => boolean): ZeekLogKind {
  if (has('conn_state') || (has('orig_pkts') && has('resp_pkts'))) return 'conn';
  if (has('query') && has('qtype')) return 'dns';
  if (has('server_name') && (has('cipher') || has('version'))) return 'ssl';
  return 'other';
}

/**
 * conn.log `history` letters (upper case: originator, lower: responder) → OR of TCP flag bits.
 * s SYN, h SYN+ACK, a ACK, f FIN, r RST; d (payload) says nothing about flags. 0 when none.
 */
const HISTORY_FLAGS = new Uint8Array(128);
for (const [c, v] of [
  ['s', TCP_FLAG.SYN],
  ['h', TCP_FLAG.SYN | TCP_FLAG.ACK],
  ['a', TCP_FLAG.ACK],
  ['f', TCP_FLAG.FIN],
  ['r', TCP_FLAG.RST],
] as const) {
  HISTORY_FLAGS[c.charCodeAt(0)] = v;
  HISTORY_FLAGS[c.toUpperCase().charCodeAt(0)] = v;
}

/** The same, straight from the bytes of a TSV field (no string per record). */
export function historyBytesToTcpFlags(buf: Uint8Array, s: number, e: number): number {
  let v = 0;
  for (let i = s; i < e; i++) {
    const c = buf[i];
    if (c < 128) v |= HISTORY_FLAGS[c];
  }
  return v;
}

export function historyToTcpFlags(history: string): number {
  let v = 0;
  for (let i = 0; i < history.length; i++) {
    const c = history.charCodeAt(i);
    if (c < 128) v |= HISTORY_FLAGS[c];
  }
  return v;
}

/**
 * Zeek logs ICMP with the type in `id.orig_p` and the code in `id.resp_p`, and proto `icmp` for
 * ICMPv6 too. The Flow shape wants type*256+code on the orig side and 0 on the resp side.
 */
export function fixIcmp(f: Flow): void {
  if (f.proto === 1 && f.origIp.includes(':')) f.proto = 58;
  if (f.proto === 1 || f.proto === 58) {
    f.origPort = ((f.origPort & 0xff) << 8) | (f.respPort & 0xff);
    f.respPort = 0;
  }
}

const HOSTNAME_RE =
  /^[A-Za-z0-9_](?:[A-Za-z0-9_-]*[A-Za-z0-9_])?(?:\.[A-Za-z0-9_](?:[A-Za-z0-9_-]*[A-Za-z0-9_])?)*\.?$/;

/** Answers that name an address or a CNAME target; TXT/other rdata is dropped. */
export function usableAnswers(answers: readonly string[]): string[] {
  const out: string[] = [];
  for (const a of answers) {
    if (ipFromText(a) !== undefined || (a.includes('.') && HOSTNAME_RE.test(a))) out.push(a);
  }
  return out;
}

/** A dns.log row → one DnsName per address/CNAME answer. */
export function dnsNames(
  client: string,
  query: string,
  answers: readonly string[],
  ttls: readonly number[],
  tsMs: number,
  sourceFile: string,
): DnsName[] {
  const out: DnsName[] = [];
  for (let i = 0; i < answers.length; i++) {
    const a = answers[i];
    const ip = ipFromText(a);
    let type: string;
    if (ip !== undefined) type = ip.includes(':') ? 'AAAA' : 'A';
    else if (a.includes('.') && HOSTNAME_RE.test(a)) type = 'CNAME';
    else continue;
    const ttl = ttls[i];
    out.push({
      client,
      name: query,
      address: ip ?? a,
      type,
      ttl: Number.isFinite(ttl) ? Math.round(ttl) : 0,
      firstSeen: tsMs,
      lastSeen: tsMs,
      count: 1,
      sourceFormat: 'zeek',
      sourceFile,
    });
  }
  return out;
}

/** Zeek escapes bytes it cannot print (and the separator) as `\xHH`. */
export function unescapeZeek(s: string): string {
  if (!s.includes('\\x')) return s;
  return s.replace(/\\x([0-9a-fA-F]{2})/g, (_, h: string) => String.fromCharCode(Number.parseInt(h, 16)));
}
