import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ipv6Text } from '../../ingest/decode/address-text.js';
import { communityId, flowCommunityId } from '../../ingest/flow/community-id.js';
import { ipAt, parseDateTimeMs, parseSecondsToMs, parseUint } from '../../ingest/flowlogs/byte-parse.js';
import { ipFromText } from '../../ingest/flowlogs/ip-text.js';
import { JsonObjectStream } from '../../ingest/flowlogs/json-object-stream.js';
import { LineSplitter } from '../../ingest/flowlogs/line-splitter.js';
import { type Flow, parseIpv4, parseIpv6 } from '../../model/index.js';
import { ipTextArb } from '../helpers/ip-text-arb.js';

/** Cuts `bytes` at the given positions into chunks. */
function chunks(bytes: Buffer, cuts: number[]): Buffer[] {
  const at = [...new Set(cuts.map((c) => c % (bytes.length + 1)))].sort((a, b) => a - b);
  const out: Buffer[] = [];
  let p = 0;
  for (const c of at) {
    out.push(bytes.subarray(p, c));
    p = c;
  }
  out.push(bytes.subarray(p));
  return out;
}

describe('LineSplitter', () => {
  it('gives the same lines, numbers and offsets however the stream is chunked', () => {
    fc.assert(
      fc.property(
        fc.string({ unit: fc.constantFrom('a', 'b', '\n', '\r', 'é', '\t') }),
        fc.array(fc.nat()),
        (text, cuts) => {
          const bytes = Buffer.from(text);
          const got: Array<[string, number, number]> = [];
          const sp = new LineSplitter();
          const on = (b: Buffer, s: number, e: number, n: number, off: number) => {
            got.push([b.toString('utf8', s, e), n, off]);
          };
          for (const c of chunks(bytes, cuts)) sp.push(c, on);
          sp.end(on);
          // Reference: split on \n, drop one trailing \r per line, no empty last line.
          const want: Array<[string, number, number]> = [];
          let off = 0;
          const parts = bytes.toString('utf8').split('\n');
          parts.forEach((l, i) => {
            if (i === parts.length - 1 && l === '') return;
            want.push([l.endsWith('\r') ? l.slice(0, -1) : l, i + 1, off]);
            off += Buffer.byteLength(l) + 1;
          });
          expect(got).toEqual(want);
        },
      ),
      { numRuns: 300 },
    );
  });
});

describe('JsonObjectStream', () => {
  it('finds the elements of an array at depth 1 however the stream is chunked, braces in strings ignored', () => {
    const value = fc.array(
      fc.record({
        a: fc.string(),
        b: fc.integer(),
        c: fc.array(fc.string({ unit: fc.constantFrom('{', '}', '"', '\\', 'x') })),
      }),
      { maxLength: 8 },
    );
    fc.assert(
      fc.property(value, fc.array(fc.nat()), (objs, cuts) => {
        const bytes = Buffer.from(JSON.stringify(objs, null, 2));
        const got: unknown[] = [];
        const st = new JsonObjectStream(new Set([1]));
        for (const c of chunks(bytes, cuts))
          st.push(c, (b, s, e) => got.push(JSON.parse(b.toString('utf8', s, e))));
        expect(got).toEqual(objs);
        expect(st.unfinished).toBe(false);
      }),
      { numRuns: 200 },
    );
  });
});

describe('byte-level number, time and address parsing', () => {
  const b = (s: string) => Buffer.from(s);
  it('parses what Number/Date.parse parse, and refuses the rest', () => {
    fc.assert(
      fc.property(fc.nat({ max: 2 ** 40 }), (n) => {
        const t = b(String(n));
        expect(parseUint(t, 0, t.length)).toBe(n);
      }),
    );
    expect(parseUint(b('12a'), 0, 3)).toBe(-1);
    expect(parseUint(b(''), 0, 0)).toBe(-1);
    expect(parseSecondsToMs(b('1672843056.913119'), 0, 17)).toBeCloseTo(1672843056913.119, 3);
    expect(parseSecondsToMs(b('0.5'), 0, 3)).toBe(500);
    expect(parseSecondsToMs(b('1.2.3'), 0, 5)).toBeNaN();
    expect(parseDateTimeMs(b('2018-01-12 15:37:30.942'), 0, 23)).toBe(Date.UTC(2018, 0, 12, 15, 37, 30, 942));
    expect(parseDateTimeMs(b('2018-13-12 15:37:30'), 0, 19)).toBeNaN();
  });

  it('accepts dotted IPv4 and IPv6 text only', () => {
    const ip = (s: string) => ipAt(b(s), 0, s.length);
    expect(ip('192.0.2.1')).toBe('192.0.2.1');
    expect(ip('2001:DB8::1')).toBe('2001:db8::1');
    expect(ip('::ffff:192.0.2.1')).toBe('::ffff:192.0.2.1');
    for (const bad of ['256.0.0.1', '1.2.3', '1.2.3.4.5', 'host', '1..2.3', '', '12:34', 'g::1'])
      expect(ip(bad)).toBeUndefined();
    for (const bad of [
      '010.1.2.3',
      '1.2.3.01',
      '::ffff:010.1.2.3',
      '1::2::3',
      '1:2:3:4:5:6:7:8:9',
      'fe80::1%eth0',
    ])
      expect(ip(bad), bad).toBeUndefined();
  });

  it('ipAt and ipFromText agree with the model parser (random and edge-case text)', () => {
    const words = new Uint32Array(4);
    fc.assert(
      fc.property(ipTextArb, (s) => {
        const model = !s.includes('%') && (parseIpv4(s) >= 0 || parseIpv6(s, words));
        const expected = model ? s.toLowerCase() : undefined;
        expect(ipAt(Buffer.from(`,${s},`, 'latin1'), 1, s.length + 1), JSON.stringify(s)).toBe(expected);
        expect(ipFromText(s), JSON.stringify(s)).toBe(expected);
      }),
      { numRuns: 20_000 },
    );
  });
});

describe('flowCommunityId', () => {
  it('text and word entry points agree on random IPv4/IPv6 flows', () => {
    const word = fc.integer({ min: 0, max: 0xffffffff });
    fc.assert(
      fc.property(
        fc.boolean(),
        fc.tuple(word, word, word, word),
        fc.tuple(word, word, word, word),
        fc.constantFrom(6, 17, 132, 47),
        fc.integer({ min: 0, max: 65535 }),
        fc.integer({ min: 0, max: 65535 }),
        (v6, a, b, proto, sp, dp) => {
          const text = (w: number[]) =>
            v6
              ? ipv6Text(w[0], w[1], w[2], w[3])
              : `${w[0] >>> 24}.${(w[0] >>> 16) & 255}.${(w[0] >>> 8) & 255}.${w[0] & 255}`;
          const f = { origIp: text(a), respIp: text(b), proto, origPort: sp, respPort: dp } as Flow;
          const hasPorts = proto !== 47;
          expect(flowCommunityId(f)).toBe(communityId(v6, proto, a, 0, sp, b, 0, dp, hasPorts));
        },
      ),
      { numRuns: 300 },
    );
  });
});
