import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { fc, test as fcTest } from '@fast-check/vitest';
import { describe, expect, it } from 'vitest';
import { GAP_RING, MIN_GAPS, PacketGaps } from '../../ingest/flow/packet-gaps.js';
import type { Flow } from '../../model/index.js';
import { DATA, ROOT } from '../helpers/paths.js';
import { NO_TIMEOUTS, readFlows } from '../helpers/read-flows.js';

interface Expected {
  packets: number;
  medianMs: number;
  madMs: number;
}
/** From tshark's frame times (test/fixtures/gaps/make-gaps.sh), never from camwatch. */
const EXPECTED = JSON.parse(readFileSync(resolve(ROOT, 'test/fixtures/gaps/expected.json'), 'utf8')) as {
  files: Record<string, Record<string, Expected>>;
};

// Each gap is stored in 8 ms steps (rounded: off by ≤ 4 ms), so the median is off by ≤ 4 ms and
// each deviation from it by ≤ 8 ms.
const MEDIAN_TOL = 4;
const MAD_TOL = 8;

const dirKey = (f: Flow, orig: boolean): string =>
  orig
    ? `${f.vlan ?? 0} ${f.proto} ${f.origIp} ${f.origPort} ${f.respIp} ${f.respPort}`
    : `${f.vlan ?? 0} ${f.proto} ${f.respIp} ${f.respPort} ${f.origIp} ${f.origPort}`;

describe('per-flow packet gaps against tshark', () => {
  for (const [name, tuples] of Object.entries(EXPECTED.files)) {
    it(`${name}: median and MAD of the last ${GAP_RING} gaps of each direction`, async () => {
      const path = name.startsWith('examples/') ? resolve(ROOT, name) : resolve(DATA, name);
      const { flows } = await readFlows([path], { readerOptions: { '*': { flowTable: NO_TIMEOUTS } } });
      const records = new Map<string, number>();
      for (const f of flows) records.set(dirKey(f, true), (records.get(dirKey(f, true)) ?? 0) + 1);
      let compared = 0;
      for (const f of flows) {
        if (records.get(dirKey(f, true)) !== 1) continue; // split by TCP close / port reuse
        for (const orig of [true, false]) {
          const packets = orig ? f.origPackets : f.respPackets;
          const median = orig ? f.origGapMedianMs : f.respGapMedianMs;
          const mad = orig ? f.origGapMadMs : f.respGapMadMs;
          const want = tuples[dirKey(f, orig)];
          if (packets < MIN_GAPS + 1) {
            expect(median, `${dirKey(f, orig)}: ${packets} packets`).toBeUndefined();
            continue;
          }
          if (want === undefined || want.packets !== packets) continue; // not the same packets
          expect(
            Math.abs((median ?? Number.NaN) - want.medianMs),
            `${dirKey(f, orig)} median`,
          ).toBeLessThanOrEqual(MEDIAN_TOL);
          expect(Math.abs((mad ?? Number.NaN) - want.madMs), `${dirKey(f, orig)} MAD`).toBeLessThanOrEqual(
            MAD_TOL,
          );
          compared++;
        }
      }
      // Most tuples tshark saw with ≥ 5 packets must have been compared, not skipped.
      expect(compared).toBeGreaterThanOrEqual(Math.ceil(Object.keys(tuples).length * 0.8));
    });
  }

  it('the shipped example has a P2P heartbeat whose period shows in one flow', async () => {
    const truth = JSON.parse(readFileSync(resolve(ROOT, 'examples/camera-vlan.truth.json'), 'utf8')) as {
      cameras: Record<string, { behaviours: { type: string; dst_ip: string; period_s: number }[] }>;
    };
    const beats = Object.entries(truth.cameras).flatMap(([cam, c]) =>
      c.behaviours
        .filter((b) => b.type === 'p2p_heartbeat')
        .map((b) => ({ cam, relay: b.dst_ip, periodMs: b.period_s * 1000 })),
    );
    expect(beats.length).toBeGreaterThan(0);
    const { flows } = await readFlows([resolve(ROOT, 'examples/camera-vlan.pcap.gz')]);
    for (const b of beats) {
      const f = flows.find((x) => x.origIp === b.cam && x.respIp === b.relay && (x.origGapMedianMs ?? 0) > 0);
      expect(f, `${b.cam} → ${b.relay}`).toBeDefined();
      // The generator jitters each period; the median stays within 20 % of the labelled one.
      expect(Math.abs((f?.origGapMedianMs ?? 0) - b.periodMs)).toBeLessThanOrEqual(0.2 * b.periodMs);
    }
  });
});

describe('PacketGaps', () => {
  const brute = (gaps: number[]): { median: number; mad: number } => {
    const med = (v: number[]): number => {
      const s = [...v].sort((a, b) => a - b);
      const h = s.length >> 1;
      return s.length % 2 ? s[h] : (s[h - 1] + s[h]) / 2;
    };
    const m = med(gaps);
    return { median: m, mad: med(gaps.map((g) => Math.abs(g - m))) };
  };

  fcTest.prop([fc.array(fc.integer({ min: 0, max: 500_000 }), { minLength: 1, maxLength: 60 })])(
    'the summary is the median and MAD of the last 16 gaps (in 8 ms steps)',
    (gapsMs) => {
      const g = new PacketGaps();
      g.grow(3);
      let t = 1.7e12;
      g.note(2, 1, 1, t);
      gapsMs.forEach((d, i) => {
        t += d;
        g.note(2, 1, i + 2, t);
      });
      const out = { medianMs: -1, madMs: -1 };
      const ok = g.summarise(2, 1, gapsMs.length + 1, out);
      expect(ok).toBe(gapsMs.length >= MIN_GAPS);
      if (!ok) return;
      // Stored steps are round(gap / 8): compute the same statistics on those, independently.
      const want = brute(gapsMs.slice(-GAP_RING).map((d) => Math.min(0xffff, Math.round(d / 8))));
      expect(out.medianMs).toBe(Math.round(want.median * 8));
      expect(out.madMs).toBe(Math.round(want.mad * 8));
    },
  );

  it('keeps directions and slots apart, and restarts with a new record', () => {
    const g = new PacketGaps();
    g.grow(2);
    for (let i = 1; i <= 6; i++) {
      g.note(0, 0, i, i * 1000);
      g.note(1, 0, i, i * 5000);
      g.note(0, 1, i, i * 200);
    }
    const out = { medianMs: 0, madMs: 0 };
    g.summarise(0, 0, 6, out);
    expect(out).toEqual({ medianMs: 1000, madMs: 0 });
    g.summarise(1, 0, 6, out);
    expect(out).toEqual({ medianMs: 5000, madMs: 0 });
    g.summarise(0, 1, 6, out);
    expect(out).toEqual({ medianMs: 200, madMs: 0 });
    // The active timeout restarts the count at 1: the gap across the cut is not taken.
    for (let i = 1; i <= 5; i++) g.note(0, 0, i, 100_000 + i * 3000);
    g.summarise(0, 0, 5, out);
    expect(out).toEqual({ medianMs: 3000, madMs: 0 });
  });
});
