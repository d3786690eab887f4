import { describe, expect, it } from 'vitest';
import { mergeDnsNames } from '../../ingest/meta/index.js';
import { hex } from './hex.js';
import { FlowFeeder } from './inspect-helpers.js';

// A response with a CNAME chain (the dissection is in the comments; offsets in brackets)
const CNAME_RESPONSE = hex(`
  1234 8180 0001 0002 0000 0000      // [0] id 0x1234, QR RD RA NOERROR, 1 question, 2 answers
  03'cam' 07'example' 03'com' 00      // [12] QNAME cam.example.com ([16] is "example.com")
  0001 0001                          // [29] QTYPE A, QCLASS IN
  c00c 0005 0001 0000012c 0006       // [33] cam.example.com CNAME IN TTL 300 RDLENGTH 6
  03'cdn' c010                       // [45] cdn + pointer to [16] = cdn.example.com
  c02d 0001 0001 0000003c 0004       // [51] pointer to [45] = cdn.example.com, A IN TTL 60
  c0000207                           // 192.0.2.7
`);

// An AAAA answer for an mDNS-style record (cache-flush bit in the class)
const AAAA_RESPONSE = hex(`
  0000 8400 0000 0001 0000 0000      // id 0, QR AA, no question, 1 answer
  03'cam' 05'local' 00               // cam.local
  001c 8001 00000078 0010            // AAAA, class IN with cache-flush, TTL 120, RDLENGTH 16
  20010db8000000000000000000000001   // 2001:db8::1
`);

describe('DNS', () => {
  it('keeps the query, the answers and the CNAME chain, naming addresses by the question', () => {
    const f = new FlowFeeder(17, 40000, 53);
    f.send(true, hex(`1234 0100 0001 0000 0000 0000  03'cam' 07'example' 03'com' 00 0001 0001`));
    f.send(false, CNAME_RESPONSE, 2000);
    expect(f.flow()).toMatchObject({
      appProto: 'dns',
      dnsQuery: 'cam.example.com',
      dnsAnswers: ['cdn.example.com', '192.0.2.7'],
    });
    expect(f.names.map((n) => [n.client, n.name, n.type, n.address, n.ttl, n.firstSeen])).toEqual([
      ['10.0.0.9', 'cam.example.com', 'CNAME', 'cdn.example.com', 300, 2000],
      ['10.0.0.9', 'cam.example.com', 'A', '192.0.2.7', 60, 2000],
    ]);
    expect(f.problems.total).toBe(0);
  });

  it('reads AAAA records (RFC 5952 text) and mDNS answers without a question', () => {
    const f = new FlowFeeder(17, 5353, 5353).send(true, AAAA_RESPONSE);
    expect(f.names).toMatchObject([{ name: 'cam.local', type: 'AAAA', address: '2001:db8::1', ttl: 120 }]);
    expect(f.flow().dnsAnswers).toEqual(['2001:db8::1']);
  });

  it('reads DNS over TCP with the message split over two segments', () => {
    const msg = Buffer.concat([Buffer.from([0, CNAME_RESPONSE.length]), CNAME_RESPONSE]);
    const f = new FlowFeeder(6, 40001, 53);
    f.send(false, msg.subarray(0, 20)).send(false, msg.subarray(20));
    expect(f.flow().dnsAnswers).toEqual(['cdn.example.com', '192.0.2.7']);
    expect(f.names).toHaveLength(2);
  });

  const header = '1234 8180 0001 0001 0000 0000'; // response, 1 question, 1 answer
  const malformed: Array<[string, string, string]> = [
    ['a pointer to itself', `${header} c00c 0001 0001`, 'dns-bad-pointer'],
    ['a two-step loop', `${header} 01'a' c00e 0001 0001`, 'dns-bad-pointer'], // [14] points at [14]
    ['a pointer that loops through labels', `${header} 01'a' 01'b' c00c`, 'dns-bad-pointer'], // back to the start
    ['a pointer past the end', `${header} c0ff 0001 0001`, 'dns-bad-pointer'],
    ['a reserved label type', `${header} 41'a' 00 0001 0001`, 'dns-bad-label-type'],
    [
      'a name over 255 octets',
      `${header} ${`3f${'61'.repeat(63)}`.repeat(5)} 00 0001 0001`,
      'dns-name-too-long',
    ],
    ['a question cut short', `${header} 07'exam'`, 'dns-truncated'],
    [
      'an answer past the end',
      `${header} 01'a' 00 0001 0001 c00c 0001 0001 0000003c 0010 c0000207`,
      'dns-truncated',
    ],
    ['65535 questions in 20 bytes', "1234 0100 ffff 0000 0000 0000 01'a' 00 0001 0001", 'dns-truncated'],
    ['a header only', '1234 81', 'dns-short'],
  ];
  for (const [what, bytes, reason] of malformed) {
    it(`counts ${what} as ${reason}, throws nothing`, () => {
      const f = new FlowFeeder(17, 40000, 53).send(false, hex(bytes));
      expect(f.problems.count(reason)).toBe(1);
      expect(f.problems.total).toBe(1);
    });
  }
});

describe('passive DNS rows', () => {
  it('merges observations by client, name, type and address', () => {
    const f = new FlowFeeder(17, 40000, 53);
    f.send(false, CNAME_RESPONSE, 1000).send(false, CNAME_RESPONSE, 5000);
    const rows = [...mergeDnsNames(f.names).values()];
    expect(rows).toHaveLength(2);
    expect(rows[1]).toMatchObject({
      name: 'cam.example.com',
      address: '192.0.2.7',
      count: 2,
      firstSeen: 1000,
      lastSeen: 5000,
    });
  });
});

describe('names from the wire are safe to print', () => {
  it('escapes control bytes, dots and backslashes inside DNS labels as \\DDD (RFC 1035 §5.1), keeps UTF-8', () => {
    // query for a label holding ESC [ 2 J (clear screen), a dot and a space
    const q = Buffer.concat([
      hex('1234 0100 0001 0000 0000 0000'),
      Buffer.from([7, 0x1b, 0x5b, 0x32, 0x4a, 0x2e, 0x20, 0x41, 3]),
      Buffer.from('com'),
      hex('00 0001 0001'),
    ]);
    const f = new FlowFeeder(17, 40000, 53).send(true, q);
    expect(f.flow().dnsQuery).toBe('\\027[2J\\046 A.com');
    // the longest name (254 wire octets) made of bytes that all need escaping: 4 text bytes each
    const label = (n: number) => Buffer.concat([Buffer.from([n]), Buffer.alloc(n, 0x2e)]);
    const longest = Buffer.concat([
      hex('1234 0100 0001 0000 0000 0000'),
      label(63),
      label(63),
      label(63),
      label(61),
      hex('00 0001 0001'),
    ]);
    const name = new FlowFeeder(17, 40001, 53).send(true, longest).flow().dnsQuery ?? '';
    expect(name).toHaveLength((63 * 3 + 61) * 4 + 3);
    expect(name.startsWith('\\046\\046')).toBe(true);
    const utf8 = Buffer.from('Joe’s iPhone', 'utf8');
    const mdns = Buffer.concat([
      hex('0000 0000 0001 0000 0000 0000'),
      Buffer.from([utf8.length]),
      utf8,
      hex("05'local' 00 00ff 0001"),
    ]);
    expect(new FlowFeeder(17, 5353, 5353).send(true, mdns).flow().dnsQuery).toBe('Joe’s iPhone.local');
  });
});
