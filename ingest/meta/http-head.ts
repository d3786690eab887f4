/**
 * Request heads of the text protocols that share HTTP's syntax (RFC 9112 §3): HTTP/1.x on any TCP port,
 * RTSP (RFC 7826; camera ↔ NVR video) and SSDP (UPnP discovery, UDP 1900, HTTPU). Reads the request
 * line and the headers camwatch keeps: Host, User-Agent, SOAPAction (UPnP control: AddPortMapping...),
 * and for SSDP ST/NT. Header names are matched from the bytes, case-insensitively; strings are made
 * only for kept values, each capped in length.
 */
import { APP_HTTP, APP_RTSP, APP_SSDP, type FlowMeta } from './flow-meta.js';
import { STREAM_DONE, STREAM_MORE } from './tls.js';
import { wireText } from './wire-text.js';

/** Longest request line / header line looked at; longer lines end the parse (absurd input). */
const MAX_LINE = 4096;
/** Longest value kept (path, user agent...). */
const MAX_VALUE = 512;

export const HTTP_BAD_LINE = 'http-bad-request-line';

const SP = 0x20;
const CR = 0x0d;
const LF = 0x0a;

/** RTSP/1.x or HTTP/1.x at [p, p+8). 1 HTTP, 2 RTSP, 0 neither. */
function versionKind(buf: Buffer, p: number, end: number): number {
  if (p + 7 > end) return 0;
  const a = buf[p];
  if (buf[p + 4] !== 0x2f || buf[p + 5] !== 0x31 || buf[p + 6] !== 0x2e) return 0; // '/1.'
  if (a === 0x48 && buf[p + 1] === 0x54 && buf[p + 2] === 0x54 && buf[p + 3] === 0x50) return 1; // HTTP
  if (a === 0x52 && buf[p + 1] === 0x54 && buf[p + 2] === 0x53 && buf[p + 3] === 0x50) return 2; // RTSP
  return 0;
}

/** Length of the method token at `off` (upper-case letters, '-', '_'; 3..20 chars), 0 if not one. */
function methodLength(buf: Buffer, off: number, end: number): number {
  let p = off;
  while (p < end && p - off <= 20) {
    const c = buf[p];
    if ((c >= 0x41 && c <= 0x5a) || c === 0x2d || c === 0x5f) p++;
    else break;
  }
  const n = p - off;
  return n >= 3 && n <= 20 && p < end && buf[p] === SP ? n : 0;
}

/**
 * Sniffs a request line at the start of a TCP direction: APP_HTTP, APP_RTSP, 0 (not one), or -1 when
 * it starts like one but the line is not complete yet.
 */
export function sniffRequest(buf: Buffer, off: number, len: number): number {
  const end = off + len;
  const m = methodLength(buf, off, end);
  if (m === 0) return 0;
  const lineEnd = findLf(buf, off, Math.min(end, off + MAX_LINE));
  if (lineEnd < 0) return len < MAX_LINE ? -1 : 0;
  let e = lineEnd;
  if (e > off && buf[e - 1] === CR) e--;
  // ... SP target SP VERSION
  if (e - 9 <= off + m) return 0;
  if (buf[e - 9] !== SP) return 0;
  const v = versionKind(buf, e - 8, e);
  return v === 1 ? APP_HTTP : v === 2 ? APP_RTSP : 0;
}

/** True when a direction starts with an HTTP or RTSP status line (a server answering). */
export function looksLikeResponse(buf: Buffer, off: number, len: number): number {
  const v = versionKind(buf, off, off + len);
  return v === 1 ? APP_HTTP : v === 2 ? APP_RTSP : 0;
}

/** First `b` in [from, end), or -1. A plain loop: Buffer.indexOf would scan past `end` (to the end of
 * the reader's chunk) when the byte is absent. */
function findByte(buf: Buffer, b: number, from: number, end: number): number {
  for (let i = from; i < end; i++) if (buf[i] === b) return i;
  return -1;
}

function findLf(buf: Buffer, from: number, end: number): number {
  return findByte(buf, LF, from, end);
}

/** Case-insensitive compare of buf[s, e) with a lower-case ASCII name. */
function nameIs(buf: Buffer, s: number, e: number, name: string): boolean {
  if (e - s !== name.length) return false;
  for (let i = 0; i < name.length; i++) {
    if ((buf[s + i] | 0x20) !== name.charCodeAt(i)) return false;
  }
  return true;
}

function text(buf: Buffer, s: number, e: number): string {
  return wireText(buf, s, Math.min(e, s + MAX_VALUE));
}

/**
 * Parses a request head from the start of a direction (HTTP/RTSP over TCP: STREAM_MORE until the blank
 * line; SSDP: one datagram). Fields already set are kept (the first request of a flow wins).
 * `app` is APP_HTTP, APP_RTSP or APP_SSDP.
 */
export function parseRequestHead(
  meta: FlowMeta,
  buf: Buffer,
  off: number,
  len: number,
  app: number,
  problem: (reason: string) => void,
): number {
  const end = off + len;
  const lineEnd = findLf(buf, off, Math.min(end, off + MAX_LINE));
  if (lineEnd < 0) return len >= MAX_LINE ? STREAM_DONE : STREAM_MORE;
  meta.app = app;
  let e = lineEnd;
  if (e > off && buf[e - 1] === CR) e--;
  // request line, or for SSDP also the status line of a unicast search response
  let ssdpHead = '';
  const sp1 = findByte(buf, SP, off, e);
  if (sp1 < 0) {
    problem(HTTP_BAD_LINE);
    return STREAM_DONE;
  }
  const isResponse = versionKind(buf, off, sp1) !== 0;
  if (isResponse) {
    if (app !== APP_SSDP) return STREAM_DONE;
    ssdpHead = 'RESPONSE';
  } else {
    let sp2 = e - 1;
    while (sp2 > sp1 && buf[sp2] !== SP) sp2--;
    if (sp2 <= sp1 + 1) {
      problem(HTTP_BAD_LINE);
      return STREAM_DONE;
    }
    if (app === APP_SSDP) ssdpHead = text(buf, off, sp1);
    else if (meta.httpMethod === '') {
      // made once: a head spread over segments is parsed again from its start as bytes arrive
      meta.httpMethod = text(buf, off, sp1);
      setTarget(meta, buf, sp1 + 1, sp2);
    }
  }
  // headers
  let p = lineEnd + 1;
  let ssdpTarget = '';
  for (;;) {
    const le = findLf(buf, p, Math.min(end, p + MAX_LINE));
    if (le < 0) {
      if (app === APP_SSDP || end - p >= MAX_LINE) break;
      return STREAM_MORE;
    }
    let ve = le;
    if (ve > p && buf[ve - 1] === CR) ve--;
    if (ve === p) break; // blank line: end of head
    const colon = findByte(buf, 0x3a, p, ve);
    if (colon > p) {
      let ne = colon;
      while (ne > p && (buf[ne - 1] === SP || buf[ne - 1] === 0x09)) ne--;
      let vs = colon + 1;
      while (vs < ve && (buf[vs] === SP || buf[vs] === 0x09)) vs++;
      let vend = ve;
      while (vend > vs && (buf[vend - 1] === SP || buf[vend - 1] === 0x09)) vend--;
      if (nameIs(buf, p, ne, 'host')) {
        if (meta.httpHost === '') meta.httpHost = text(buf, vs, vend);
      } else if (nameIs(buf, p, ne, 'user-agent')) {
        if (meta.httpUserAgent === '') meta.httpUserAgent = text(buf, vs, vend);
      } else if (nameIs(buf, p, ne, 'soapaction')) {
        if (meta.soapAction === '') meta.soapAction = soapAction(buf, vs, vend);
      } else if (app === APP_SSDP && (nameIs(buf, p, ne, 'st') || nameIs(buf, p, ne, 'nt'))) {
        if (ssdpTarget === '') ssdpTarget = text(buf, vs, vend);
      }
    }
    p = le + 1;
  }
  if (app === APP_SSDP && meta.ssdp === '') {
    meta.ssdp = ssdpTarget === '' ? ssdpHead : `${ssdpHead} ${ssdpTarget}`;
  }
  return STREAM_DONE;
}

/** Request target → path; an absolute URI (proxy form, RTSP) also gives the authority as host. */
function setTarget(meta: FlowMeta, buf: Buffer, s: number, e: number): void {
  // scheme://authority/path
  let i = s;
  while (i < e && i - s < 10 && buf[i] !== 0x3a && buf[i] !== 0x2f) i++;
  if (i + 2 < e && buf[i] === 0x3a && buf[i + 1] === 0x2f && buf[i + 2] === 0x2f) {
    const a = i + 3;
    let pe = a;
    while (pe < e && buf[pe] !== 0x2f) pe++;
    let as = a;
    for (let k = a; k < pe; k++) if (buf[k] === 0x40) as = k + 1; // strip userinfo@
    if (meta.httpHost === '' && pe > as) meta.httpHost = text(buf, as, pe);
    meta.httpPath = pe < e ? text(buf, pe, e) : '/';
    return;
  }
  meta.httpPath = text(buf, s, e);
}

/** "urn:schemas-upnp-org:service:WANIPConnection:1#AddPortMapping" → AddPortMapping. */
function soapAction(buf: Buffer, s: number, e: number): string {
  if (e > s && buf[s] === 0x22) s++;
  if (e > s && buf[e - 1] === 0x22) e--;
  for (let k = e - 1; k >= s; k--) {
    if (buf[k] === 0x23) return text(buf, k + 1, e);
  }
  return text(buf, s, e);
}
