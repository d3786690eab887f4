/**
 * Application metadata: names and protocol facts from the first bytes of each flow (DNS, TLS/JA4,
 * QUIC, HTTP, RTSP, SSDP, WS-Discovery, STUN/TURN, NTP, NAT-PMP/PCP, RTP); README.md beside it has
 * the design. The flow table calls `inspect` for each packet that carries payload until it returns
 * false, then `finish` when it emits the flow.
 *
 * Dispatch is by port AND by content: a TLS handshake record or an HTTP/RTSP request line on any TCP
 * port, STUN's magic cookie or a padded QUIC v1/v2 Initial on any UDP port; DNS (53, 5353, 5355), NTP
 * (123), SSDP (1900), NAT-PMP/PCP (5351), QUIC/gQUIC (443), RTSP (554, 8554) by port; RTP/RTCP
 * media by content (two packets of one SSRC, or an RTCP report). A flow that shows nothing known in
 * its first MAX_SNIFF payload packets is given up.
 *
 * Cost bound: at most `maxBytesPerFlow` payload bytes per direction are looked at (UDP message
 * protocols: at most `maxMessagesPerFlow` datagrams), so payload work is a small bounded cost per flow.
 * Per packet nothing is allocated until a value is kept; the only copies are a per-direction carry
 * buffer (made when a TCP message spans segments, at most the budget, dropped when the direction is
 * done) and the QUIC CRYPTO buffer.
 *
 * Bad input is counted in `ctx.problems` by reason (dns-bad-pointer, tls-bad-record, ...), never thrown.
 *
 * The interface (refined from the first sketch; it is the flow table's PayloadInspector<FlowMeta>):
 * - `create()` makes the per-flow state (also exported as `createFlowMeta()`); the table calls it on a
 *   flow's first payload packet, so flows without payload cost nothing.
 * - `getClientIp()` is the flow originator's address: the DNS client in the usual case. When the
 *   originator itself answers (mDNS announcements to the multicast group, a capture that starts
 *   mid-flow) the observation names the responder as client.
 * - `MetaContext` gained optional `format`, `ingestId` (copied into DnsName) and `record` (the current
 *   packet number, which the caller keeps up to date so problems say where).
 * - `MetaOptions.maxMessagesPerFlow` bounds UDP message protocols (DNS, STUN, QUIC...) by datagrams.
 * - Limitation: TCP segments are taken in capture order (no sequence numbers are passed); an exact
 *   retransmission is skipped, but a reordered segment inside the first bytes spoils that direction.
 */
import type { PayloadInspector } from '../flow/flow-table.js';
import { parseDnsMessage } from './dns.js';
import {
  APP_DNS,
  APP_HTTP,
  APP_NAMES,
  APP_NATPMP,
  APP_NONE,
  APP_NTP,
  APP_PCP,
  APP_QUIC,
  APP_RTP,
  APP_RTSP,
  APP_SSDP,
  APP_STUN,
  APP_TLS,
  APP_UNKNOWN,
  APP_WSD,
  createFlowMeta,
  DIR_DONE,
  type FlowMeta,
  type MetaContext,
} from './flow-meta.js';
import { looksLikeResponse, parseRequestHead, sniffRequest } from './http-head.js';
import { inspectNatPmp } from './natpmp.js';
import { inspectNtp, looksLikeNtp } from './ntp.js';
import { inspectQuicClient, looksLikeQuic, QUIC_V1, QUIC_V2 } from './quic.js';
import { confirmsRtp, looksLikeRtcp } from './rtp.js';
import { inspectStun, looksLikeClassicStun, looksLikeStun } from './stun.js';
import {
  inspectDtls,
  inspectTlsClient,
  inspectTlsServer,
  looksLikeDtls,
  looksLikeTlsHandshake,
  STREAM_DONE,
  STREAM_MORE,
} from './tls.js';

export { APP_NAMES, createFlowMeta, FlowMeta, type MetaContext } from './flow-meta.js';
export { mergeDnsNames } from './passive-dns.js';
export { ja4 } from './tls.js';

export interface MetaOptions {
  /** Payload bytes looked at per direction of a flow (default 4096). */
  maxBytesPerFlow: number;
  /** Datagrams looked at per UDP flow for message protocols (DNS, STUN, NTP...; default 64). */
  maxMessagesPerFlow?: number;
}

export const DEFAULT_META_OPTIONS: Required<MetaOptions> = { maxBytesPerFlow: 4096, maxMessagesPerFlow: 64 };

/** What the flow table calls (its `PayloadInspector`, declared there), over this folder's FlowMeta. */
export type MetaInspector = PayloadInspector<FlowMeta>;

/** Payload packets looked at before a flow is given up as unknown. */
const MAX_SNIFF = 4;

/** What each problem reason means (the detail text in the problem log). */
const PROBLEM_DETAIL: Record<string, string> = {
  'dns-short': 'DNS message shorter than its 12-byte header',
  'dns-truncated': 'DNS message ends inside a name or record',
  'dns-bad-pointer': 'DNS compression pointer forward, to itself, past the end or looping',
  'dns-name-too-long': 'DNS name longer than 255 octets (or over 127 labels)',
  'dns-bad-label-type': 'DNS label with reserved type bits 01/10',
  'tls-bad-record': 'TLS record header with an unknown content type or version',
  'tls-bad-client-hello': 'TLS ClientHello fields overrun their lengths',
  'quic-initial-undecryptable': 'QUIC client Initials did not decrypt with the version initial keys',
  'quic-bad-frame': 'QUIC Initial payload with an unknown or truncated frame',
  'http-bad-request-line': 'HTTP/RTSP request line without method, target and version',
};

const isDnsPort = (p: number): boolean => p === 53 || p === 5353 || p === 5355;

export function createMetaInspector(opts: MetaOptions, ctx: MetaContext): MetaInspector {
  const maxBytes = Math.max(64, opts.maxBytesPerFlow || DEFAULT_META_OPTIONS.maxBytesPerFlow);
  const maxMessages = opts.maxMessagesPerFlow ?? DEFAULT_META_OPTIONS.maxMessagesPerFlow;
  const problem = (reason: string): void => {
    ctx.problems.add(reason, PROBLEM_DETAIL[reason] ?? reason, { file: ctx.file, record: ctx.record });
  };

  /** Classifies the first UDP payloads of a flow (RTP needs two: `meta` keeps the first). */
  function classifyUdp(
    meta: FlowMeta,
    sp: number,
    dp: number,
    buf: Buffer,
    off: number,
    len: number,
  ): number {
    if (isDnsPort(sp) || isDnsPort(dp)) return APP_DNS; // malformed messages are counted, not skipped
    if ((sp === 123 || dp === 123) && looksLikeNtp(buf, off, len)) return APP_NTP;
    if (sp === 1900 || dp === 1900) {
      const c = len > 0 ? buf[off] : 0;
      if (c >= 0x41 && c <= 0x5a) return APP_SSDP;
    }
    if (sp === 5351 || dp === 5351) return len >= 2 && buf[off] === 2 ? APP_PCP : APP_NATPMP;
    if (looksLikeStun(buf, off, len)) return APP_STUN;
    if ((sp === 443 || dp === 443) && looksLikeQuic(buf, off, len)) return APP_QUIC;
    // A client Initial on another port: long header, v1/v2, padded to ≥ 1200 bytes (RFC 9000 §14.1).
    if (len >= 1200 && (buf[off] & 0xc0) === 0xc0) {
      const v = buf.readUInt32BE(off + 1);
      if (v === QUIC_V1 || v === QUIC_V2) return APP_QUIC;
    }
    if (looksLikeDtls(buf, off, len)) return APP_TLS;
    if (looksLikeClassicStun(buf, off, len)) return APP_STUN;
    // HTTPU request (M-SEARCH * HTTP/1.1, NOTIFY ...) on another port: SSDP-style discovery
    if (sniffRequest(buf, off, len) === APP_HTTP) return APP_SSDP;
    if ((sp === 3702 || dp === 3702) && len > 0 && buf[off] === 0x3c) return APP_WSD; // '<' of the SOAP XML
    if (looksLikeRtcp(buf, off, len) || confirmsRtp(meta, buf, off, len)) return APP_RTP;
    return APP_NONE;
  }

  function udp(
    meta: FlowMeta,
    sp: number,
    dp: number,
    fromOrig: boolean,
    buf: Buffer,
    off: number,
    len: number,
    tsMs: number,
    getClientIp: () => string,
  ): boolean {
    let app = meta.app;
    if (app === APP_NONE) {
      app = classifyUdp(meta, sp, dp, buf, off, len);
      if (app === APP_NONE) {
        if (++meta.sniffed >= MAX_SNIFF) {
          meta.app = APP_UNKNOWN;
          return false;
        }
        return true;
      }
      meta.app = app;
    }
    if (++meta.messages > maxMessages) return false;
    switch (app) {
      case APP_DNS: {
        const reason = parseDnsMessage(meta, buf, off, len, tsMs, getClientIp, ctx);
        if (reason !== '') problem(reason);
        return true;
      }
      case APP_NTP:
        return inspectNtp(meta, buf, off, len);
      case APP_SSDP:
        parseRequestHead(meta, buf, off, len, APP_SSDP, problem);
        return meta.ssdp === '';
      case APP_NATPMP:
      case APP_PCP:
        return inspectNatPmp(meta, buf, off, len);
      case APP_STUN:
        if (looksLikeStun(buf, off, len) || looksLikeClassicStun(buf, off, len)) {
          return inspectStun(meta, buf, off);
        }
        return true; // media or DTLS between STUN checks
      case APP_QUIC: {
        // The client is the side sending to 443, or the originator when neither port is 443.
        const fromClient = dp === 443 || (sp !== 443 && fromOrig);
        if (!fromClient) return true;
        if (len < 7 || (buf[off] & 0xc0) !== 0xc0) return meta.quic === null && meta.messages < 8;
        const more = inspectQuicClient(meta, buf, off, len, maxBytes, problem);
        if (!more) meta.quic = null; // drop the CRYPTO buffer
        return more;
      }
      case APP_TLS:
        if (!looksLikeDtls(buf, off, len)) return true;
        return !(inspectDtls(meta, buf, off, len) && meta.ja4 !== '');
      default:
        return false; // WS-Discovery, RTP: recognising them is all
    }
  }

  /** A direction of a CONNECT tunnel: skip the proxy's response head, then read TLS. */
  function tunnelHandler(meta: FlowMeta, buf: Buffer, off: number, len: number): number {
    if (looksLikeResponse(buf, off, len) !== 0) {
      const n = headLength(buf, off, len);
      return n === 0 ? STREAM_MORE : n;
    }
    if (len < 6) return STREAM_MORE;
    if (!looksLikeTlsHandshake(buf, off, len)) return STREAM_DONE;
    if (buf[off + 5] === 1) return inspectTlsClient(meta, buf, off, len, problem);
    if (buf[off + 5] === 2) return inspectTlsServer(meta, buf, off, len, problem);
    return STREAM_DONE;
  }

  /** Classifies the first TCP payload of a flow (either direction). */
  function classifyTcp(sp: number, dp: number, buf: Buffer, off: number, len: number): number {
    if (looksLikeTlsHandshake(buf, off, len)) return APP_TLS;
    const req = sniffRequest(buf, off, len);
    if (req > 0) return req;
    const rtspPort = sp === 554 || dp === 554 || sp === 8554 || dp === 8554;
    if (req < 0) return rtspPort ? APP_RTSP : APP_HTTP;
    const resp = looksLikeResponse(buf, off, len);
    if (resp > 0) return resp;
    if ((isDnsPort(sp) || isDnsPort(dp)) && len >= 2) return APP_DNS;
    if (rtspPort) return APP_RTSP;
    if (looksLikeStun(buf, off, len)) return APP_STUN;
    return APP_NONE;
  }

  /**
   * The parser of one TCP direction, given the direction's bytes from its start. Returns the number
   * of bytes consumed (kept no longer) or STREAM_DONE.
   */
  function tcpHandler(
    meta: FlowMeta,
    buf: Buffer,
    off: number,
    len: number,
    tsMs: number,
    getClientIp: () => string,
  ): number {
    switch (meta.app) {
      case APP_TLS:
        if (len < 6) return STREAM_MORE;
        if (buf[off] !== 22) return STREAM_DONE;
        if (buf[off + 5] === 1) return inspectTlsClient(meta, buf, off, len, problem);
        if (buf[off + 5] === 2) return inspectTlsServer(meta, buf, off, len, problem);
        return STREAM_DONE;
      case APP_HTTP:
      case APP_RTSP:
        if (meta.tunnel === 1) return tunnelHandler(meta, buf, off, len);
        if (looksLikeResponse(buf, off, len) !== 0) return STREAM_DONE;
        if (len < 8) return STREAM_MORE;
        if (sniffRequest(buf, off, len) === 0 && meta.httpMethod === '') {
          // Not a request line (e.g. RTSP interleaved data): nothing for us in this direction.
          return findsLineEnd(buf, off, len) ? STREAM_DONE : STREAM_MORE;
        }
        {
          const r = parseRequestHead(meta, buf, off, len, meta.app, problem);
          if (r === STREAM_DONE && meta.httpMethod === 'CONNECT' && meta.tunnel === 0) {
            // A proxy tunnel: after the heads both sides speak TLS (RFC 9110 §9.3.6).
            meta.tunnel = 1;
            return headLength(buf, off, len);
          }
          return r;
        }
      case APP_DNS: {
        // RFC 1035 §4.2.2: each message prefixed by a 2-byte length
        let p = off;
        const end = off + len;
        while (p + 2 <= end) {
          const mlen = buf.readUInt16BE(p);
          if (p + 2 + mlen > end) break;
          if (++meta.messages > maxMessages) return STREAM_DONE;
          const reason = parseDnsMessage(meta, buf, p + 2, mlen, tsMs, getClientIp, ctx);
          if (reason !== '') problem(reason);
          p += 2 + mlen;
        }
        return p - off;
      }
      case APP_STUN:
        if (looksLikeStun(buf, off, len)) inspectStun(meta, buf, off);
        return STREAM_DONE;
      default:
        return STREAM_DONE;
    }
  }

  function tcp(
    meta: FlowMeta,
    sp: number,
    dp: number,
    fromOrig: boolean,
    buf: Buffer,
    off: number,
    len: number,
    tsMs: number,
    getClientIp: () => string,
  ): boolean {
    if (meta.app === APP_NONE) {
      const app = classifyTcp(sp, dp, buf, off, len);
      if (app === APP_NONE) {
        if (++meta.sniffed >= MAX_SNIFF) {
          meta.app = APP_UNKNOWN;
          return false;
        }
        return true;
      }
      meta.app = app;
    }
    if ((fromOrig ? meta.origState : meta.respState) !== DIR_DONE) {
      feed(meta, fromOrig, buf, off, len, tsMs, getClientIp);
    }
    return meta.origState !== DIR_DONE || meta.respState !== DIR_DONE;
  }

  /**
   * A carry buffer holding at least `need` bytes (keeping the first `keep`). Grows by doubling from
   * 1 KiB up to the budget: sizes under 4 KiB come from Node's shared pool, while a budget-sized
   * buffer per direction (a fresh 4 KiB ArrayBuffer each) made TLS flows several times slower.
   */
  function ensureCarry(carry: Buffer | null, keep: number, need: number): Buffer {
    if (carry !== null && carry.length >= need) return carry;
    let size = carry === null ? 1024 : carry.length * 2;
    while (size < need) size *= 2;
    const next = Buffer.allocUnsafe(Math.min(size, maxBytes));
    if (carry !== null && keep > 0) carry.copy(next, 0, 0, keep);
    return next;
  }

  /** Runs a direction's handler over the packet view, or over its carry when earlier bytes wait. */
  function feed(
    meta: FlowMeta,
    fromOrig: boolean,
    buf: Buffer,
    off: number,
    len: number,
    tsMs: number,
    getClientIp: () => string,
  ): void {
    // A segment equal to the previous one of this direction (same length, same first and last four
    // bytes) is taken for a retransmission and skipped: appended twice it would corrupt the carry.
    // (No sequence numbers reach us; this catches the common case of a resent first segment.)
    const sig = segmentSignature(buf, off, len);
    if (fromOrig) {
      if (len === meta.origLastLen && sig === meta.origLastSig) return;
      meta.origLastLen = len;
      meta.origLastSig = sig;
    } else {
      if (len === meta.respLastLen && sig === meta.respLastSig) return;
      meta.respLastLen = len;
      meta.respLastSig = sig;
    }
    const used = fromOrig ? meta.origBytes : meta.respBytes;
    const take = Math.min(len, maxBytes - used);
    let carry = fromOrig ? meta.origCarry : meta.respCarry;
    let clen = fromOrig ? meta.origCarryLen : meta.respCarryLen;
    let done = take <= 0;
    if (!done) {
      let r: number;
      if (clen === 0) {
        r = tcpHandler(meta, buf, off, take, tsMs, getClientIp);
        if (r >= 0 && r < take) {
          carry = ensureCarry(carry, 0, take - r);
          buf.copy(carry, 0, off + r, off + take);
          clen = take - r;
        }
      } else {
        carry = ensureCarry(carry, clen, clen + take);
        buf.copy(carry, clen, off, off + take);
        clen += take;
        r = tcpHandler(meta, carry, 0, clen, tsMs, getClientIp);
        if (r > 0) {
          carry.copyWithin(0, r, clen);
          clen -= r;
        }
      }
      done = r === STREAM_DONE || used + take >= maxBytes;
    }
    if (done) {
      carry = null;
      clen = 0;
    }
    if (fromOrig) {
      meta.origBytes = used + Math.max(take, 0);
      meta.origCarry = carry;
      meta.origCarryLen = clen;
      if (done) meta.origState = DIR_DONE;
    } else {
      meta.respBytes = used + Math.max(take, 0);
      meta.respCarry = carry;
      meta.respCarryLen = clen;
      if (done) meta.respState = DIR_DONE;
    }
  }

  return {
    create: createFlowMeta,
    inspect(meta, proto, srcPort, dstPort, fromOrig, buf, off, len, tsMs, getClientIp) {
      if (meta.app === APP_UNKNOWN || len <= 0) return meta.app !== APP_UNKNOWN;
      if (proto === 17) return udp(meta, srcPort, dstPort, fromOrig, buf, off, len, tsMs, getClientIp);
      if (proto === 6) return tcp(meta, srcPort, dstPort, fromOrig, buf, off, len, tsMs, getClientIp);
      return false;
    },
    finish(meta, flow) {
      const app = APP_NAMES[meta.app];
      if (app !== '') flow.appProto = app;
      if (meta.dnsQuery !== '') flow.dnsQuery = meta.dnsQuery;
      if (meta.dnsAnswers !== null) flow.dnsAnswers = meta.dnsAnswers;
      if (meta.tlsSni !== '') flow.tlsSni = meta.tlsSni;
      if (meta.tlsAlpn !== null) flow.tlsAlpn = meta.tlsAlpn;
      if (meta.tlsVersion !== '') flow.tlsVersion = meta.tlsVersion;
      if (meta.ja4 !== '') flow.ja4 = meta.ja4;
      if (meta.tlsCertSubject !== '') flow.tlsCertSubject = meta.tlsCertSubject;
      if (meta.tlsCertIssuer !== '') flow.tlsCertIssuer = meta.tlsCertIssuer;
      if (meta.httpHost !== '') flow.httpHost = meta.httpHost;
      if (meta.httpUserAgent !== '') flow.httpUserAgent = meta.httpUserAgent;
      if (meta.httpMethod !== '') flow.httpMethod = meta.httpMethod;
      if (meta.httpPath !== '') flow.httpPath = meta.httpPath;
      if (meta.soapAction !== '') flow.soapAction = meta.soapAction;
      if (meta.ntpMode >= 0) flow.ntpMode = meta.ntpMode;
      if (meta.ssdp !== '') flow.ssdp = meta.ssdp;
      if (meta.stun !== '') flow.stun = meta.stun;
    },
  };
}

/** First and last four bytes mixed (shorter segments: all bytes), for retransmission checks. */
function segmentSignature(buf: Buffer, off: number, len: number): number {
  if (len >= 8) return (buf.readUInt32BE(off) ^ Math.imul(buf.readUInt32BE(off + len - 4), 0x9e3779b1)) >>> 0;
  let h = 0;
  for (let i = 0; i < len; i++) h = (Math.imul(h, 31) + buf[off + i]) >>> 0;
  return h;
}

/** Bytes up to and including the blank line ending a head at `off`, 0 when not there yet. */
function headLength(buf: Buffer, off: number, len: number): number {
  const end = off + len;
  for (let i = off; i + 1 < end; i++) {
    if (
      buf[i] === 0x0a &&
      (buf[i + 1] === 0x0a || (buf[i + 1] === 0x0d && i + 2 < end && buf[i + 2] === 0x0a))
    ) {
      return i + (buf[i + 1] === 0x0a ? 2 : 3) - off;
    }
  }
  return 0;
}

function findsLineEnd(buf: Buffer, off: number, len: number): boolean {
  const end = Math.min(off + len, off + 4096);
  for (let i = off; i < end; i++) if (buf[i] === 0x0a) return true;
  return len >= 4096;
}
