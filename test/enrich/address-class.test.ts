import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { classifyAddress } from '../../ingest/enrich/address-class.js';
import { formatIPv6, normalizeAddress, parseAddress } from '../../ingest/enrich/ip-address.js';

/**
 * Blocks transcribed from the IANA registries themselves (iana-ipv4-special-registry,
 * iana-ipv6-special-registry, ipv6-address-space, multicast-addresses), each with its first and last
 * address, so the test does not share the implementation's masks.
 */
const IPV4: [first: string, last: string, cls: string, what: string][] = [
  ['0.0.0.1', '0.255.255.255', 'reserved', '0.0.0.0/8 this network (RFC 791)'],
  ['10.0.0.0', '10.255.255.255', 'private', '10.0.0.0/8 (RFC 1918)'],
  ['100.64.0.0', '100.127.255.255', 'cgnat', '100.64.0.0/10 shared address space (RFC 6598)'],
  ['127.0.0.0', '127.255.255.255', 'loopback', '127.0.0.0/8 (RFC 1122)'],
  ['169.254.0.0', '169.254.255.255', 'link-local', '169.254.0.0/16 (RFC 3927)'],
  ['172.16.0.0', '172.31.255.255', 'private', '172.16.0.0/12 (RFC 1918)'],
  ['192.0.0.0', '192.0.0.8', 'reserved', '192.0.0.0/24 IETF protocol assignments, DS-Lite, dummy'],
  ['192.0.0.170', '192.0.0.255', 'reserved', '192.0.0.170/32 NAT64 discovery .. end of /24'],
  ['192.0.0.9', '192.0.0.10', 'public', '192.0.0.9/32 PCP anycast, 192.0.0.10/32 TURN anycast (global)'],
  ['192.0.2.0', '192.0.2.255', 'documentation', '192.0.2.0/24 TEST-NET-1 (RFC 5737)'],
  ['192.31.196.0', '192.31.196.255', 'public', '192.31.196.0/24 AS112-v4 (global, RFC 7535)'],
  ['192.52.193.0', '192.52.193.255', 'public', '192.52.193.0/24 AMT (global, RFC 7450)'],
  ['192.88.99.0', '192.88.99.255', 'reserved', '192.88.99.0/24 6to4 relay anycast, deprecated (RFC 7526)'],
  ['192.168.0.0', '192.168.255.255', 'private', '192.168.0.0/16 (RFC 1918)'],
  ['192.175.48.0', '192.175.48.255', 'public', '192.175.48.0/24 direct delegation AS112 (global)'],
  ['198.18.0.0', '198.19.255.255', 'benchmarking', '198.18.0.0/15 (RFC 2544)'],
  ['198.51.100.0', '198.51.100.255', 'documentation', '198.51.100.0/24 TEST-NET-2 (RFC 5737)'],
  ['203.0.113.0', '203.0.113.255', 'documentation', '203.0.113.0/24 TEST-NET-3 (RFC 5737)'],
  ['224.0.0.0', '233.251.255.255', 'multicast', '224.0.0.0/4 (RFC 5771)'],
  ['233.252.0.0', '233.252.0.255', 'documentation', '233.252.0.0/24 MCAST-TEST-NET (RFC 6676)'],
  ['233.253.0.0', '239.255.255.255', 'multicast', '224.0.0.0/4 (RFC 5771)'],
  ['240.0.0.0', '255.255.255.254', 'reserved', '240.0.0.0/4 reserved (RFC 1112)'],
];

/** Neighbours just outside special blocks: ordinary public space. */
const IPV4_PUBLIC_EDGES = [
  '9.255.255.255',
  '11.0.0.0',
  '100.63.255.255',
  '100.128.0.0',
  '126.255.255.255',
  '128.0.0.0',
  '169.253.255.255',
  '169.255.0.0',
  '172.15.255.255',
  '172.32.0.0',
  '192.0.1.0',
  '192.0.3.0',
  '192.167.255.255',
  '192.169.0.0',
  '198.17.255.255',
  '198.20.0.0',
  '198.51.99.255',
  '198.51.101.0',
  '203.0.112.255',
  '203.0.114.0',
  '223.255.255.255',
  '1.1.1.1',
  '8.8.8.8',
];

const IPV6: [addr: string, cls: string, what: string][] = [
  ['::', 'unspecified', '::/128'],
  ['::1', 'loopback', '::1/128'],
  ['::2', 'reserved', '::/96 IPv4-compatible (deprecated)'],
  ['::ffff:10.1.2.3', 'private', '::ffff:0:0/96 IPv4-mapped takes the IPv4 class'],
  ['::ffff:8.8.8.8', 'public', '::ffff:0:0/96 IPv4-mapped'],
  ['64:ff9b::808:808', 'public', '64:ff9b::/96 IPv4-IPv6 translation (RFC 6052)'],
  ['64:ff9b:1::1', 'reserved', '64:ff9b:1::/48 local-use translation (RFC 8215)'],
  ['100::1', 'reserved', '100::/64 discard-only (RFC 6666)'],
  ['2001::1', 'public', '2001::/32 Teredo'],
  ['2001:1::1', 'public', '2001:1::1/128 PCP anycast (global)'],
  ['2001:1::2', 'public', '2001:1::2/128 TURN anycast (global)'],
  ['2001:1::4', 'reserved', '2001::/23 IETF protocol assignments'],
  ['2001:2::', 'benchmarking', '2001:2::/48 (RFC 5180)'],
  ['2001:2:0:ffff:ffff:ffff:ffff:ffff', 'benchmarking', '2001:2::/48 last'],
  ['2001:2:1::', 'reserved', 'just past 2001:2::/48, still in 2001::/23'],
  ['2001:3::1', 'public', '2001:3::/32 AMT (global)'],
  ['2001:4:112::1', 'public', '2001:4:112::/48 AS112-v6 (global)'],
  ['2001:10::1', 'reserved', '2001:10::/28 ORCHID (deprecated)'],
  ['2001:20::1', 'public', '2001:20::/28 ORCHIDv2 (global)'],
  ['2001:1ff:ffff::', 'reserved', '2001::/23 last /48'],
  ['2001:200::1', 'public', 'first global unicast after 2001::/23'],
  ['2001:db8::', 'documentation', '2001:db8::/32 (RFC 3849)'],
  ['2001:db8:ffff:ffff:ffff:ffff:ffff:ffff', 'documentation', '2001:db8::/32 last'],
  ['2002:c000:0204::1', 'public', '2002::/16 6to4'],
  ['2620:4f:8000::1', 'public', '2620:4f:8000::/48 direct delegation AS112 (global)'],
  ['3fff::1', 'documentation', '3fff::/20 (RFC 9637)'],
  ['3fff:fff:ffff::1', 'documentation', '3fff::/20 last'],
  ['3fff:1000::1', 'public', 'past 3fff::/20'],
  ['5f00::1', 'reserved', '5f00::/16 SRv6 SIDs (RFC 9602)'],
  ['fc00::1', 'unique-local', 'fc00::/7 (RFC 4193)'],
  ['fdff:ffff:ffff:ffff:ffff:ffff:ffff:ffff', 'unique-local', 'fc00::/7 last'],
  ['fe80::1', 'link-local', 'fe80::/10 (RFC 4291)'],
  ['febf:ffff::1', 'link-local', 'fe80::/10 last'],
  ['fec0::1', 'reserved', 'fec0::/10 site-local (deprecated)'],
  ['ff02::fb', 'multicast', 'ff00::/8'],
  ['4000::1', 'reserved', 'outside 2000::/3: reserved by the IETF'],
  ['2606:4700::1111', 'public', 'Cloudflare'],
  ['fe80::1%eth0', 'link-local', 'zone id ignored'],
];

describe('classifyAddress: IPv4 special-purpose registry', () => {
  it.each(IPV4)('%s .. %s is %s (%s)', (first, last, cls) => {
    expect(classifyAddress(first)).toBe(cls);
    expect(classifyAddress(last)).toBe(cls);
  });
  it('limited broadcast and unspecified', () => {
    expect(classifyAddress('255.255.255.255')).toBe('broadcast');
    expect(classifyAddress('0.0.0.0')).toBe('unspecified');
  });
  it.each(IPV4_PUBLIC_EDGES)('%s, next to a special block, is public', (ip) => {
    expect(classifyAddress(ip)).toBe('public');
  });
});

describe('classifyAddress: IPv6 special-purpose registry and address space', () => {
  it.each(IPV6)('%s is %s (%s)', (addr, cls) => {
    expect(classifyAddress(addr)).toBe(cls);
  });
});

describe('classifyAddress: garbage', () => {
  it.each([
    '',
    'x',
    '1.2.3',
    '1.2.3.4.5',
    '256.1.1.1',
    '01.2.3.4',
    '1..2.3',
    ':::',
    '1:2:3:4:5:6:7:8:9',
    '1::2::3',
    '12345::',
    'g::1',
    '1:2:3:4:5:6:7:',
    ' 1.2.3.4',
  ])('%j is unknown and does not throw', (s) => {
    expect(classifyAddress(s)).toBe('unknown');
  });
  it('non-strings are unknown', () => {
    expect(classifyAddress(undefined as unknown as string)).toBe('unknown');
    expect(classifyAddress(42 as unknown as string)).toBe('unknown');
  });
});

describe('address parsing', () => {
  it('normalizes IPv6 to RFC 5952 and folds IPv4-mapped to dotted', () => {
    expect(normalizeAddress('2001:DB8:0:0:0:0:0:1')).toBe('2001:db8::1');
    expect(normalizeAddress('2001:db8:0:0:1:0:0:1')).toBe('2001:db8::1:0:0:1');
    expect(normalizeAddress('2001:db8::1:0')).toBe('2001:db8::1:0');
    expect(normalizeAddress('2001:0:0:1::')).toBe('2001:0:0:1::');
    expect(normalizeAddress('::ffff:192.0.2.1')).toBe('192.0.2.1');
    expect(normalizeAddress('::')).toBe('::');
    expect(normalizeAddress('1:2:3:4:5:6:7:8')).toBe('1:2:3:4:5:6:7:8');
    expect(normalizeAddress('1:0:3:4:5:6:7:8')).toBe('1:0:3:4:5:6:7:8');
    expect(normalizeAddress('::1.2.3.4')).toBe('::102:304');
  });
  it('parses IPv4 to a uint32', () => {
    expect(parseAddress('255.255.255.255')).toEqual({ version: 4, v4: 0xffffffff });
    expect(parseAddress('0.0.0.0')).toEqual({ version: 4, v4: 0 });
  });
  it('formats words', () => {
    expect(formatIPv6([0x26064700, 0, 0, 0x1111])).toBe('2606:4700::1111');
  });
});

describe('properties', () => {
  it('any string: a class, never a throw', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 50 }), (s) => {
        expect(typeof classifyAddress(s)).toBe('string');
      }),
    );
  });
  it('every IPv4 and IPv6 address parses and round-trips through its canonical text', () => {
    fc.assert(
      fc.property(fc.oneof(fc.ipV4(), fc.ipV6()), (ip) => {
        const canon = normalizeAddress(ip);
        expect(canon).toBeDefined();
        expect(normalizeAddress(canon!)).toBe(canon);
        expect(classifyAddress(ip)).not.toBe('unknown');
      }),
    );
  });
});
