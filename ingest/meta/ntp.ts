/**
 * NTP (RFC 5905 §7.3): mode of the first packet; stratum and reference id of the first server reply.
 * Control (mode 6) and private (mode 7, the monlist amplification vector) packets are shorter than 48
 * bytes and are recognised by the header byte alone.
 */

import { ipv4TextAt } from '../decode/address-text.js';
import { APP_NTP, type FlowMeta } from './flow-meta.js';
import { wireText } from './wire-text.js';

/** True when the first byte carries NTP version 1..4 and the length fits the mode. */
export function looksLikeNtp(buf: Buffer, off: number, len: number): boolean {
  if (len < 8) return false;
  const b0 = buf[off];
  const version = (b0 >> 3) & 7;
  const mode = b0 & 7;
  if (version < 1 || version > 4 || mode === 0) return false;
  return mode >= 6 ? len >= 8 : len >= 48;
}

/** One NTP datagram. Returns true while a server reply may still tell stratum and refid. */
export function inspectNtp(meta: FlowMeta, buf: Buffer, off: number, len: number): boolean {
  if (!looksLikeNtp(buf, off, len)) return false;
  meta.app = APP_NTP;
  const mode = buf[off] & 7;
  if (meta.ntpMode < 0) meta.ntpMode = mode;
  if ((mode === 4 || mode === 5) && len >= 48 && meta.ntpStratum < 0) {
    const stratum = buf[off + 1];
    meta.ntpStratum = stratum;
    // refid: a 4-character source or kiss code at stratum 0/1, else the upstream IPv4 address (or an
    // IPv6 hash, shown the same way)
    if (stratum <= 1) {
      let e = off + 12;
      while (e < off + 16 && buf[e] !== 0) e++;
      meta.ntpRefId = wireText(buf, off + 12, e);
    } else {
      meta.ntpRefId = ipv4TextAt(buf, off + 12);
    }
    return false;
  }
  return meta.ntpStratum < 0;
}
