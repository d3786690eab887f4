import { isIP, isIPv4 } from 'node:net';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ipv6Text } from '../ingest/decode/address-text.js';
import {
  FLOW_FIELDS,
  type Flow,
  flowToJson,
  ipv6ToBigInt,
  mappedIpv4,
  parseIpv4,
  parseIpv6,
} from '../model/index.js';
import { ipTextArb } from './helpers/ip-text-arb.js';

describe('the Flow field table', () => {
  it('expands every orig* twin into a resp* field that swaps back to it', () => {
    const names = FLOW_FIELDS.map((f) => f.name as string);
    for (const f of FLOW_FIELDS) {
      if (!f.name.startsWith('orig')) continue;
      const resp = `resp${f.name.slice(4)}`;
      expect(names).toContain(resp);
      expect(f.swapWith).toBe(resp);
    }
    expect(new Set(names).size).toBe(names.length);
  });

  it('has the public jsonl names of DESIGN.md', () => {
    const names = new Set(FLOW_FIELDS.map((f) => f.name as string));
    for (const n of [
      'start',
      'end',
      'proto',
      'vlan',
      'origIp',
      'origPort',
      'respIp',
      'respPort',
      'origMac',
      'respMac',
      'origPackets',
      'origBytes',
      'respPackets',
      'respBytes',
      'tcpFlags',
      'state',
      'communityId',
      'dnsQuery',
      'dnsAnswers',
      'tlsSni',
      'tlsAlpn',
      'ja4',
      'httpHost',
      'httpUserAgent',
      'httpMethod',
      'httpPath',
      'ntpMode',
      'ssdp',
      'stun',
    ]) {
      expect(names.has(n), n).toBe(true);
    }
  });

  it('writes times as ISO-8601 UTC with milliseconds and omits absent values', () => {
    const flow: Flow = {
      start: Date.UTC(2024, 0, 2, 3, 4, 5, 678),
      end: Date.UTC(2024, 0, 2, 3, 4, 6, 0) + 0.5,
      proto: 6,
      origIp: '10.0.0.1',
      origPort: 1234,
      respIp: '10.0.0.2',
      respPort: 554,
      origPackets: 1,
      respPackets: 0,
      origBytes: 60,
      respBytes: 0,
      sourceFormat: 'pcap',
    };
    const j = flowToJson(flow);
    expect(j.start).toBe('2024-01-02T03:04:05.678Z');
    expect(j.end).toBe('2024-01-02T03:04:06.000Z');
    expect('vlan' in j).toBe(false);
    expect(Object.keys(j).slice(0, 3)).toEqual(['start', 'end', 'proto']);
  });
});

it('writes any subset of fields as one JSON object, keys in table order, empty lists left out', () => {
  const valueArb = (kind: string): fc.Arbitrary<unknown> =>
    kind === 'timeMs'
      ? fc.double({ min: 0, max: 4e12, noNaN: true })
      : kind === 'uint'
        ? fc.nat()
        : kind === 'strings'
          ? fc.array(fc.string({ unit: 'binary' }), { maxLength: 3 })
          : fc.string({ unit: 'binary' });
  const flowArb = fc.record(
    Object.fromEntries(FLOW_FIELDS.map((f) => [f.name, fc.option(valueArb(f.kind), { nil: undefined })])),
    { requiredKeys: [] },
  );
  fc.assert(
    fc.property(flowArb, (partial) => {
      const flow = partial as unknown as Flow;
      const expected: [string, unknown][] = [];
      for (const f of FLOW_FIELDS) {
        const v = (partial as Record<string, unknown>)[f.name];
        if (v === undefined || (Array.isArray(v) && v.length === 0)) continue;
        expected.push([f.name, f.kind === 'timeMs' ? new Date(Math.floor(v as number)).toISOString() : v]);
      }
      expect(Object.entries(flowToJson(flow))).toEqual(expected);
    }),
    { numRuns: 300 },
  );
});

describe('IP address text (model/ip-address.ts)', () => {
  const words = new Uint32Array(4);
  const accepts = (s: string) => parseIpv4(s) >= 0 || parseIpv6(s, words);

  it('parses IPv4, IPv6, IPv4-mapped and embedded-IPv4 forms', () => {
    expect(parseIpv4('192.168.1.10')).toBe(0xc0a8010a);
    expect(parseIpv4('255.255.255.255')).toBe(0xffffffff);
    expect(parseIpv4('0.0.0.0')).toBe(0);
    expect(parseIpv6('2001:DB8::1', words)).toBe(true);
    expect([...words]).toEqual([0x20010db8, 0, 0, 1]);
    expect(parseIpv6('::ffff:192.0.2.1', words)).toBe(true);
    expect(mappedIpv4(words)).toBe(0xc0000201);
    expect(parseIpv6('64:ff9b::10.0.0.1', words)).toBe(true);
    expect([...words]).toEqual([0x0064ff9b, 0, 0, 0x0a000001]);
    expect(mappedIpv4(words)).toBe(-1);
    expect(parseIpv6('fe80::1%eth0', words)).toBe(true);
    expect(ipv6ToBigInt([0x20010db8, 0, 0, 1])).toBe((0x20010db8n << 96n) | 1n);
  });

  it('refuses leading zeros in IPv4 octets, as inet_pton does', () => {
    for (const bad of [
      '010.1.2.3',
      '1.2.3.00',
      '00.0.0.0',
      '::ffff:010.1.2.3',
      '1.2.3',
      '1.2.3.4.5',
      '256.1.1.1',
    ])
      expect(accepts(bad), bad).toBe(false);
  });

  it('accepts exactly what net.isIP accepts (random and edge-case text)', () => {
    fc.assert(
      fc.property(ipTextArb, (s) => {
        expect(accepts(s), JSON.stringify(s)).toBe(isIP(s) !== 0);
        if (parseIpv4(s) >= 0) expect(isIPv4(s)).toBe(true);
      }),
      { numRuns: 20_000 },
    );
  });

  it('reads back the words of RFC 5952 text', () => {
    const word = fc.integer({ min: 0, max: 0xffffffff });
    fc.assert(
      fc.property(fc.tuple(word, word, word, word), (w) => {
        expect(parseIpv6(ipv6Text(w[0], w[1], w[2], w[3]), words)).toBe(true);
        expect([...words]).toEqual(w);
      }),
    );
  });
});
