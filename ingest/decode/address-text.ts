/**
 * Address text, the forms model/ uses for every address: dotted IPv4 and RFC 5952 IPv6 (lower case, no
 * leading zeros, the longest run of two or more zero groups as `::`, the first one on a tie, IPv4-mapped
 * as `::ffff:a.b.c.d`), lower-case colon MACs. One module for every reader: the flow table (addresses as
 * 32-bit words), packet metadata and NetFlow/IPFIX (bytes at an offset), enrichment (words).
 *
 * The IPv6 variants fill one reused Uint16Array scratch and share `groupsText`: one call at a time
 * (synchronous), no array per address.
 */

/** Dotted-quad text of an IPv4 address held as an unsigned 32-bit number. */
export function ipv4Text(a: number): string {
  return `${a >>> 24}.${(a >>> 16) & 255}.${(a >>> 8) & 255}.${a & 255}`;
}

/** Dotted-quad text of the 4 bytes at `off`. */
export function ipv4TextAt(buf: Uint8Array, off: number): string {
  return `${buf[off]}.${buf[off + 1]}.${buf[off + 2]}.${buf[off + 3]}`;
}

/** Reused group scratch: one call at a time (synchronous). */
const groups = new Uint16Array(8);

/** RFC 5952 text of an IPv6 address held as four big-endian 32-bit words. */
export function ipv6Text(w0: number, w1: number, w2: number, w3: number): string {
  const g = groups;
  g[0] = w0 >>> 16;
  g[1] = w0 & 0xffff;
  g[2] = w1 >>> 16;
  g[3] = w1 & 0xffff;
  g[4] = w2 >>> 16;
  g[5] = w2 & 0xffff;
  g[6] = w3 >>> 16;
  g[7] = w3 & 0xffff;
  return groupsText(g);
}

/** RFC 5952 text of the 16 bytes at `off`. */
export function ipv6TextAt(buf: Uint8Array, off: number): string {
  const g = groups;
  for (let i = 0; i < 8; i++) g[i] = (buf[off + 2 * i] << 8) | buf[off + 2 * i + 1];
  return groupsText(g);
}

/** RFC 5952 text of eight 16-bit groups. */
function groupsText(g: Uint16Array): string {
  // IPv4-mapped addresses keep their dotted tail (RFC 5952 §5).
  if (g[0] === 0 && g[1] === 0 && g[2] === 0 && g[3] === 0 && g[4] === 0 && g[5] === 0xffff) {
    return `::ffff:${g[6] >>> 8}.${g[6] & 255}.${g[7] >>> 8}.${g[7] & 255}`;
  }
  // The longest run of two or more zero groups becomes "::" (the first one on a tie); a single zero
  // group is never compressed (RFC 5952 §4.2.2).
  let bestStart = -1;
  let bestLen = 1;
  for (let i = 0; i < 8; ) {
    if (g[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && g[j] === 0) j++;
    if (j - i > bestLen) {
      bestStart = i;
      bestLen = j - i;
    }
    i = j;
  }
  let s = '';
  for (let i = 0; i < 8; i++) {
    if (i === bestStart) {
      s += '::';
      i += bestLen - 1;
      continue;
    }
    if (i !== 0 && i !== bestStart + bestLen) s += ':';
    s += g[i].toString(16);
  }
  return s;
}

const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));

/** Lower-case colon form of the 6 bytes at `off`. */
export function macText(buf: Uint8Array, off: number): string {
  return `${HEX[buf[off]]}:${HEX[buf[off + 1]]}:${HEX[buf[off + 2]]}:${HEX[buf[off + 3]]}:${HEX[buf[off + 4]]}:${HEX[buf[off + 5]]}`;
}
