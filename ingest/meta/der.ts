/**
 * A minimal DER walk over an X.509 certificate (RFC 5280 §4.1) for the subject and issuer common names
 * (OID 2.5.4.3). Works on a certificate cut short by the inspection budget: the outer SEQUENCEs are only
 * entered, and a Name is read only when it lies wholly in the bytes we have. No allocation but the two
 * strings kept.
 */

import { escapeControls, wireText } from './wire-text.js';

/** Results of the last `readCertNames` call (module scratch: one call at a time). */
export const certNames = { subject: '', issuer: '' };

let hdrLen = 0;
let valLen = 0;

/** Reads the tag+length header at `p`; sets hdrLen/valLen. Returns the tag, or -1 if malformed/short. */
function header(buf: Uint8Array, p: number, end: number): number {
  if (p + 2 > end) return -1;
  const tag = buf[p];
  if ((tag & 0x1f) === 0x1f) return -1; // high tag numbers never appear in these structures
  const l0 = buf[p + 1];
  if (l0 < 0x80) {
    hdrLen = 2;
    valLen = l0;
    return tag;
  }
  const n = l0 & 0x7f;
  if (n === 0 || n > 4 || p + 2 + n > end) return -1; // indefinite length is not DER
  let v = 0;
  for (let i = 0; i < n; i++) v = v * 256 + buf[p + 2 + i];
  hdrLen = 2 + n;
  valLen = v;
  return tag;
}

const SEQUENCE = 0x30;
const SET = 0x31;

/** Finds the CN value in the Name (RDNSequence) at [p, end) (wholly present). '' if none. */
function commonName(buf: Uint8Array, p: number, end: number): string {
  let found = '';
  while (p < end) {
    if (header(buf, p, end) !== SET) return found;
    const setEnd = p + hdrLen + valLen;
    if (setEnd > end) return found;
    let q = p + hdrLen;
    while (q < setEnd) {
      if (header(buf, q, setEnd) !== SEQUENCE) break;
      const atvEnd = q + hdrLen + valLen;
      if (atvEnd > setEnd) break;
      const o = q + hdrLen;
      // 06 03 55 04 03 = OBJECT IDENTIFIER 2.5.4.3 (id-at-commonName)
      if (
        o + 5 <= atvEnd &&
        buf[o] === 0x06 &&
        buf[o + 1] === 0x03 &&
        buf[o + 2] === 0x55 &&
        buf[o + 3] === 0x04 &&
        buf[o + 4] === 0x03
      ) {
        const tag = header(buf, o + 5, atvEnd);
        const v = o + 5 + hdrLen;
        if (tag >= 0 && v + valLen <= atvEnd && found === '') {
          found = stringValue(buf, tag, v, v + valLen);
        }
      }
      q = atvEnd;
    }
    p = setEnd;
  }
  return found;
}

function stringValue(buf: Uint8Array, tag: number, s: number, e: number): string {
  const b = Buffer.from(buf.buffer, buf.byteOffset, buf.byteLength);
  if (tag === 0x1e) {
    // BMPString: UTF-16BE
    let text = '';
    for (let i = s; i + 1 < e; i += 2) text += String.fromCharCode((b[i] << 8) | b[i + 1]);
    return escapeControls(text);
  }
  return wireText(b, s, e); // UTF8String, PrintableString, IA5String, TeletexString (as UTF-8/ASCII)
}
/**
 * Reads subject and issuer CN of the certificate whose DER starts at `p`, with bytes available up to
 * `end` (possibly short of the certificate's end). Fills `certNames`; returns true when the subject
 * Name was wholly present (so the caller need not wait for more bytes).
 */
export function readCertNames(buf: Uint8Array, p: number, end: number): boolean {
  certNames.subject = '';
  certNames.issuer = '';
  // Certificate ::= SEQUENCE { tbsCertificate SEQUENCE { ... } ... }: enter both.
  if (header(buf, p, end) !== SEQUENCE) return false;
  p += hdrLen;
  if (header(buf, p, end) !== SEQUENCE) return false;
  p += hdrLen;
  // [0] EXPLICIT version, optional
  let tag = header(buf, p, end);
  if (tag === 0xa0) {
    p += hdrLen + valLen;
    tag = header(buf, p, end);
  }
  if (tag !== 0x02) return false; // serialNumber INTEGER
  p += hdrLen + valLen;
  if (header(buf, p, end) !== SEQUENCE) return false; // signature AlgorithmIdentifier
  p += hdrLen + valLen;
  if (header(buf, p, end) !== SEQUENCE) return false; // issuer Name
  const issuerEnd = p + hdrLen + valLen;
  if (issuerEnd > end) return false;
  certNames.issuer = commonName(buf, p + hdrLen, issuerEnd);
  p = issuerEnd;
  if (header(buf, p, end) !== SEQUENCE) return false; // validity
  p += hdrLen + valLen;
  if (header(buf, p, end) !== SEQUENCE) return false; // subject Name
  const subjectEnd = p + hdrLen + valLen;
  if (subjectEnd > end) return false;
  certNames.subject = commonName(buf, p + hdrLen, subjectEnd);
  return true;
}
