import { describe, expect, it } from 'vitest';
import { ipv4Text, ipv6Text } from '../../ingest/meta/ip-text.js';

const v6 = (hexText: string) => ipv6Text(Buffer.from(`ffff${hexText}`, 'hex'), 2); // at an offset, as in a packet

describe('address text (RFC 5952)', () => {
  it.each([
    ['00000000000000000000000000000000', '::'],
    ['00000000000000000000000000000001', '::1'],
    ['20010db8000000000001000000000001', '2001:db8::1:0:0:1'], // first of two equal runs
    ['20010db8000000010001000100010001', '2001:db8:0:1:1:1:1:1'], // a single zero group stays
    ['20010db8000000000000000000000000', '2001:db8::'],
    ['20010db80000000000000000ffff0001', '2001:db8::ffff:1'],
    ['00000000000000000000ffffc0000201', '::ffff:192.0.2.1'],
    ['fe800000000000000202b3fffe1e8329', 'fe80::202:b3ff:fe1e:8329'],
  ])('%s → %s', (h, text) => {
    expect(v6(h)).toBe(text);
  });
  it('writes dotted IPv4', () => {
    expect(ipv4Text(Buffer.from([9, 192, 0, 2, 255]), 1)).toBe('192.0.2.255');
  });
});
