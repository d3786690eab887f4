/**
 * RTP/RTCP over UDP (RFC 3550 §5.1, §6.4): the video a camera sends to an NVR after RTSP SETUP, on
 * ports negotiated in the RTSP exchange (so only content can tell). An RTP flow is recognised on the
 * second packet that carries the same SSRC with a sequence number a few steps on; an RTCP packet
 * (sender/receiver report, SDES, BYE, APP) by its version, type and length field, at once.
 */
import type { FlowMeta } from './flow-meta.js';

/** RTCP packet types 200..204 with a length field that fits the datagram. */
export function looksLikeRtcp(buf: Buffer, off: number, len: number): boolean {
  if (len < 8 || (buf[off] & 0xc0) !== 0x80) return false;
  const pt = buf[off + 1];
  return pt >= 200 && pt <= 204 && (buf.readUInt16BE(off + 2) + 1) * 4 <= len;
}

/**
 * True on the second RTP packet of a stream (same SSRC, sequence 1..16 ahead); the first candidate's
 * SSRC and sequence number are kept in `meta`.
 */
export function confirmsRtp(meta: FlowMeta, buf: Buffer, off: number, len: number): boolean {
  if (len < 12 || (buf[off] & 0xc0) !== 0x80) return false;
  const pt = buf[off + 1] & 0x7f;
  if (!(pt <= 34 || pt >= 96)) return false; // static audio/video types or dynamic ones
  const ssrc = buf.readUInt32BE(off + 8);
  const seq = buf.readUInt16BE(off + 2);
  if (meta.rtpSsrc === ssrc) {
    const step = (seq - meta.rtpSeq) & 0xffff;
    if (step >= 1 && step <= 16) return true;
  }
  meta.rtpSsrc = ssrc;
  meta.rtpSeq = seq;
  return false;
}
