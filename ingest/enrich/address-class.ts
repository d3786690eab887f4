/**
 * Address classes from the IANA special-purpose address registries:
 *   - IPv4: iana-ipv4-special-registry (RFC 6890, updated by RFC 7335, 8155, 8880, 9637...), the
 *     multicast space (RFC 5771) and limited broadcast (RFC 919/922);
 *   - IPv6: iana-ipv6-special-registry (RFC 6890 and updates: 6052, 6666, 7343, 7723, 8155, 8215,
 *     9374, 9602, 9637, 9780...) and the IPv6 address space registry (only 2000::/3 is global unicast;
 *     fc00::/7 unique local, fe80::/10 link-local, ff00::/8 multicast, the rest reserved by the IETF).
 *
 * Blocks the registry marks "Globally Reachable: True" (AS112, AMT, PCP/TURN anycast, ORCHIDv2,
 * DRIP) are `public`: a camera may really talk to them. IPv4-mapped and NAT64 well-known-prefix
 * addresses take the class of the embedded IPv4 address.
 *
 * IPv4 takes a fast path: a switch on the first octet, then masks; no table walk, no allocation.
 */

import { parseIpv4, parseIpv6 } from '../../model/index.js';

export type AddressClass =
  | 'public'
  | 'private' // RFC 1918
  | 'cgnat' // RFC 6598 shared address space
  | 'loopback'
  | 'link-local'
  | 'multicast'
  | 'broadcast' // 255.255.255.255
  | 'documentation' // TEST-NETs, 2001:db8::/32, 3fff::/20, MCAST-TEST-NET
  | 'benchmarking' // 198.18.0.0/15, 2001:2::/48
  | 'reserved' // IETF protocol assignments, future use, deprecated blocks, discard-only
  | 'unique-local' // fc00::/7
  | 'unspecified' // 0.0.0.0, ::
  | 'unknown'; // not an address

/** Every class, in the order tables list them. */
export const ADDRESS_CLASSES: readonly AddressClass[] = [
  'public',
  'private',
  'cgnat',
  'loopback',
  'link-local',
  'multicast',
  'broadcast',
  'documentation',
  'benchmarking',
  'reserved',
  'unique-local',
  'unspecified',
  'unknown',
];

/** Classes a watched device may have when no inventory says otherwise (the camera VLAN's hosts). */
export function isLocalDeviceClass(c: AddressClass): boolean {
  return c === 'private' || c === 'unique-local';
}

/** Class of an IPv4 address given as uint32. */
export function classifyIPv4(n: number): AddressClass {
  const a = n >>> 24;
  switch (a) {
    case 0:
      return n === 0 ? 'unspecified' : 'reserved'; // 0.0.0.0/8 "this network"
    case 10:
      return 'private';
    case 100:
      return n >>> 22 === 0x191 ? 'cgnat' : 'public'; // 100.64.0.0/10
    case 127:
      return 'loopback';
    case 169:
      return n >>> 16 === 0xa9fe ? 'link-local' : 'public'; // 169.254.0.0/16
    case 172:
      return n >>> 20 === 0xac1 ? 'private' : 'public'; // 172.16.0.0/12
    case 192: {
      const b = (n >>> 16) & 255;
      const c = (n >>> 8) & 255;
      if (b === 168) return 'private';
      if (b === 0) {
        if (c === 0) {
          // 192.0.0.0/24 IETF protocol assignments; .9 PCP anycast and .10 TURN anycast are global
          const d = n & 255;
          return d === 9 || d === 10 ? 'public' : 'reserved';
        }
        if (c === 2) return 'documentation'; // TEST-NET-1
        return 'public';
      }
      if (b === 88 && c === 99) return 'reserved'; // 6to4 relay anycast, deprecated (RFC 7526)
      return 'public'; // incl. 192.31.196/24 AS112, 192.52.193/24 AMT, 192.175.48/24 AS112 (global)
    }
    case 198: {
      if (n >>> 17 === 0x6309) return 'benchmarking'; // 198.18.0.0/15
      if (n >>> 8 === 0xc63364) return 'documentation'; // 198.51.100.0/24 TEST-NET-2
      return 'public';
    }
    case 203:
      return n >>> 8 === 0xcb0071 ? 'documentation' : 'public'; // 203.0.113.0/24 TEST-NET-3
    case 233:
      return n >>> 8 === 0xe9fc00 ? 'documentation' : 'multicast'; // 233.252.0.0/24 MCAST-TEST-NET
    default:
      if (a < 224) return 'public';
      if (a < 240) return 'multicast'; // 224.0.0.0/4
      return n === 0xffffffff ? 'broadcast' : 'reserved'; // 240.0.0.0/4 future use
  }
}

/** Class of an IPv6 address given as four words, most significant first. */
export function classifyIPv6(w: Uint32Array | readonly number[]): AddressClass {
  const w0 = w[0];
  const top16 = w0 >>> 16;
  if (w0 >>> 24 === 0) {
    // ::/8, reserved by the IETF except for these
    if (w0 === 0 && w[1] === 0) {
      if (w[2] === 0) {
        if (w[3] === 0) return 'unspecified';
        if (w[3] === 1) return 'loopback';
        return 'reserved'; // ::/96 deprecated IPv4-compatible
      }
      if (w[2] === 0xffff) return classifyIPv4(w[3]); // ::ffff:0:0/96 IPv4-mapped
      return 'reserved';
    }
    if (w0 === 0x0064ff9b && w[1] === 0 && w[2] === 0) return classifyIPv4(w[3]); // 64:ff9b::/96 NAT64
    return 'reserved'; // incl. 64:ff9b:1::/48 local-use translation (RFC 8215)
  }
  if (top16 === 0x2001 && (w0 & 0xffff) < 0x200) {
    // 2001::/23 IETF protocol assignments
    const lo = w0 & 0xffff;
    if (lo === 0) return 'public'; // 2001::/32 Teredo: a tunnel to a real host
    if (lo === 1) {
      // 2001:1::1 PCP anycast, ::2 TURN anycast, ::3 DNS-SD SRP anycast (global)
      return w[1] === 0 && w[2] === 0 && w[3] >= 1 && w[3] <= 3 ? 'public' : 'reserved';
    }
    if (lo === 2 && w[1] >>> 16 === 0) return 'benchmarking'; // 2001:2::/48
    if (lo === 3) return 'public'; // 2001:3::/32 AMT
    if (lo === 4 && w[1] >>> 16 === 0x112) return 'public'; // 2001:4:112::/48 AS112-v6
    if ((lo & 0xfff0) === 0x10) return 'reserved'; // 2001:10::/28 ORCHID (deprecated)
    if ((lo & 0xfff0) === 0x20) return 'public'; // 2001:20::/28 ORCHIDv2
    if ((lo & 0xfff0) === 0x30) return 'public'; // 2001:30::/28 Drone Remote ID (RFC 9374)
    return 'reserved';
  }
  if (w0 === 0x20010db8) return 'documentation'; // 2001:db8::/32
  if (w0 >>> 12 === 0x3fff0) return 'documentation'; // 3fff::/20 (RFC 9637)
  if (w0 >>> 29 === 1) return 'public'; // 2000::/3 global unicast (incl. 2002::/16 6to4)
  if (w0 >>> 25 === 0x7e) return 'unique-local'; // fc00::/7
  if (w0 >>> 22 === 0x3fa) return 'link-local'; // fe80::/10
  if (w0 >>> 24 === 0xff) return 'multicast'; // ff00::/8
  return 'reserved'; // fec0::/10 site-local (deprecated), 100::/64 discard, 5f00::/16 SRv6 SIDs, unassigned
}

const scratch = new Uint32Array(4);

/** Class of an address string; `unknown` for anything that is not an address. Never throws. */
export function classifyAddress(ip: string): AddressClass {
  if (typeof ip !== 'string') return 'unknown';
  const v4 = parseIpv4(ip);
  if (v4 >= 0) return classifyIPv4(v4);
  if (!parseIpv6(ip, scratch)) return 'unknown';
  return classifyIPv6(scratch);
}
