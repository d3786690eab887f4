/**
 * TLS handshake metadata (RFC 8446 §4, RFC 5246 §7.4): from the ClientHello the SNI (RFC 6066 §3),
 * ALPN (RFC 7301), the highest version offered (supported_versions, RFC 8446 §4.2.1) and the JA4
 * fingerprint; from a TLS ≤ 1.2 server the first Certificate's subject and issuer CN.
 *
 * Stream functions take the bytes of one direction from its start (a packet view or the flow's carry
 * buffer) and return STREAM_MORE (keep them, call again with more) or STREAM_DONE. A ClientHello split
 * over records or segments is handled by re-reading from the start once more bytes are there; a
 * handshake spread over several records is copied once into a scratch buffer, otherwise read in place.
 */
import { createHash, hash as hashOnce } from 'node:crypto';
import { certNames, readCertNames } from './der.js';
import { APP_TLS, type FlowMeta } from './flow-meta.js';
import { wireText } from './wire-text.js';

export const STREAM_MORE = 0;
export const STREAM_DONE = -1;

export const TLS_BAD_RECORD = 'tls-bad-record';
export const TLS_BAD_CLIENT_HELLO = 'tls-bad-client-hello';

const CT_HANDSHAKE = 22;
const HS_CLIENT_HELLO = 1;
const HS_SERVER_HELLO = 2;
const HS_CERTIFICATE = 11;
const HS_SERVER_HELLO_DONE = 14;

const EXT_SNI = 0x0000;
const EXT_SIG_ALGS = 0x000d;
const EXT_ALPN = 0x0010;
const EXT_SUPPORTED_VERSIONS = 0x002b;

/** Most ALPN values kept on the flow. */
const MAX_ALPN = 8;

/** True for the TLS record header of a handshake record (any TCP port). */
export function looksLikeTlsHandshake(buf: Buffer, off: number, len: number): boolean {
  return len >= 6 && buf[off] === CT_HANDSHAKE && buf[off + 1] === 3 && buf[off + 2] <= 4;
}

/** GREASE values (RFC 8701): 0x?a?a with equal bytes. */
export function isGrease(v: number): boolean {
  return (v & 0x0f0f) === 0x0a0a && v >> 8 === (v & 0xff);
}

// ---------------------------------------------------------------------------------------------
// Handshake bytes from records

/** Handshake bytes of several records are joined here (bounded by the per-direction budget). */
let scratch = Buffer.allocUnsafe(16 * 1024);
/** Result of gatherHandshake: where the handshake bytes are. */
let hsBuf: Buffer = scratch;
let hsOff = 0;
let hsEnd = 0;
/** gatherHandshake saw a record that is not a handshake (ChangeCipherSpec, alert, data). */
let hsClosed = false;

/** Collects the handshake-record payloads at the start of a direction. Returns false on a bad record. */
function gatherHandshake(buf: Buffer, off: number, len: number): boolean {
  const end = off + len;
  hsClosed = false;
  // Fast path: the first record holds everything we have; read in place.
  if (len >= 5 && buf[off] === CT_HANDSHAKE) {
    const recLen = (buf[off + 3] << 8) | buf[off + 4];
    if (off + 5 + recLen >= end) {
      hsBuf = buf;
      hsOff = off + 5;
      hsEnd = Math.min(end, off + 5 + recLen);
      return true;
    }
  }
  if (scratch.length < len) scratch = Buffer.allocUnsafe(len);
  let n = 0;
  let p = off;
  while (p + 5 <= end) {
    const type = buf[p];
    if (type < 20 || type > 24 || buf[p + 1] !== 3) return false;
    if (type !== CT_HANDSHAKE) {
      hsClosed = true;
      break;
    }
    const recLen = (buf[p + 3] << 8) | buf[p + 4];
    const take = Math.min(recLen, end - p - 5);
    buf.copy(scratch, n, p + 5, p + 5 + take);
    n += take;
    p += 5 + recLen;
  }
  hsBuf = scratch;
  hsOff = 0;
  hsEnd = n;
  return true;
}

// ---------------------------------------------------------------------------------------------
// ClientHello

/** Reused lists for one ClientHello (JA4 needs them all; 1024 is far above any real hello). */
const ciphers = new Uint16Array(1024);
const exts = new Uint16Array(1024);
const sigAlgs = new Uint16Array(1024);
let nCiphers = 0;
let nExts = 0;
let nSigAlgs = 0;

/**
 * Client direction of a TLS connection: waits for the whole ClientHello, then fills SNI, ALPN, version
 * and JA4. `problem` receives a reason for a malformed hello.
 */
export function inspectTlsClient(
  meta: FlowMeta,
  buf: Buffer,
  off: number,
  len: number,
  problem: (reason: string) => void,
): number {
  if (!gatherHandshake(buf, off, len)) {
    problem(TLS_BAD_RECORD);
    return STREAM_DONE;
  }
  const have = hsEnd - hsOff;
  if (have < 4) return hsClosed ? STREAM_DONE : STREAM_MORE;
  if (hsBuf[hsOff] !== HS_CLIENT_HELLO) return STREAM_DONE;
  const bodyLen = (hsBuf[hsOff + 1] << 16) | (hsBuf[hsOff + 2] << 8) | hsBuf[hsOff + 3];
  if (have < 4 + bodyLen) return hsClosed ? STREAM_DONE : STREAM_MORE;
  meta.app = APP_TLS;
  if (!parseClientHello(meta, hsBuf, hsOff + 4, hsOff + 4 + bodyLen, 't')) problem(TLS_BAD_CLIENT_HELLO);
  return STREAM_DONE;
}

/**
 * Parses a ClientHello body at [p, end) (after the 4-byte handshake header; for DTLS after the
 * 12-byte one). `proto` is the JA4 transport letter: 't' TLS, 'q' QUIC, 'd' DTLS (which also has
 * a cookie field). Returns false when malformed (fields found before the fault are kept).
 */
export function parseClientHello(
  meta: FlowMeta,
  buf: Buffer,
  p: number,
  end: number,
  proto: string,
): boolean {
  nCiphers = 0;
  nExts = 0;
  nSigAlgs = 0;
  if (p + 35 > end) return false;
  const legacyVersion = buf.readUInt16BE(p);
  p += 34; // version, random
  p += 1 + buf[p]; // session id
  if (proto === 'd') {
    if (p >= end) return false;
    p += 1 + buf[p]; // cookie
  }
  if (p + 2 > end) return false;
  const cLen = buf.readUInt16BE(p);
  p += 2;
  if (p + cLen > end || (cLen & 1) !== 0) return false;
  for (let i = 0; i < cLen; i += 2) {
    const c = buf.readUInt16BE(p + i);
    if (!isGrease(c) && nCiphers < ciphers.length) ciphers[nCiphers++] = c;
  }
  p += cLen;
  if (p >= end) return false;
  p += 1 + buf[p]; // compression methods
  if (p > end) return false;
  let maxVersion = -1;
  let sni = false;
  let alpn: string[] | null = null;
  let firstAlpnStart = -1;
  let firstAlpnLen = 0;
  let ok = true;
  if (p + 2 <= end) {
    const eLen = buf.readUInt16BE(p);
    p += 2;
    const eEnd = Math.min(end, p + eLen);
    if (p + eLen > end) ok = false;
    while (p + 4 <= eEnd) {
      const type = buf.readUInt16BE(p);
      const len = buf.readUInt16BE(p + 2);
      const d = p + 4;
      const dEnd = d + len;
      if (dEnd > eEnd) {
        ok = false;
        break;
      }
      if (!isGrease(type) && nExts < exts.length) exts[nExts++] = type;
      if (type === EXT_SNI) {
        sni = true;
        // server_name_list: u16 length, then (u8 type, u16 len, name)*
        let q = d + 2;
        while (q + 3 <= dEnd) {
          const nameType = buf[q];
          const nLen = buf.readUInt16BE(q + 1);
          if (q + 3 + nLen > dEnd) break;
          if (nameType === 0 && meta.tlsSni === '' && nLen > 0) {
            meta.tlsSni = wireText(buf, q + 3, q + 3 + nLen);
          }
          q += 3 + nLen;
        }
      } else if (type === EXT_ALPN) {
        let q = d + 2;
        while (q < dEnd) {
          const l = buf[q];
          if (q + 1 + l > dEnd) break;
          if (firstAlpnStart < 0) {
            firstAlpnStart = q + 1;
            firstAlpnLen = l;
          }
          if (alpn === null) alpn = [];
          if (alpn.length < MAX_ALPN && l > 0) alpn.push(wireText(buf, q + 1, q + 1 + l));
          q += 1 + l;
        }
      } else if (type === EXT_SUPPORTED_VERSIONS) {
        const l = buf[d];
        for (let q = d + 1; q + 2 <= d + 1 + l && q + 2 <= dEnd; q += 2) {
          const v = buf.readUInt16BE(q);
          if (!isGrease(v) && v > maxVersion) maxVersion = v;
        }
      } else if (type === EXT_SIG_ALGS) {
        const l = buf.readUInt16BE(d);
        for (let q = d + 2; q + 2 <= d + 2 + l && q + 2 <= dEnd; q += 2) {
          const v = buf.readUInt16BE(q);
          if (!isGrease(v) && nSigAlgs < sigAlgs.length) sigAlgs[nSigAlgs++] = v;
        }
      }
      p = dEnd;
    }
  }
  const version = maxVersion >= 0 ? maxVersion : legacyVersion;
  meta.tlsVersion = versionName(version);
  if (alpn !== null && alpn.length > 0) meta.tlsAlpn = alpn;
  // A hello cut short or overrunning its lengths still gives SNI/ALPN, but no fingerprint: JA4 of a
  // partial extension list would name a client that does not exist.
  if (!ok) return false;
  meta.ja4 = ja4(
    proto,
    version,
    sni,
    ciphers.subarray(0, nCiphers),
    exts.subarray(0, nExts),
    sigAlgs.subarray(0, nSigAlgs),
    alpnChars(buf, firstAlpnStart, firstAlpnLen),
  );
  return true;
}

export function versionName(v: number): string {
  switch (v) {
    case 0x0304:
      return 'TLSv1.3';
    case 0x0303:
      return 'TLSv1.2';
    case 0x0302:
      return 'TLSv1.1';
    case 0x0301:
      return 'TLSv1.0';
    case 0x0300:
      return 'SSLv3';
    case 0xfeff:
      return 'DTLSv1.0';
    case 0xfefd:
      return 'DTLSv1.2';
    case 0xfefc:
      return 'DTLSv1.3';
    default:
      return `0x${v.toString(16).padStart(4, '0')}`;
  }
}

// ---------------------------------------------------------------------------------------------
// JA4 (FoxIO, technical_details/JA4.md): a_b_c

function ja4Version(v: number): string {
  switch (v) {
    case 0x0304:
      return '13';
    case 0x0303:
      return '12';
    case 0x0302:
      return '11';
    case 0x0301:
      return '10';
    case 0x0300:
      return 's3';
    case 0x0200:
      return 's2';
    case 0x0100:
      return 's1';
    case 0xfeff:
      return 'd1';
    case 0xfefd:
      return 'd2';
    case 0xfefc:
      return 'd3';
    default:
      return '00';
  }
}

const isAlnum = (c: number): boolean =>
  (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a);
const HEX = '0123456789abcdef';

/**
 * First and last character of the first ALPN value; '00' without ALPN. When either is not
 * alphanumeric, the first and last characters of the value's hex form (JA4 spec, 2024 revision).
 */
export function alpnChars(buf: Buffer, start: number, len: number): string {
  if (start < 0 || len === 0) return '00';
  const f = buf[start];
  const l = buf[start + len - 1];
  if (isAlnum(f) && isAlnum(l)) return String.fromCharCode(f, l);
  return HEX[f >> 4] + HEX[l & 0x0f];
}

const two = (n: number): string => (n > 99 ? '99' : n < 10 ? `0${n}` : `${n}`);

/** SHA-256 in one call where Node has it (20.12+): measurably cheaper than createHash per digest. */
const sha256Hex: (data: Buffer) => string =
  typeof hashOnce === 'function'
    ? (data) => hashOnce('sha256', data, 'hex') as string
    : (data) => createHash('sha256').update(data).digest('hex');

/** The JA4 b/c input text is written here as ASCII (lists sorted in sortScratch): no strings. */
const sortScratch = new Uint16Array(1024);
let hexOut = Buffer.allocUnsafe(8 * 1024);
const HEX_BYTES = Buffer.from(HEX, 'latin1');

/** Writes n values of `list` as comma-separated 4-digit hex at `pos`; returns the new position. */
function writeHexList(list: ArrayLike<number>, n: number, pos: number): number {
  if (hexOut.length < pos + n * 5 + 8) {
    const bigger = Buffer.allocUnsafe((pos + n * 5 + 8) * 2);
    hexOut.copy(bigger, 0, 0, pos);
    hexOut = bigger;
  }
  for (let i = 0; i < n; i++) {
    if (i > 0) hexOut[pos++] = 0x2c;
    const v = list[i];
    hexOut[pos++] = HEX_BYTES[(v >> 12) & 15];
    hexOut[pos++] = HEX_BYTES[(v >> 8) & 15];
    hexOut[pos++] = HEX_BYTES[(v >> 4) & 15];
    hexOut[pos++] = HEX_BYTES[v & 15];
  }
  return pos;
}

function sorted(list: ArrayLike<number>, skipSniAlpn: boolean): Uint16Array {
  let n = 0;
  for (let i = 0; i < list.length && n < sortScratch.length; i++) {
    const v = list[i];
    if (skipSniAlpn && (v === EXT_SNI || v === EXT_ALPN)) continue;
    sortScratch[n++] = v;
  }
  return sortScratch.subarray(0, n).sort();
}

/**
 * JA4 from the parts of a ClientHello (GREASE already removed; `extList` in wire order with SNI/ALPN
 * included, `sigAlgList` in wire order). The inputs are not modified.
 */
export function ja4(
  proto: string,
  version: number,
  sni: boolean,
  cipherList: ArrayLike<number>,
  extList: ArrayLike<number>,
  sigAlgList: ArrayLike<number>,
  alpn: string,
): string {
  const a =
    proto + ja4Version(version) + (sni ? 'd' : 'i') + two(cipherList.length) + two(extList.length) + alpn;
  const cs = sorted(cipherList, false);
  let b = '000000000000';
  if (cs.length > 0) {
    const n = writeHexList(cs, cs.length, 0); // may grow hexOut: take the view after
    b = sha256Hex(hexOut.subarray(0, n)).slice(0, 12);
  }
  // sortScratch is reused for the extensions below: the ciphers are hashed by now
  const es = sorted(extList, true);
  let c = '000000000000';
  if (es.length > 0) {
    let n = writeHexList(es, es.length, 0);
    if (sigAlgList.length > 0) {
      hexOut[n++] = 0x5f; // '_'
      n = writeHexList(sigAlgList, sigAlgList.length, n);
    }
    c = sha256Hex(hexOut.subarray(0, n)).slice(0, 12);
  }
  return `${a}_${b}_${c}`;
}

// ---------------------------------------------------------------------------------------------
// Server side: ServerHello, Certificate (TLS ≤ 1.2 only: 1.3 encrypts the certificate)

/** Server direction: stops at TLS 1.3, at the first certificate's names, or at ServerHelloDone. */
export function inspectTlsServer(
  meta: FlowMeta,
  buf: Buffer,
  off: number,
  len: number,
  problem: (reason: string) => void,
): number {
  if (!gatherHandshake(buf, off, len)) {
    problem(TLS_BAD_RECORD);
    return STREAM_DONE;
  }
  let p = hsOff;
  const end = hsEnd;
  while (p + 4 <= end) {
    const type = hsBuf[p];
    const bodyLen = (hsBuf[p + 1] << 16) | (hsBuf[p + 2] << 8) | hsBuf[p + 3];
    const body = p + 4;
    const bodyEnd = body + bodyLen;
    if (type === HS_SERVER_HELLO) {
      if (bodyEnd > end) break;
      meta.app = APP_TLS;
      if (serverHelloVersion(hsBuf, body, bodyEnd) === 0x0304) return STREAM_DONE;
    } else if (type === HS_CERTIFICATE) {
      // certificate_list<u24>, then the first cert<u24> and its DER
      if (body + 6 > end) break;
      const certLen = (hsBuf[body + 3] << 16) | (hsBuf[body + 4] << 8) | hsBuf[body + 5];
      const cert = body + 6;
      const complete = readCertNames(hsBuf, cert, Math.min(end, cert + certLen));
      if (complete) {
        if (certNames.subject !== '') meta.tlsCertSubject = certNames.subject;
        if (certNames.issuer !== '') meta.tlsCertIssuer = certNames.issuer;
        return STREAM_DONE;
      }
      if (end >= cert + certLen) return STREAM_DONE; // whole certificate here but unreadable
      break;
    } else if (type === HS_SERVER_HELLO_DONE || type === HS_CLIENT_HELLO) {
      return STREAM_DONE;
    }
    if (bodyEnd > end) break;
    p = bodyEnd;
  }
  return hsClosed ? STREAM_DONE : STREAM_MORE;
}

/** The selected version of a ServerHello body (supported_versions wins over legacy_version). */
function serverHelloVersion(buf: Buffer, p: number, end: number): number {
  if (p + 35 > end) return -1;
  const legacy = buf.readUInt16BE(p);
  p += 34;
  p += 1 + buf[p]; // session id
  p += 3; // cipher suite, compression
  if (p + 2 > end) return legacy;
  const eEnd = Math.min(end, p + 2 + buf.readUInt16BE(p));
  p += 2;
  while (p + 4 <= eEnd) {
    const type = buf.readUInt16BE(p);
    const len = buf.readUInt16BE(p + 2);
    if (type === EXT_SUPPORTED_VERSIONS && len === 2 && p + 6 <= eEnd) return buf.readUInt16BE(p + 4);
    p += 4 + len;
  }
  return legacy;
}

// ---------------------------------------------------------------------------------------------
// DTLS (RFC 6347 §4.1, §4.2.2): one ClientHello in one unfragmented record on UDP

/** True for a DTLS handshake record header. */
export function looksLikeDtls(buf: Buffer, off: number, len: number): boolean {
  return len >= 25 && buf[off] === CT_HANDSHAKE && buf[off + 1] === 0xfe;
}

/** One DTLS datagram: a ClientHello sent in one piece fills the TLS fields with JA4 'd'. */
export function inspectDtls(meta: FlowMeta, buf: Buffer, off: number, len: number): boolean {
  const end = off + len;
  const recLen = buf.readUInt16BE(off + 11);
  const rec = off + 13;
  if (rec + recLen > end || recLen < 12) return false;
  if (buf[rec] !== HS_CLIENT_HELLO) return buf[rec] === HS_SERVER_HELLO;
  const msgLen = (buf[rec + 1] << 16) | (buf[rec + 2] << 8) | buf[rec + 3];
  const fragOff = (buf[rec + 6] << 16) | (buf[rec + 7] << 8) | buf[rec + 8];
  const fragLen = (buf[rec + 9] << 16) | (buf[rec + 10] << 8) | buf[rec + 11];
  if (fragOff !== 0 || fragLen !== msgLen || rec + 12 + msgLen > end) return false;
  meta.app = APP_TLS;
  parseClientHello(meta, buf, rec + 12, rec + 12 + msgLen, 'd');
  return true;
}
