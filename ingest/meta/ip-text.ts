/**
 * Address bytes → text, for the few addresses metadata keeps (DNS A/AAAA answers). Dotted IPv4 and
 * RFC 5952 IPv6 (lower case, no leading zeros, the longest run of two or more zero groups as `::`,
 * IPv4-mapped as `::ffff:a.b.c.d`), the forms model/ uses for every address.
 */

export function ipv4Text(buf: Uint8Array, off: number): string {
  return `${buf[off]}.${buf[off + 1]}.${buf[off + 2]}.${buf[off + 3]}`;
}

/** Reused group scratch: one call at a time (synchronous). */
const groups = new Uint16Array(8);

export function ipv6Text(buf: Uint8Array, off: number): string {
  for (let i = 0; i < 8; i++) groups[i] = (buf[off + 2 * i] << 8) | buf[off + 2 * i + 1];
  // ::ffff:a.b.c.d (RFC 5952 §5)
  if (
    groups[0] === 0 &&
    groups[1] === 0 &&
    groups[2] === 0 &&
    groups[3] === 0 &&
    groups[4] === 0 &&
    groups[5] === 0xffff
  ) {
    return `::ffff:${ipv4Text(buf, off + 12)}`;
  }
  let bestStart = -1;
  let bestLen = 1; // a single zero group is never compressed (RFC 5952 §4.2.2)
  for (let i = 0; i < 8; ) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
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
    if (s !== '' && !s.endsWith(':')) s += ':';
    s += groups[i].toString(16);
  }
  return s;
}
