/**
 * QUIC Initial packets (RFC 9000 §17.2.2) from the client: removes header protection and decrypts the
 * payload with the version's public initial keys (RFC 9001 §5.2 and §5.4; RFC 9369 §3.3 for QUIC v2;
 * draft-29 salt for the late drafts), collects the CRYPTO frames in offset order and parses the
 * ClientHello for SNI, ALPN and JA4 ('q'). Anything else on UDP 443 that looks like QUIC (other
 * versions, gQUIC) is only counted as QUIC.
 *
 * Cost: one HKDF (4 HMACs) per connection id, one AES-ECB block and one AES-GCM decryption per client
 * Initial, only until the ClientHello is complete (usually the first one or two packets).
 */
import { createCipheriv, createDecipheriv, createHmac } from 'node:crypto';
import { APP_QUIC, type FlowMeta, type QuicCrypto } from './flow-meta.js';
import { parseClientHello } from './tls.js';

export const QUIC_V1 = 0x00000001;
export const QUIC_V2 = 0x6b3343cf;
const SALT_V1 = Buffer.from('38762cf7f55934b34d179ae6a4c80cadccbb7f0a', 'hex');
const SALT_V2 = Buffer.from('0dede3def700a6db819381be6e269dcbf9bd2ed9', 'hex');
const SALT_DRAFT29 = Buffer.from('afbfec289993d24c9e9786f19c6111e04390a899', 'hex');
const SALT_DRAFT23 = Buffer.from('c3eef712c72ebb5a11a7d2432bb46365bef9f502', 'hex');

export const QUIC_DECRYPT_FAILED = 'quic-initial-undecryptable';
export const QUIC_BAD_FRAME = 'quic-bad-frame';

/** Most undecryptable client Initials tried per flow before giving up. */
const MAX_FAILURES = 3;

function saltFor(version: number): Buffer | null {
  if (version === QUIC_V1) return SALT_V1;
  if (version === QUIC_V2) return SALT_V2;
  if (version >>> 8 === 0xff0000) {
    const d = version & 0xff;
    if (d >= 29 && d <= 34) return SALT_DRAFT29;
    if (d >= 23 && d <= 28) return SALT_DRAFT23;
  }
  return null;
}

/** HKDF-Expand-Label (RFC 8446 §7.1) with an empty context, for lengths ≤ 32 (one HMAC block). */
function expandLabel(secret: Buffer, label: string, length: number): Buffer {
  const full = `tls13 ${label}`;
  const info = Buffer.allocUnsafe(4 + full.length + 1);
  info.writeUInt16BE(length, 0);
  info[2] = full.length;
  info.write(full, 3, 'latin1');
  info[3 + full.length] = 0; // empty context
  info[info.length - 1] = 1; // T(1) counter
  return createHmac('sha256', secret).update(info).digest().subarray(0, length);
}

function deriveKeys(state: QuicCrypto, version: number, dcid: Buffer, salt: Buffer): void {
  const initial = createHmac('sha256', salt).update(dcid).digest(); // HKDF-Extract
  const client = expandLabel(initial, 'client in', 32);
  const v2 = version === QUIC_V2;
  state.key = expandLabel(client, v2 ? 'quicv2 key' : 'quic key', 16);
  state.iv = expandLabel(client, v2 ? 'quicv2 iv' : 'quic iv', 12);
  state.hp = expandLabel(client, v2 ? 'quicv2 hp' : 'quic hp', 16);
  state.dcid = dcid;
  state.version = version;
}

/** The client Initial keys for a version and connection id (exported for the RFC test vectors). */
export function clientInitialKeys(
  version: number,
  dcid: Buffer,
): { key: Buffer; iv: Buffer; hp: Buffer } | null {
  const salt = saltFor(version);
  if (salt === null) return null;
  const st = { key: dcid, iv: dcid, hp: dcid, dcid, version, data: dcid, have: dcid, failures: 0 };
  deriveKeys(st, version, dcid, salt);
  return { key: st.key, iv: st.iv, hp: st.hp };
}

/** Variable-length integer (RFC 9000 §16) at `p`: sets `vEnd` past it; -1 if short. */
let vEnd = 0;
function varint(buf: Buffer, p: number, end: number): number {
  if (p >= end) return -1;
  const b = buf[p];
  const n = 1 << (b >> 6);
  if (p + n > end) return -1;
  let v = b & 0x3f;
  for (let i = 1; i < n; i++) v = v * 256 + buf[p + i];
  vEnd = p + n;
  return v;
}

/** True for a QUIC long header (or a gQUIC public header with a version) — for UDP 443 dispatch. */
export function looksLikeQuic(buf: Buffer, off: number, len: number): boolean {
  if (len < 7) return false;
  const b0 = buf[off];
  if ((b0 & 0xc0) === 0xc0) return true; // IETF long header, fixed bit set
  // gQUIC public header with the version flag: 8-byte connection id then 'Q0xx'
  return (b0 & 0x09) === 0x09 && len >= 13 && buf[off + 9] === 0x51;
}

const hdrScratch = Buffer.allocUnsafe(64 + 255 * 2 + 16);
const nonce = Buffer.allocUnsafe(12);

/**
 * One client datagram on a QUIC flow. Returns true while more client Initials could still complete
 * the ClientHello, false when done (ClientHello parsed, not decryptable, or not a known version).
 */
export function inspectQuicClient(
  meta: FlowMeta,
  buf: Buffer,
  off: number,
  len: number,
  budget: number,
  problem: (reason: string) => void,
): boolean {
  meta.app = APP_QUIC;
  const end = off + len;
  let p = off;
  // Coalesced packets (RFC 9000 §12.2): walk long-header packets, decrypt the Initials.
  while (p + 7 <= end) {
    const b0 = buf[p];
    if ((b0 & 0x80) === 0) return true; // short header: 1-RTT, nothing for us in this datagram
    const version = buf.readUInt32BE(p + 1);
    const salt = saltFor(version);
    if (salt === null) return false;
    const type = (b0 >> 4) & 3;
    const isInitial = version === QUIC_V2 ? type === 1 : type === 0;
    let q = p + 5;
    const dcidLen = buf[q];
    if (dcidLen > 20 || q + 1 + dcidLen >= end) return false;
    const dcidStart = q + 1;
    q = dcidStart + dcidLen;
    const scidLen = buf[q];
    if (scidLen > 20) return false;
    q += 1 + scidLen;
    if (isInitial) {
      const tokenLen = varint(buf, q, end);
      if (tokenLen < 0) return false;
      q = vEnd + tokenLen;
    } else if (type === 3 && version !== QUIC_V2) {
      return true; // Retry: no length field; the next Initial uses a new DCID
    }
    const length = varint(buf, q, end);
    if (length < 0) return false;
    const pnOffset = vEnd;
    const pktEnd = pnOffset + length;
    if (pktEnd > end) return false;
    if (isInitial) {
      if (
        !decryptInitial(meta, buf, p, dcidStart, dcidLen, pnOffset, pktEnd, version, salt, budget, problem)
      ) {
        return false;
      }
    }
    p = pktEnd;
  }
  return true;
}

/** True to keep going (more Initials may complete the hello), false when done or hopeless. */
function decryptInitial(
  meta: FlowMeta,
  buf: Buffer,
  pkt: number,
  dcidStart: number,
  dcidLen: number,
  pnOffset: number,
  pktEnd: number,
  version: number,
  salt: Buffer,
  budget: number,
  problem: (reason: string) => void,
): boolean {
  if (pnOffset + 4 + 16 > pktEnd) return true;
  let st = meta.quic;
  const dcid = buf.subarray(dcidStart, dcidStart + dcidLen);
  if (st === null) {
    const size = Math.max(budget, 2048);
    st = {
      dcid,
      version,
      key: dcid,
      iv: dcid,
      hp: dcid,
      data: Buffer.alloc(size),
      have: new Uint8Array(size),
      failures: 0,
    };
    deriveKeys(st, version, Buffer.from(dcid), salt);
    meta.quic = st;
  } else if (st.version !== version || !st.dcid.equals(dcid)) {
    deriveKeys(st, version, Buffer.from(dcid), salt);
  }
  // Header protection (RFC 9001 §5.4): sample 16 bytes at pnOffset + 4.
  const hp = createCipheriv('aes-128-ecb', st.hp, null);
  const mask = hp.update(buf.subarray(pnOffset + 4, pnOffset + 20));
  const hdrLen = pnOffset - pkt;
  const b0 = buf[pkt] ^ (mask[0] & 0x0f);
  const pnLen = (b0 & 3) + 1;
  if (hdrLen + pnLen > hdrScratch.length) return false;
  buf.copy(hdrScratch, 0, pkt, pnOffset + pnLen);
  hdrScratch[0] = b0;
  let pn = 0;
  for (let i = 0; i < pnLen; i++) {
    const v = buf[pnOffset + i] ^ mask[1 + i];
    hdrScratch[hdrLen + i] = v;
    pn = pn * 256 + v;
  }
  st.iv.copy(nonce);
  for (let i = 0; i < 4 && i < pnLen; i++) nonce[11 - i] ^= (pn / 256 ** i) & 0xff;
  const ctStart = pnOffset + pnLen;
  const tagStart = pktEnd - 16;
  if (tagStart < ctStart) return true;
  let plain: Buffer;
  try {
    const d = createDecipheriv('aes-128-gcm', st.key, nonce);
    d.setAAD(hdrScratch.subarray(0, hdrLen + pnLen));
    d.setAuthTag(buf.subarray(tagStart, pktEnd));
    plain = d.update(buf.subarray(ctStart, tagStart));
    d.final(); // throws when the tag does not verify
  } catch {
    st.failures++;
    if (st.failures >= MAX_FAILURES) {
      problem(QUIC_DECRYPT_FAILED);
      return false;
    }
    return true;
  }
  if (!collectCrypto(st, plain)) problem(QUIC_BAD_FRAME);
  return !clientHelloReady(meta, st);
}

/** Places the CRYPTO frames of a decrypted Initial payload. False on a frame we cannot walk. */
function collectCrypto(st: QuicCrypto, f: Buffer): boolean {
  const end = f.length;
  let p = 0;
  while (p < end) {
    const type = f[p];
    if (type === 0x00 || type === 0x01) {
      p++; // PADDING, PING
    } else if (type === 0x02 || type === 0x03) {
      // ACK: largest acknowledged, delay, range count, first range, (gap, length)*, [3 ECN counts]
      let q = p + 1;
      let ranges = 0;
      for (let i = 0; i < 4; i++) {
        const v = varint(f, q, end);
        if (v < 0) return false;
        if (i === 2) ranges = v;
        q = vEnd;
      }
      const extra = ranges * 2 + (type === 0x03 ? 3 : 0);
      if (extra > end) return false;
      for (let i = 0; i < extra; i++) {
        if (varint(f, q, end) < 0) return false;
        q = vEnd;
      }
      p = q;
    } else if (type === 0x06) {
      const offset = varint(f, p + 1, end);
      if (offset < 0) return false;
      const length = varint(f, vEnd, end);
      if (length < 0 || vEnd + length > end) return false;
      const d = vEnd;
      const cap = st.data.length;
      if (offset < cap) {
        const n = Math.min(length, cap - offset);
        f.copy(st.data, offset, d, d + n);
        st.have.fill(1, offset, offset + n);
      }
      p = d + length;
    } else if (type === 0x1c || type === 0x1d) {
      return true; // CONNECTION_CLOSE: nothing more of interest
    } else {
      return false;
    }
  }
  return true;
}

function clientHelloReady(meta: FlowMeta, st: QuicCrypto): boolean {
  const h = st.have;
  if (h[0] !== 1 || h[1] !== 1 || h[2] !== 1 || h[3] !== 1) return false;
  const d = st.data;
  if (d[0] !== 1) return true; // not a ClientHello: give up
  const total = 4 + ((d[1] << 16) | (d[2] << 8) | d[3]);
  if (total > d.length) {
    // Larger than the budget: parse what we have (SNI is usually early), no JA4 guarantee.
    parseClientHello(meta, d, 4, d.length, 'q');
    return true;
  }
  for (let i = 4; i < total; i++) if (h[i] !== 1) return false;
  parseClientHello(meta, d, 4, total, 'q');
  return true;
}
