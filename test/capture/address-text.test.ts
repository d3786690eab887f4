import { describe, expect, it } from 'vitest';
import { ipv4Text, ipv4TextAt, ipv6Text, ipv6TextAt, macText } from '../../ingest/decode/address-text.js';
import { formatIPv6 } from '../../ingest/enrich/ip-address.js';

const v6 = (hexText: string) => ipv6TextAt(Buffer.from(`ffff${hexText}`, 'hex'), 2); // at an offset, as in a packet
const words = (hexText: string) => {
  const b = Buffer.from(hexText, 'hex');
  return [b.readUInt32BE(0), b.readUInt32BE(4), b.readUInt32BE(8), b.readUInt32BE(12)];
};

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
    ['00010000000000000000000000000000', '1::'],
    ['00010002000300040005000600070008', '1:2:3:4:5:6:7:8'],
  ])('%s → %s', (h, text) => {
    expect(v6(h)).toBe(text);
    const [w0, w1, w2, w3] = words(h);
    expect(ipv6Text(w0, w1, w2, w3)).toBe(text);
    expect(formatIPv6([w0, w1, w2, w3])).toBe(text);
  });
  it('writes dotted IPv4', () => {
    expect(ipv4TextAt(Buffer.from([9, 192, 0, 2, 255]), 1)).toBe('192.0.2.255');
    expect(ipv4Text(0xc00002ff)).toBe('192.0.2.255');
  });
  it('writes a lower-case colon MAC', () => {
    expect(macText(Buffer.from([0, 0x0a, 0xb1, 0x02, 0x03, 0xff, 0x10]), 1)).toBe('0a:b1:02:03:ff:10');
  });
});
