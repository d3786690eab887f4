import { createHash } from 'node:crypto';

/**
 * Community ID v1 (https://github.com/corelight/community-id-spec): base64 of the SHA-1 over
 * seed, ordered addresses, protocol, a zero pad byte and the ordered ports. Addresses come as
 * four big-endian words (IPv4 in w0 with `v6` false). ICMP ports are the type and its counterpart
 * (or code), as the decoder sets them; `oneWay` ICMP messages are never reordered.
 */
const scratch = Buffer.alloc(2 + 16 + 16 + 2 + 4);

export function communityId(
  v6: boolean,
  proto: number,
  s: Uint32Array | number[],
  sOff: number,
  sPort: number,
  d: Uint32Array | number[],
  dOff: number,
  dPort: number,
  hasPorts: boolean,
  oneWay = false,
  seed = 0,
): string {
  const words = v6 ? 4 : 1;
  let swap = false;
  if (!oneWay) {
    let cmp = 0;
    for (let i = 0; i < words && cmp === 0; i++) cmp = (s[sOff + i] >>> 0) - (d[dOff + i] >>> 0);
    swap = cmp > 0 || (cmp === 0 && hasPorts && sPort > dPort);
  }
  const aOff = swap ? dOff : sOff;
  const bOff = swap ? sOff : dOff;
  const a = swap ? d : s;
  const b = swap ? s : d;
  let o = scratch.writeUInt16BE(seed, 0);
  for (let i = 0; i < words; i++) o = scratch.writeUInt32BE(a[aOff + i] >>> 0, o);
  for (let i = 0; i < words; i++) o = scratch.writeUInt32BE(b[bOff + i] >>> 0, o);
  scratch[o++] = proto;
  scratch[o++] = 0;
  if (hasPorts) {
    o = scratch.writeUInt16BE(swap ? dPort : sPort, o);
    o = scratch.writeUInt16BE(swap ? sPort : dPort, o);
  }
  return `1:${createHash('sha1').update(scratch.subarray(0, o)).digest('base64')}`;
}
