/**
 * Address parsing for enrichment: dotted IPv4 to a uint32, IPv6 to four uint32 words (network order),
 * without allocating for IPv4. Flows carry addresses as strings (dotted IPv4, RFC 5952 IPv6); every
 * lookup here starts from that string, and garbage yields `undefined`/-1, never an exception.
 *
 * IPv4-mapped IPv6 (`::ffff:a.b.c.d`) is folded to IPv4: ClickHouse stores IPv4 that way, and the
 * MMDB readers answer IPv4 only under the dotted form.
 */

import { ipv4Text, ipv6Text } from '../decode/address-text.js';

/** Parse strict dotted-quad IPv4 (no leading zeros, no shorthand). Returns the uint32 or -1. */
export function parseIPv4(s: string): number {
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
      if (digits > 0 && octet === 0) return -1; // leading zero: octal in inet_aton, refuse
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

/** uint32 → dotted quad. */
export const formatIPv4: (n: number) => string = ipv4Text;

/**
 * Parse IPv6 text (RFC 4291 §2.2: `::` compression, a trailing dotted IPv4, a `%zone` suffix is ignored)
 * into `out` (4 words, most significant first). Returns false on malformed input; `out` is then
 * unspecified.
 */
export function parseIPv6(s: string, out: Uint32Array): boolean {
  let end = s.indexOf('%');
  if (end < 0) end = s.length;
  if (end < 2 || end > 45) return false;
  const g = groups16; // module scratch: no allocation per call
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
      const v4 = parseIPv4(s.slice(i, end));
      if (v4 < 0 || n > 6) return false;
      g[n++] = v4 >>> 16;
      g[n++] = v4 & 0xffff;
      i = end;
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

const groups16 = new Uint16Array(8);

/** A parsed address. IPv4-mapped IPv6 comes back as version 4. */
export type ParsedAddress =
  | { readonly version: 4; readonly v4: number }
  | { readonly version: 6; readonly words: Uint32Array };

/** Parse any address string; `undefined` for garbage. */
export function parseAddress(s: string): ParsedAddress | undefined {
  if (typeof s !== 'string') return undefined;
  const v4 = parseIPv4(s);
  if (v4 >= 0) return { version: 4, v4 };
  const words = new Uint32Array(4);
  if (!parseIPv6(s, words)) return undefined;
  if (words[0] === 0 && words[1] === 0 && words[2] === 0xffff) return { version: 4, v4: words[3] };
  return { version: 6, words };
}

/** RFC 5952 text of four words (lower case, longest zero run of ≥2 groups compressed). */
export function formatIPv6(words: Uint32Array | readonly number[]): string {
  return ipv6Text(words[0], words[1], words[2], words[3]);
}

/** Canonical text of an address (dotted IPv4, RFC 5952 IPv6), or undefined for garbage. */
export function normalizeAddress(s: string): string | undefined {
  const p = parseAddress(s);
  if (p === undefined) return undefined;
  return p.version === 4 ? formatIPv4(p.v4) : formatIPv6(p.words);
}

/** IPv6 words → bigint (used when building tables, not per lookup). */
export function wordsToBigInt(w: Uint32Array | readonly number[]): bigint {
  return (BigInt(w[0]) << 96n) | (BigInt(w[1]) << 64n) | (BigInt(w[2]) << 32n) | BigInt(w[3]);
}
