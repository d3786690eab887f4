/**
 * NAT-PMP (RFC 6886, version 0) and PCP (RFC 6887, version 2) on UDP 5351: a device asking the
 * gateway to open an inbound port is evidence worth an alert. Keeps the operation and, for mapping
 * requests, the internal port, e.g. "map-tcp 554", "pcp-map-udp 8000", "external-address".
 */
import { APP_NATPMP, APP_PCP, type FlowMeta } from './flow-meta.js';

/** One datagram. Returns false when done (the first request tells what we want). */
export function inspectNatPmp(meta: FlowMeta, buf: Buffer, off: number, len: number): boolean {
  if (len < 2) return false;
  const version = buf[off];
  const op = buf[off + 1];
  if (version === 0) {
    meta.app = APP_NATPMP;
    if (op === 0) meta.natpmp = 'external-address';
    else if ((op === 1 || op === 2) && len >= 12) {
      meta.natpmp = `${op === 1 ? 'map-udp' : 'map-tcp'} ${buf.readUInt16BE(off + 4)}`;
    } else return true; // a response (op | 128): wait for a request
    return false;
  }
  if (version === 2 && len >= 24) {
    meta.app = APP_PCP;
    if ((op & 0x80) !== 0) return true; // response
    const opcode = op & 0x7f;
    if (opcode === 1 && len >= 60) {
      const proto = buf[off + 36];
      const name = proto === 6 ? 'tcp' : proto === 17 ? 'udp' : `${proto}`;
      meta.natpmp = `pcp-map-${name} ${buf.readUInt16BE(off + 40)}`;
    } else {
      meta.natpmp = opcode === 0 ? 'pcp-announce' : opcode === 2 ? 'pcp-peer' : `pcp-op-${opcode}`;
    }
    return false;
  }
  return false;
}
