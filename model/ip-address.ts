/**
 * IP address text → numbers: the one parser every stage uses (enrichment, Community ID, rule matching,
 * the store's Native block writer; the flow-log readers check their fields against it).
 *
 * The rule, the same as `inet_pton` and Node's `net.isIP`:
 * - IPv4 is exactly four decimal octets 0–255 separated by dots, with no leading zeros (`010.1.2.3` is
 *   octal to `inet_aton` and decimal to others, so it is refused), no shorthand (`1.2.3`), no spaces.
 * - IPv6 is the RFC 4291 §2.2 text: eight groups of 1–4 hex digits (either case), one optional `::`,
 *   and an optional dotted IPv4 (same IPv4 rule) as the last 32 bits — so IPv4-mapped (`::ffff:a.b.c.d`)
 *   and other embedded forms (`::a.b.c.d`, `64:ff9b::a.b.c.d`) parse. A `%zone` suffix of letters,
 *   digits, `-`, `.` or `:` is accepted and ignored.
 * Malformed text yields -1 / false, never an exception. Nothing is allocated except for the rare
 * embedded-IPv4 tail.
 */

/** Strict dotted-quad IPv4 → the unsigned 32-bit value, or -1 when `s` is not one. */
export function parseIpv4(s: string): number {
  const len = s.length;
  if (len < 7 || len > 15) return -1;
  let value = 0;
  let octet = 0;
  let digits = 0;
  let dots = 0;
  for (let i = 0; i < len; i++) {
    const c = s.charCodeAt(i);
    if (c === 46 /* . */) {
      if (digits === 0 || dots === 3) return -1;
      value = value * 256 + octet;
      octet = 0;
      digits = 0;
      dots++;
    } else if (c >= 48 && c <= 57) {
      if (digits > 0 && octet === 0) return -1; // leading zero
      octet = octet * 10 + (c - 48);
      if (octet > 255) return -1;
      digits++;
    } else {
      return -1;
    }
  }
  if (dots !== 3 || digits === 0) return -1;
  return value * 256 + octet;
}

/** True when s[from..] is a non-empty zone id (letters, digits, `-`, `.`, `:`). */
function validZone(s: string, from: number): boolean {
  if (from >= s.length) return false;
  for (let i = from; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (!((c >= 48 && c <= 58) || (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || c === 45 || c === 46))
      return false;
  }
  return true;
}

const groups16 = new Uint16Array(8);

/**
 * IPv6 text → four 32-bit words in `out` (most significant first). Returns false when malformed;
 * `out` is then unspecified.
 */
export function parseIpv6(s: string, out: Uint32Array): boolean {
  let end = s.indexOf('%');
  if (end < 0) end = s.length;
  else if (!validZone(s, end + 1)) return false;
  if (end < 2 || end > 45) return false;
  const g = groups16; // module scratch: one call at a time (synchronous)
  let n = 0; // groups written
  let gap = -1; // index in g where '::' sits
  let i = 0;
  if (s.charCodeAt(0) === 58 /* : */) {
    if (s.charCodeAt(1) !== 58) return false;
    gap = 0;
    i = 2;
    if (i === end) {
      out.fill(0);
      return true;
    }
  }
  while (i < end) {
    // one group: up to 4 hex digits, or a dotted IPv4 tail
    let j = i;
    let v = 0;
    while (j < end && j - i < 5) {
      const c = s.charCodeAt(j);
      let d: number;
      if (c >= 48 && c <= 57) d = c - 48;
      else if (c >= 97 && c <= 102) d = c - 87;
      else if (c >= 65 && c <= 70) d = c - 55;
      else break;
      v = v * 16 + d;
      j++;
    }
    if (j < end && s.charCodeAt(j) === 46 /* . */) {
      if (n > 6) return false;
      const v4 = parseIpv4(s.slice(i, end));
      if (v4 < 0) return false;
      g[n++] = v4 >>> 16;
      g[n++] = v4 & 0xffff;
      break;
    }
    if (j === i || j - i > 4 || n === 8) return false;
    g[n++] = v;
    i = j;
    if (i === end) break;
    if (s.charCodeAt(i) !== 58) return false;
    i++;
    if (s.charCodeAt(i) === 58) {
      if (gap >= 0) return false;
      gap = n;
      i++;
      if (i === end) break;
    } else if (i === end) {
      return false; // trailing single ':'
    }
  }
  if (gap >= 0) {
    if (n > 7) return false;
    const shift = 8 - n;
    for (let k = n - 1; k >= gap; k--) g[k + shift] = g[k];
    for (let k = gap; k < gap + shift; k++) g[k] = 0;
  } else if (n !== 8) {
    return false;
  }
  out[0] = ((g[0] << 16) | g[1]) >>> 0;
  out[1] = ((g[2] << 16) | g[3]) >>> 0;
  out[2] = ((g[4] << 16) | g[5]) >>> 0;
  out[3] = ((g[6] << 16) | g[7]) >>> 0;
  return true;
}

/** The IPv4 address of IPv4-mapped IPv6 words (`::ffff:a.b.c.d`), or -1 when they are not mapped. */
export function mappedIpv4(words: Uint32Array | readonly number[]): number {
  return words[0] === 0 && words[1] === 0 && words[2] === 0xffff ? words[3] : -1;
}

/** IPv6 words → a 128-bit bigint (for tables and rule ranges, not per-record paths). */
export function ipv6ToBigInt(w: Uint32Array | readonly number[]): bigint {
  return (BigInt(w[0]) << 96n) | (BigInt(w[1]) << 64n) | (BigInt(w[2]) << 32n) | BigInt(w[3]);
}
