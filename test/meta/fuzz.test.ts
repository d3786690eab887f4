/**
 * Property tests: arbitrary bytes and mutated real packets into every extractor. Each must return
 * (no exception, no hang: the suite's timeout is the bound), keep its buffers within the budget and
 * count what it rejects. CAMWATCH_FUZZ_RUNS raises the number of runs (CI uses a longer budget).
 */

import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { readCertNames } from '../../ingest/meta/der.js';
import { parseDnsMessage } from '../../ingest/meta/dns.js';
import { createFlowMeta, createMetaInspector, type FlowMeta } from '../../ingest/meta/index.js';
import { inspectQuicClient } from '../../ingest/meta/quic.js';
import { parseClientHello } from '../../ingest/meta/tls.js';
import { ProblemLog } from '../../model/problem-log.js';
import { ROOT } from '../helpers/paths.js';

const RUNS = Number(process.env.CAMWATCH_FUZZ_RUNS ?? 300);
const BUDGET = 4096;

interface Pkt {
  proto: number;
  sp: number;
  dp: number;
  fromOrig: boolean;
  payload: Buffer;
}

/**
 * The first payload packets of each conversation of some real captures, as tshark sees them
 * (test/fixtures/meta/make-fuzz-seeds.sh writes them), by group: dns, tls, quic, text, udp.
 */
const seeds = JSON.parse(readFileSync(resolve(ROOT, 'test/fixtures/meta/fuzz-seeds.json'), 'utf8')) as Record<
  string,
  Array<Array<Omit<Pkt, 'payload'> & { hex: string }>>
>;
const recorded: Record<string, Pkt[][]> = Object.fromEntries(
  Object.entries(seeds).map(([g, flows]) => [
    g,
    flows.map((f) => f.map(({ hex, ...p }) => ({ ...p, payload: Buffer.from(hex, 'hex') }))),
  ]),
);

function feed(pkts: Pkt[], budget = BUDGET): { meta: FlowMeta; problems: ProblemLog; calls: number } {
  const problems = new ProblemLog();
  const insp = createMetaInspector({ maxBytesPerFlow: budget }, { names: [], problems, file: 'fuzz' });
  const meta = insp.create();
  let calls = 0;
  for (const p of pkts) {
    calls++;
    const r = insp.inspect(
      meta,
      p.proto,
      p.sp,
      p.dp,
      p.fromOrig,
      p.payload,
      0,
      p.payload.length,
      0,
      () => '10.0.0.1',
    );
    expect(typeof r).toBe('boolean');
    // the inspector's floor for the budget is 64 bytes
    expect(meta.origCarryLen).toBeLessThanOrEqual(Math.max(64, budget));
    expect(meta.respCarryLen).toBeLessThanOrEqual(Math.max(64, budget));
    if (!r) break;
  }
  insp.finish(meta, {} as never);
  return { meta, problems, calls };
}

const mutation = fc.record({
  flips: fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { maxLength: 8 }),
  cut: fc.option(fc.nat(), { nil: undefined }),
  which: fc.nat(),
});

function mutate(
  pkts: Pkt[],
  m: { flips: Array<[number, number]>; cut: number | undefined; which: number },
): Pkt[] {
  return pkts.map((p, i) => {
    if (i !== m.which % pkts.length && m.flips.length > 0 && i % 2 === 1) return p;
    let b = Buffer.from(p.payload);
    for (const [pos, v] of m.flips) if (b.length > 0) b[pos % b.length] = v;
    if (m.cut !== undefined && i === m.which % pkts.length && b.length > 0)
      b = b.subarray(0, m.cut % b.length);
    return { ...p, payload: b };
  });
}

describe('metadata extractors under mutated real packets', () => {
  for (const k of Object.keys(recorded)) {
    it(`${k}: mutated flows never throw and stay within the budget`, () => {
      const flows = recorded[k];
      expect(flows.length).toBeGreaterThan(0);
      fc.assert(
        fc.property(fc.nat(), mutation, fc.integer({ min: 16, max: 4096 }), (i, m, budget) => {
          feed(mutate(flows[i % flows.length], m), budget);
        }),
        { numRuns: RUNS },
      );
    });
  }

  it('the unmutated QUIC flows decrypt (the mutations above start from real Initials)', () => {
    const named = recorded.quic.map((f) => feed(f).meta.tlsSni).filter((s) => s !== '');
    expect(named.length).toBeGreaterThanOrEqual(9);
  });
});

describe('metadata extractors under random bytes', () => {
  const ports = [53, 5353, 123, 1900, 5351, 443, 554, 8554, 3478, 3702, 80, 31337];
  it('the inspector takes any packet sequence on any port', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(6, 17),
        fc.constantFrom(...ports),
        fc.array(fc.tuple(fc.boolean(), fc.uint8Array({ maxLength: 1600 })), { minLength: 1, maxLength: 6 }),
        (proto, port, packets) => {
          feed(
            packets.map(([fromOrig, bytes]) => ({
              proto,
              sp: fromOrig ? 40000 : port,
              dp: fromOrig ? port : 40000,
              fromOrig,
              payload: Buffer.from(bytes),
            })),
          );
        },
      ),
      { numRuns: RUNS * 3 },
    );
  });

  it('protocol-shaped prefixes with random tails (TLS, QUIC, STUN, DNS, HTTP) never throw', () => {
    const prefixes = [
      '160301', // TLS handshake record
      '16030100ff01', // ClientHello header
      'c000000001', // QUIC v1 long header, Initial
      'd06b3343cf', // QUIC v2 long header, Initial
      '000100002112a442', // STUN binding request
      '12340100', // DNS query header start
      Buffer.from('GET / HTTP/1.1\r\nHost: ').toString('hex'),
    ].map((h) => Buffer.from(h, 'hex'));
    fc.assert(
      fc.property(
        fc.constantFrom(...prefixes),
        fc.uint8Array({ maxLength: 1500 }),
        fc.constantFrom(6, 17),
        fc.constantFrom(443, 53, 80, 3478),
        (prefix, tail, proto, port) => {
          const payload = Buffer.concat([prefix, Buffer.from(tail)]);
          feed([{ proto, sp: 40000, dp: port, fromOrig: true, payload }]);
        },
      ),
      { numRuns: RUNS * 3 },
    );
  });

  it('each extractor on its own takes arbitrary bytes', () => {
    const ctx = { names: [], problems: new ProblemLog(), file: 'fuzz' };
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 2000 }), fc.nat(), (bytes, cutAt) => {
        const b = Buffer.from(bytes);
        const meta = createFlowMeta();
        expect(typeof parseDnsMessage(meta, b, 0, b.length, 0, () => 'x', ctx)).toBe('string');
        parseClientHello(meta, b, 0, b.length, 't');
        parseClientHello(meta, b, 0, b.length, 'd');
        readCertNames(b, 0, b.length > 0 ? cutAt % (b.length + 1) : 0);
        inspectQuicClient(meta, b, 0, b.length, BUDGET, () => {});
      }),
      { numRuns: RUNS * 3 },
    );
  });
});
