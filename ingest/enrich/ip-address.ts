/**
 * Address shapes for enrichment over the model parser (model/ip-address.ts: dotted IPv4 to a uint32,
 * IPv6 to four uint32 words, strict like `inet_pton`). Flows carry addresses as strings (dotted IPv4,
 * RFC 5952 IPv6); every lookup here starts from that string, and garbage yields `undefined`, never an
 * exception.
 *
 * IPv4-mapped IPv6 (`::ffff:a.b.c.d`) is folded to IPv4: ClickHouse stores IPv4 that way, and the
 * MMDB readers answer IPv4 only under the dotted form.
 */

import { mappedIpv4, parseIpv4, parseIpv6 } from '../../model/index.js';
import { ipv4Text, ipv6Text } from '../decode/address-text.js';

/** uint32 → dotted quad. */
export const formatIPv4: (n: number) => string = ipv4Text;

/** A parsed address. IPv4-mapped IPv6 comes back as version 4. */
export type ParsedAddress =
  | { readonly version: 4; readonly v4: number }
  | { readonly version: 6; readonly words: Uint32Array };

/** Parse any address string; `undefined` for garbage. */
export function parseAddress(s: string): ParsedAddress | undefined {
  if (typeof s !== 'string') return undefined;
  const v4 = parseIpv4(s);
  if (v4 >= 0) return { version: 4, v4 };
  const words = new Uint32Array(4);
  if (!parseIpv6(s, words)) return undefined;
  const mapped = mappedIpv4(words);
  if (mapped >= 0) return { version: 4, v4: mapped };
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
