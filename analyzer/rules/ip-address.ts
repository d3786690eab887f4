/**
 * Address parsing for rule matching: dotted IPv4 to a uint32, IPv6 (RFC 4291 text forms, including
 * `::ffff:a.b.c.d`) to a bigint. IPv4-mapped IPv6 addresses are treated as IPv4, because the store keeps
 * every address in an `IPv6` column and hands IPv4 peers back as `::ffff:a.b.c.d`.
 */

export type ParsedIp = { readonly v: 4; readonly n: number } | { readonly v: 6; readonly n: bigint };

/** Parse dotted IPv4 to an unsigned 32-bit number, or -1 when the text is not one. */
export function parseIpv4(text: string): number {
  let n = 0;
  let part = 0;
  let digits = 0;
  let dots = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 46) {
      if (digits === 0 || dots === 3) return -1;
      n = n * 256 + part;
      part = 0;
      digits = 0;
      dots++;
    } else if (c >= 48 && c <= 57) {
      if (digits > 0 && part === 0) return -1; // no leading zeros (octal ambiguity)
      part = part * 10 + (c - 48);
      digits++;
      if (part > 255) return -1;
    } else {
      return -1;
    }
  }
  if (dots !== 3 || digits === 0) return -1;
  return n * 256 + part;
}

/** Parse an IPv6 text form to a 128-bit bigint, or undefined. */
export function parseIpv6(text: string): bigint | undefined {
  let s = text;
  const pct = s.indexOf('%');
  if (pct >= 0) s = s.slice(0, pct);
  if (s.length < 2 || s.indexOf(':') < 0) return undefined;
  let tail4 = -1;
  const lastColon = s.lastIndexOf(':');
  if (s.indexOf('.', lastColon) > 0) {
    tail4 = parseIpv4(s.slice(lastColon + 1));
    if (tail4 < 0) return undefined;
    s = `${s.slice(0, lastColon + 1)}0:0`;
  }
  const dbl = s.indexOf('::');
  if (dbl >= 0 && s.indexOf('::', dbl + 1) >= 0) return undefined;
  const parseGroups = (part: string): number[] | undefined => {
    if (part === '') return [];
    const out: number[] = [];
    for (const g of part.split(':')) {
      if (g.length === 0 || g.length > 4 || !/^[0-9a-fA-F]+$/.test(g)) return undefined;
      out.push(Number.parseInt(g, 16));
    }
    return out;
  };
  let groups: number[];
  if (dbl >= 0) {
    const head = parseGroups(s.slice(0, dbl));
    const tail = parseGroups(s.slice(dbl + 2));
    if (!head || !tail || head.length + tail.length > 7) return undefined;
    groups = [...head, ...new Array<number>(8 - head.length - tail.length).fill(0), ...tail];
  } else {
    const all = parseGroups(s);
    if (all?.length !== 8) return undefined;
    groups = all;
  }
  let n = 0n;
  for (const g of groups) n = (n << 16n) | BigInt(g);
  if (tail4 >= 0) n = (n & ~0xffffffffn) | BigInt(tail4);
  return n;
}

const MAPPED_PREFIX = 0xffffn << 32n;

/** Parse either family; IPv4-mapped IPv6 comes back as IPv4. */
export function parseIp(text: string): ParsedIp | undefined {
  const v4 = parseIpv4(text);
  if (v4 >= 0) return { v: 4, n: v4 };
  const v6 = parseIpv6(text);
  if (v6 === undefined) return undefined;
  if (v6 >> 32n === 0xffffn) return { v: 4, n: Number(v6 - MAPPED_PREFIX) };
  return { v: 6, n: v6 };
}

export interface ParsedCidr {
  readonly v: 4 | 6;
  /** Network address (host bits cleared). */
  readonly base: number | bigint;
  readonly prefix: number;
}

/** Parse `a.b.c.d/n`, `x::/n` or a bare address (host route). Undefined when malformed. */
export function parseCidr(text: string): ParsedCidr | undefined {
  const slash = text.indexOf('/');
  const addr = slash >= 0 ? text.slice(0, slash) : text;
  const ip = parseIp(addr);
  if (!ip) return undefined;
  const max = ip.v === 4 ? 32 : 128;
  let prefix = max;
  if (slash >= 0) {
    const p = text.slice(slash + 1);
    if (!/^\d{1,3}$/.test(p)) return undefined;
    prefix = Number(p);
    // `::ffff:a.b.c.d/n` is an IPv4 prefix in IPv6 notation
    if (ip.v === 4 && addr.includes(':')) prefix -= 96;
    if (prefix < 0 || prefix > max) return undefined;
  }
  if (ip.v === 4) return { v: 4, base: maskV4(ip.n, prefix), prefix };
  return { v: 6, base: maskV6(ip.n, prefix), prefix };
}

export function maskV4(n: number, prefix: number): number {
  if (prefix === 0) return 0;
  // >>> 0 keeps the result unsigned
  return (n & (0xffffffff << (32 - prefix))) >>> 0;
}

const ALL128 = (1n << 128n) - 1n;
export function maskV6(n: bigint, prefix: number): bigint {
  if (prefix === 0) return 0n;
  return n & (ALL128 ^ ((1n << BigInt(128 - prefix)) - 1n));
}

/** A 128-bit value as full (uncompressed) IPv6 text; ClickHouse and parseIpv6 both read it. */
export function formatIpv6(n: bigint): string {
  const groups: string[] = [];
  for (let i = 7; i >= 0; i--) groups.push(((n >> BigInt(i * 16)) & 0xffffn).toString(16));
  return groups.join(':');
}

/**
 * A CIDR as an inclusive range of IPv6 addresses, IPv4 networks mapped into ::ffff:0:0/96 — the
 * form the store's `IPv6` columns hold every address in.
 */
export function cidrToIpv6Range(c: ParsedCidr): [string, string] {
  if (c.v === 4) {
    const lo = BigInt(c.base as number) | (0xffffn << 32n);
    const size = 1n << BigInt(32 - c.prefix);
    return [formatIpv6(lo), formatIpv6(lo + size - 1n)];
  }
  const lo = c.base as bigint;
  const size = 1n << BigInt(128 - c.prefix);
  return [formatIpv6(lo), formatIpv6(lo + size - 1n)];
}
