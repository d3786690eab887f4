/**
 * Address shapes for rule matching over the model parser (model/ip-address.ts, strict like
 * `inet_pton`): IPv4 as a uint32, IPv6 as a bigint. IPv4-mapped IPv6 addresses are treated as IPv4,
 * because the store keeps every address in an `IPv6` column and hands IPv4 peers back as `::ffff:a.b.c.d`.
 */

import { ipv6ToBigInt, mappedIpv4, parseIpv4, parseIpv6 as parseIpv6Words } from '../../model/index.js';

export type ParsedIp = { readonly v: 4; readonly n: number } | { readonly v: 6; readonly n: bigint };

const words = new Uint32Array(4);

/** Parse an IPv6 text form (model/ip-address.ts rules) to a 128-bit bigint, or undefined. */
export function parseIpv6(text: string): bigint | undefined {
  if (!parseIpv6Words(text, words)) return undefined;
  return ipv6ToBigInt(words);
}

/** Parse either family; IPv4-mapped IPv6 comes back as IPv4. */
export function parseIp(text: string): ParsedIp | undefined {
  const v4 = parseIpv4(text);
  if (v4 >= 0) return { v: 4, n: v4 };
  if (!parseIpv6Words(text, words)) return undefined;
  const mapped = mappedIpv4(words);
  if (mapped >= 0) return { v: 4, n: mapped };
  return { v: 6, n: ipv6ToBigInt(words) };
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
