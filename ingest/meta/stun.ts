/**
 * STUN/TURN (RFC 8489 §5, RFC 8656): messages start with two zero bits, a length that is a multiple
 * of 4, and the magic cookie 0x2112A442, on any port. Classic STUN (RFC 3489, no cookie) is accepted
 * on its ports only. The flow keeps the distinct "method-class" pairs seen, e.g.
 * "binding-request,binding-success", "allocate-request,allocate-error".
 */
import { APP_STUN, type FlowMeta } from './flow-meta.js';

export const STUN_MAGIC = 0x2112a442;
/** Most distinct pairs kept on a flow. */
const MAX_PAIRS = 6;

const CLASS_NAMES = ['request', 'indication', 'success', 'error'];
/** STUN/TURN methods by number (RFC 8489 §18.2, RFC 8656 §17, RFC 6062 §6.1). */
const METHOD_NAMES: readonly string[] = [
  '',
  'binding',
  'sharedsecret',
  'allocate',
  'refresh',
  '',
  'send',
  'data',
  'createpermission',
  'channelbind',
  'connect',
  'connectionbind',
  'connectionattempt',
];
/** "method-class" strings made once: PAIR_NAMES[method * 4 + class]. */
const PAIR_NAMES: string[] = [];
for (let m = 0; m < METHOD_NAMES.length; m++) {
  for (let c = 0; c < 4; c++)
    PAIR_NAMES.push(`${METHOD_NAMES[m] || `0x${m.toString(16)}`}-${CLASS_NAMES[c]}`);
}

/** RFC 8489 message with the magic cookie (the length must match a whole UDP datagram or be ≤ it). */
export function looksLikeStun(buf: Buffer, off: number, len: number): boolean {
  if (len < 20 || (buf[off] & 0xc0) !== 0) return false;
  const mlen = buf.readUInt16BE(off + 2);
  return (mlen & 3) === 0 && mlen + 20 <= len && buf.readUInt32BE(off + 4) === STUN_MAGIC;
}

/**
 * RFC 3489 message (no cookie): binding / shared-secret request, response or error whose length is
 * the datagram's and whose attributes (RFC 3489 §11.2: type 1..0x0b or comprehension-optional) tile
 * the body exactly. Strict enough to accept on any port.
 */
export function looksLikeClassicStun(buf: Buffer, off: number, len: number): boolean {
  if (len < 20) return false;
  const type = buf.readUInt16BE(off);
  const mlen = buf.readUInt16BE(off + 2);
  if (
    mlen + 20 !== len ||
    !(
      type === 0x0001 ||
      type === 0x0101 ||
      type === 0x0111 ||
      type === 0x0002 ||
      type === 0x0102 ||
      type === 0x0112
    )
  ) {
    return false;
  }
  const end = off + len;
  let p = off + 20;
  while (p + 4 <= end) {
    const at = buf.readUInt16BE(p);
    if (at === 0 || (at > 0x0b && at < 0x8000)) return false;
    p += 4 + buf.readUInt16BE(p + 2);
  }
  return p === end;
}

/** One STUN message: records its method-class pair. Returns false once enough pairs are kept. */
export function inspectStun(meta: FlowMeta, buf: Buffer, off: number): boolean {
  meta.app = APP_STUN;
  const type = buf.readUInt16BE(off);
  // Class bits C1 (0x100) and C0 (0x010); method in the other 12 bits (RFC 8489 §5).
  const klass = ((type >> 7) & 2) | ((type >> 4) & 1);
  const method = (type & 0x000f) | ((type >> 1) & 0x0070) | ((type >> 2) & 0x0f80);
  const name =
    method < METHOD_NAMES.length
      ? PAIR_NAMES[method * 4 + klass]
      : `0x${method.toString(16)}-${CLASS_NAMES[klass]}`;
  if (meta.stun === '') meta.stun = name;
  else if (meta.stunPairs < MAX_PAIRS && !hasPair(meta.stun, name)) meta.stun += `,${name}`;
  else return meta.stunPairs < MAX_PAIRS;
  meta.stunPairs++;
  return meta.stunPairs < MAX_PAIRS;
}

/** `name` is one of the comma-separated pairs in `list` (no allocation). */
function hasPair(list: string, name: string): boolean {
  let i = list.indexOf(name);
  while (i >= 0) {
    const e = i + name.length;
    if ((i === 0 || list.charCodeAt(i - 1) === 0x2c) && (e === list.length || list.charCodeAt(e) === 0x2c))
      return true;
    i = list.indexOf(name, i + 1);
  }
  return false;
}
