/**
 * Beacon scoring on synthetic series from known generators. The expected values come from the
 * definitions (worked out in the comments), not from running the code: a 60 s timer with ±10 % jitter
 * is on time at every interval, Poisson arrivals are on time with probability 2^-0.8 − 2^-1.2 ≈ 0.139.
 */
import { fc, test as fcTest } from '@fast-check/vitest';
import { describe, expect, test } from 'vitest';
import {
  poissonOnTimeProbability,
  scoreBeacon,
  scoreSessions,
} from '../../analyzer/detectors/beacon-score.js';
import { ritaBeaconScore } from '../../analyzer/detectors/rita-beacon.js';
import { binomialTail, bowleySkew, mad, median, quartiles } from '../../analyzer/detectors/robust-stats.js';

/** mulberry32: a small seeded PRNG, so every series is reproducible. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const T0 = Date.UTC(2026, 10, 27, 8, 0, 0);
const HOUR = 3_600_000;

interface Series {
  startsMs: number[];
  bytes: number[];
}

/** A timer of `periodS` with uniform jitter ±frac, optionally dropping beats with probability `drop`. */
function timer(seed: number, periodS: number, frac: number, durationMs: number, drop = 0): Series {
  const r = rng(seed);
  const startsMs: number[] = [];
  const bytes: number[] = [];
  let t = T0 + r() * periodS * 1000;
  while (t < T0 + durationMs) {
    if (r() >= drop) {
      startsMs.push(t);
      bytes.push(600 + Math.floor(r() * 40));
    }
    t += periodS * 1000 * (1 + (2 * r() - 1) * frac);
  }
  return { startsMs, bytes };
}

/** Gaussian jitter (sd = frac·period), Box-Muller. */
function gaussTimer(seed: number, periodS: number, frac: number, durationMs: number): Series {
  const r = rng(seed);
  const startsMs: number[] = [];
  const bytes: number[] = [];
  let t = T0;
  while (t < T0 + durationMs) {
    startsMs.push(t);
    bytes.push(600);
    const z = Math.sqrt(-2 * Math.log(1 - r())) * Math.cos(2 * Math.PI * r());
    t += Math.max(0.3, 1 + z * frac) * periodS * 1000;
  }
  return { startsMs, bytes };
}

/** Poisson arrivals with mean gap `meanS`, sizes spread over 200..5000 bytes. */
function poisson(seed: number, meanS: number, durationMs: number): Series {
  const r = rng(seed);
  const startsMs: number[] = [];
  const bytes: number[] = [];
  let t = T0;
  for (;;) {
    t += -Math.log(1 - r()) * meanS * 1000;
    if (t >= T0 + durationMs) break;
    startsMs.push(t);
    bytes.push(200 + Math.floor(r() * 4800));
  }
  return { startsMs, bytes };
}

const win = (ms: number) => ({ windowStartMs: T0, windowEndMs: T0 + ms });
const SEEDS = [1, 2, 3, 4, 5, 6, 7, 8];

describe('robust statistics (montanaflynn/stats definitions)', () => {
  test('median, quartiles (middle element excluded for odd n), MAD, Bowley skew', () => {
    expect(median([1, 2, 3, 4])).toBe(2.5);
    expect(quartiles([1, 2, 3, 4, 5, 6, 7])).toEqual([2, 4, 6]); // halves [1,2,3] and [5,6,7]
    expect(quartiles([10, 10, 20, 60])).toEqual([10, 15, 40]);
    expect(mad([10, 10, 20, 60])).toBe(5); // |x−15| = 5,5,5,45
    expect(bowleySkew([10, 10, 20, 60])).toBeCloseTo(20 / 30, 12);
    expect(bowleySkew([1, 2, 3, 4, 5, 6, 30])).toBe(0); // Q = 2,4,6: IQR 4 < 10, RITA's guard
    expect(bowleySkew([1, 2, 3, 4, 50])).toBeCloseTo((1.5 + 27 - 6) / 25.5, 12); // Q = 1.5,3,27
  });

  fcTest.prop([
    fc.array(
      fc.oneof(fc.integer({ min: -50, max: 50 }), fc.double({ noNaN: true, noDefaultInfinity: true })),
      {
        minLength: 1,
        maxLength: 60,
      },
    ),
  ])('MAD of a sorted series equals the median of the sorted absolute deviations (the definition)', (xs) => {
    const sorted = [...xs].sort((a, b) => a - b);
    const med = median(sorted);
    const dev = sorted.map((x) => Math.abs(x - med)).sort((a, b) => a - b);
    // == rather than toBe: −0 and +0 are the same deviation
    expect(mad(sorted) === median(dev)).toBe(true);
  });

  test('binomial tail', () => {
    expect(binomialTail(4, 4, 0.5)).toBeCloseTo(1 / 16, 12);
    expect(binomialTail(3, 2, 0.5)).toBeCloseTo(4 / 8, 12);
    expect(binomialTail(10, 0, 0.3)).toBe(1);
    expect(binomialTail(10, 11, 0.3)).toBe(0);
    expect(binomialTail(2000, 1000, 0.139)).toBeLessThan(1e-100);
  });

  test('Poisson on-time probability at 20 % tolerance', () => {
    expect(poissonOnTimeProbability(0.2)).toBeCloseTo(2 ** -0.8 - 2 ** -1.2, 12);
    expect(poissonOnTimeProbability(0.2)).toBeCloseTo(0.139, 3);
  });
});

describe('RITA v5 beacon score (exact formulas, anchors.md §1.3)', () => {
  test('a perfect 60 s heartbeat of constant size all day scores 1 on every sub-score', () => {
    const ts = Array.from({ length: 1440 }, (_, i) => i * 60);
    const r = ritaBeaconScore(ts, new Array(1440).fill(300), 0, 86_400);
    expect(r).toEqual({ ts: 1, ds: 1, hist: 1, dur: 1, score: 1 });
  });

  test('a hand-worked small case', () => {
    // deltas [10,10,20,60]: Q = 10,15,40 → skew 2/3 → skewScore 1/3; MAD 5 → madScore 10/15 → ts 0.5
    // sizes constant → ds 1; 5 of 24 bins hit once → CV 1.95 > 1 → cvScore 0; 5 bars < 11 → no bimodal;
    // 5 bars < 6 → dur 0. score = 0.25·0.5 + 0.25·1 = 0.375
    const r = ritaBeaconScore([0, 10, 20, 40, 100], [100, 100, 100, 100, 100], 0, 100);
    expect(r).toEqual({ ts: 0.5, ds: 1, hist: 0, dur: 0, score: 0.375 });
  });

  test('fewer than 4 timestamps or 3 sizes score 0 on that dimension', () => {
    const r = ritaBeaconScore([0, 60, 120], [1, 2], 0, 200);
    expect(r.ts).toBe(0);
    expect(r.ds).toBe(0);
  });
});

describe('scoreBeacon', () => {
  test('60 s ± 10 % uniform jitter over an hour: high score on every seed', () => {
    // every interval within ±20 % of the median → on-time 1; MAD ≈ 3 s → MAD score ≈ 0.95;
    // 59 on-time intervals → evidence 1; coverage ≈ 1. Score ≈ 95.
    for (const seed of SEEDS) {
      const s = timer(seed, 60, 0.1, HOUR);
      const b = scoreBeacon({ ...s, ...win(HOUR) });
      expect(b.score, `seed ${seed}`).toBeGreaterThanOrEqual(85);
      expect(b.onTime).toBe(b.intervals);
      expect(b.periodMs).toBeGreaterThan(57_000);
      expect(b.periodMs).toBeLessThan(63_000);
      expect(b.sub.evidence).toBe(1);
      expect(b.basis).toBe('connections');
    }
  });

  test('Gaussian jitter (sd 10 % of the period) still scores high', () => {
    // P(|Z| ≤ 2) ≈ 0.95 on time; MAD ≈ 0.067·m
    for (const seed of SEEDS) {
      const b = scoreBeacon({ ...gaussTimer(seed, 60, 0.1, HOUR), ...win(HOUR) });
      expect(b.score, `seed ${seed}`).toBeGreaterThanOrEqual(80);
    }
  });

  test('Poisson arrivals with the same mean score low on every seed', () => {
    // on-time ≈ 13.9 % → binomial tail ≈ 0.5 → evidence ≈ 0.1; MAD/median ≈ 0.69
    for (const seed of SEEDS) {
      const b = scoreBeacon({ ...poisson(seed, 60, HOUR), ...win(HOUR) });
      expect(b.score, `seed ${seed}`).toBeLessThan(30);
      expect(b.sub.interval).toBeLessThan(0.5);
    }
  });

  test('a sparse capture that lost 25 % of the beats is still a beacon', () => {
    // a missed beat is an interval of ≈ 2·m: counted half; the median stays at m
    for (const seed of SEEDS) {
      const b = scoreBeacon({ ...timer(seed, 60, 0.1, HOUR, 0.25), ...win(HOUR) });
      expect(b.score, `seed ${seed}`).toBeGreaterThanOrEqual(75);
      expect(b.missedBeats).toBeGreaterThan(0);
    }
  });

  test('short windows: 6 beats of a 600 s timer in one hour are enough; RITA`s hourly histogram is blind', () => {
    // 5 on-time intervals of 5: tail = 0.139^4 ≈ 3.7e-4 → evidence 1; span 3000 s < 3 bins of 4·m → no histogram
    const s = timer(11, 600, 0.05, HOUR);
    expect(s.startsMs.length).toBeGreaterThanOrEqual(5);
    const b = scoreBeacon({ ...s, ...win(HOUR) });
    expect(b.score).toBeGreaterThanOrEqual(85);
    expect(b.sub.histogram).toBeUndefined();
    expect(b.rita.hist).toBe(0);
  });

  test('evidence grows with the number of on-time intervals', () => {
    // perfect timers: 2, 3, 4 intervals → tails 0.139, 0.0193, 0.0027 → evidence 0.286, 0.571, 0.857
    const ev = [3, 4, 5].map((k) => {
      const startsMs = Array.from({ length: k }, (_, i) => T0 + i * 300_000);
      return scoreBeacon({ startsMs, ...win(k * 300_000) }).sub.evidence;
    });
    expect(ev[0]).toBeCloseTo(-Math.log10(0.139) / 3, 2);
    expect(ev[1]).toBeCloseTo(-Math.log10(0.139 ** 2) / 3, 2);
    expect(ev[2]).toBeCloseTo(-Math.log10(0.139 ** 3) / 3, 2);
    // three connections are too few to call a beacon at the default threshold (70)
    expect(scoreBeacon({ startsMs: [T0, T0 + 300_000, T0 + 600_000], ...win(900_000) }).score).toBeLessThan(
      70,
    );
  });

  test('a burst of connections per beat is one event', () => {
    const startsMs: number[] = [];
    for (let i = 0; i < 30; i++)
      startsMs.push(T0 + i * 120_000, T0 + i * 120_000 + 150, T0 + i * 120_000 + 400);
    const b = scoreBeacon({ startsMs, ...win(HOUR) });
    expect(b.events).toBe(30);
    expect(b.connections).toBe(90);
    expect(b.periodMs).toBe(120_000);
    expect(b.score).toBeGreaterThanOrEqual(90);
  });

  test('one session cut every 30 min by an exporter is not a beacon by itself', () => {
    const startsMs = [0, 1, 2, 3, 4].map((i) => T0 + i * 1_800_000);
    const endsMs = startsMs.map((s) => s + 1_800_000 - 5);
    const b = scoreBeacon({ startsMs, endsMs, ...win(5 * 1_800_000) });
    expect(b.splitSession).toBe(true);
    expect(b.score).toBe(0);
  });

  test('a heartbeat inside one long session is found from packet timing', () => {
    // Tapo-like: 55 s heartbeat for the whole hour, MAD 1 s, 65 packets → on-time estimated 0.95
    const sessions = [{ startMs: T0, endMs: T0 + HOUR, packets: 65, gapMedianMs: 55_000, gapMadMs: 1_000 }];
    const b = scoreBeacon({ startsMs: [T0], endsMs: [T0 + HOUR], sessions, ...win(HOUR) });
    expect(b.basis).toBe('sessions');
    expect(b.periodMs).toBe(55_000);
    expect(b.score).toBeGreaterThanOrEqual(80);
    // Poisson-like packet gaps inside the session (MAD/median ≈ 0.69) are not periodic
    const noisy = scoreSessions([{ ...sessions[0]!, gapMadMs: 38_000 }], HOUR);
    expect(noisy!.score).toBeLessThan(0.3);
    // bulk transfer gaps (< 1 s) are not heartbeats
    expect(scoreSessions([{ ...sessions[0]!, gapMedianMs: 20, gapMadMs: 1 }], HOUR)).toBeUndefined();
  });

  test('more than one connection per second is a strobe, not a beacon', () => {
    const startsMs = Array.from({ length: 600 }, (_, i) => T0 + i * 400);
    const b = scoreBeacon({ startsMs, ...win(HOUR) });
    expect(b.strobe).toBe(true);
    expect(b.score).toBe(0);
  });

  test('sizes: constant sizes help, random sizes do not', () => {
    const s = timer(3, 60, 0.1, HOUR);
    const constant = scoreBeacon({ ...s, ...win(HOUR) });
    const random = scoreBeacon({
      ...s,
      bytes: s.bytes.map((_, i) => 200 + ((i * 7919) % 5000)),
      ...win(HOUR),
    });
    expect(constant.sub.size).toBeGreaterThan(0.9);
    expect(random.sub.size).toBeLessThan(0.6);
    expect(constant.score).toBeGreaterThan(random.score);
  });

  fcTest.prop([
    fc.array(fc.integer({ min: 0, max: 86_400_000 }), { minLength: 0, maxLength: 80 }),
    fc.integer({ min: -1_000_000_000, max: 1_000_000_000 }),
  ])('score stays in 0–100 and does not depend on input order or a time shift', (offsets, shift) => {
    const startsMs = offsets.map((o) => T0 + o);
    const bytes = offsets.map((o) => o % 1500);
    const a = scoreBeacon({ startsMs, bytes, ...win(86_400_000) });
    expect(a.score).toBeGreaterThanOrEqual(0);
    expect(a.score).toBeLessThanOrEqual(100);
    const rev = scoreBeacon({
      startsMs: [...startsMs].reverse(),
      bytes: [...bytes].reverse(),
      ...win(86_400_000),
    });
    expect(rev.score).toBe(a.score);
    const moved = scoreBeacon({
      startsMs: startsMs.map((t) => t + shift),
      bytes,
      windowStartMs: T0 + shift,
      windowEndMs: T0 + 86_400_000 + shift,
    });
    expect(moved.score).toBe(a.score);
  });
});
