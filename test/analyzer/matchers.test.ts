import { fc, test as fcTest } from '@fast-check/vitest';
import { describe, expect, test } from 'vitest';
import { CidrTable } from '../../analyzer/rules/cidr-table.js';
import { DomainMatcher, isDomainName } from '../../analyzer/rules/domain-matcher.js';
import { parseCidr, parseIp, parseIpv6 } from '../../analyzer/rules/ip-address.js';
import { PortSet } from '../../analyzer/rules/port-set.js';
import { parseIpv4 } from '../../model/index.js';

const v4 = (n: number): string => [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join('.');

describe('address parsing', () => {
  test('IPv4 and IPv6 text forms (RFC 4291 section 2.2)', () => {
    expect(parseIpv4('192.168.1.10')).toBe(0xc0a8010a);
    expect(parseIpv4('256.1.1.1')).toBe(-1);
    expect(parseIpv4('01.1.1.1')).toBe(-1);
    expect(parseIpv4('1.1.1')).toBe(-1);
    expect(parseIpv6('::1')).toBe(1n);
    expect(parseIpv6('2001:db8::1')).toBe((0x20010db8n << 96n) | 1n);
    expect(parseIpv6('1:2:3:4:5:6:7:8')).toBe(0x00010002000300040005000600070008n);
    expect(parseIpv6('1::2::3')).toBeUndefined();
    expect(parseIpv6('fe80::1%eth0')).toBe((0xfe80n << 112n) | 1n);
    expect(parseIp('::ffff:10.0.0.1')).toEqual({ v: 4, n: 0x0a000001 });
    expect(parseCidr('10.1.2.3/8')).toEqual({ v: 4, base: 0x0a000000, prefix: 8 });
    expect(parseCidr('::ffff:10.0.0.0/104')).toEqual({ v: 4, base: 0x0a000000, prefix: 8 });
    expect(parseCidr('10.0.0.0/33')).toBeUndefined();
  });

  fcTest.prop([fc.integer({ min: 0, max: 0xffffffff })])(
    'every IPv4 round-trips, also in mapped form',
    (n) => {
      expect(parseIpv4(v4(n))).toBe(n);
      expect(parseIp(`::ffff:${v4(n)}`)).toEqual({ v: 4, n });
    },
  );
});

describe('CidrTable', () => {
  fcTest.prop([
    fc.array(fc.tuple(fc.integer({ min: 0, max: 0xffffffff }), fc.integer({ min: 0, max: 32 })), {
      maxLength: 30,
    }),
    fc.integer({ min: 0, max: 0xffffffff }),
  ])('finds exactly the prefixes that contain the address (checked by arithmetic)', (prefixes, ip) => {
    const t = new CidrTable<number>();
    prefixes.forEach(([base, len], i) => {
      t.add(`${v4(base)}/${len}`, i);
    });
    const expected = prefixes
      .map(([base, len], i) => ({
        i,
        len,
        hit: len === 0 || Math.floor(base / 2 ** (32 - len)) === Math.floor(ip / 2 ** (32 - len)),
      }))
      .filter((x) => x.hit)
      .map((x) => x.i)
      .sort((a, b) => a - b);
    expect(t.lookup(v4(ip)).sort((a, b) => a - b)).toEqual(expected);
    expect(t.has(v4(ip))).toBe(expected.length > 0);
  });

  test('IPv6 prefixes', () => {
    const t = new CidrTable<string>();
    t.add('2001:db8::/32', 'doc');
    t.add('2001:db8:1::/48', 'sub');
    expect(t.lookup('2001:db8:1::5')).toEqual(['sub', 'doc']);
    expect(t.lookup('2001:db9::1')).toEqual([]);
    expect(t.lookup('not an address')).toEqual([]);
  });
});

describe('DomainMatcher', () => {
  const label = fc.stringMatching(/^[a-z0-9]{1,8}$/);
  fcTest.prop([
    fc.array(label, { minLength: 1, maxLength: 4 }),
    fc.array(label, { minLength: 0, maxLength: 3 }),
  ])(
    'a suffix matches itself and every name under it, never a name that only ends with the same letters',
    (suffixLabels, prefixLabels) => {
      const suffix = suffixLabels.join('.');
      const m = new DomainMatcher<string>();
      m.addSuffix(`*.${suffix}`, 's');
      const name = [...prefixLabels, suffix].join('.');
      expect(m.lookup(name)).toEqual(['s']);
      expect(m.lookup(`x${suffix}`)).toEqual([]);
    },
  );

  test('exact entries match only the name; case and a trailing dot do not matter', () => {
    const m = new DomainMatcher<string>();
    m.addExact('dev.ezviz7.com', 'e');
    m.addSuffix('ezviz7.com', 's');
    expect(m.lookup('DEV.ezviz7.com.')).toEqual(['e', 's']);
    expect(m.lookup('a.dev.ezviz7.com')).toEqual(['s']);
    expect(isDomainName('a_b.example')).toBe(true);
    expect(isDomainName('bad name')).toBe(false);
  });
});

describe('PortSet', () => {
  test('single ports by protocol, ranges, unknown protocol matches either', () => {
    const p = new PortSet<string>();
    p.add(8800, 'udp', 'dahua');
    p.add(8800, 'tcp', 'tapo');
    p.add('32355-65535', undefined, 'turn');
    p.add(443, undefined, 'any');
    expect(p.lookup(8800, 17)).toEqual(['dahua']);
    expect(p.lookup(8800, 6)).toEqual(['tapo']);
    expect(p.lookup(8800).sort()).toEqual(['dahua', 'tapo']);
    expect(p.lookup(443, 17)).toEqual(['any']);
    expect(p.lookup(50000, 6)).toEqual(['turn']);
    expect(p.lookup(32354, 6)).toEqual([]);
  });
});
