/**
 * RITA v5's beacon score, exactly as activecm/rita analysis/beacons.go computes it (research/anchors.md
 * §1.3, snapshot a3c5150), kept as a reference an analyst who knows RITA can compare with, and as the
 * baseline camwatch's own score (beacon-score.ts) improves on. Times are in SECONDS (RITA's ts is a
 * UInt32), sizes are the originator's IP-layer bytes per connection.
 *
 *   skewScore = 1 − |Bowley skew|     (skew 0 unless IQR ≥ 10 and Q2 ∉ {Q1, Q3})
 *   madScore  = (median − MAD)/median if median ≥ 1 else default (1 for times, 0 for sizes); < 0 → 0
 *   ts, ds    = round3((skewScore + madScore)/2)   over non-zero intervals / sizes
 *   hist      = max(cvScore, bimodal) over 24 equal bins of the dataset window
 *   dur       = max(coverage, consistency) when ≥ 6 bins are non-empty, else 0
 *   score     = round3(0.25·ts + 0.25·ds + 0.25·dur + 0.25·hist)
 */
import { bowleySkew, coefficientOfVariation, mad, median, round3, sortedCopy } from './robust-stats.js';

export interface RitaBeaconScore {
  ts: number;
  ds: number;
  hist: number;
  dur: number;
  score: number;
}

export interface RitaOptions {
  histogramBins?: number; // 24
  modeSensitivity?: number; // 0.05
  bimodalMinHoursSeen?: number; // 11
  durationMinHoursSeen?: number; // 6
  consistencyIdealHoursSeen?: number; // 12
}

function dispersionScore(sorted: ArrayLike<number>, defaultScore: number): number {
  const skewScore = 1 - Math.abs(bowleySkew(sorted, 10));
  const med = median(sorted);
  let madScore: number;
  if (med >= 1) {
    madScore = (med - mad(sorted, med)) / med;
    if (!(madScore >= 0)) madScore = 0;
  } else {
    madScore = defaultScore;
  }
  return round3((skewScore + madScore) / 2);
}

/**
 * @param tsSec connection start times (seconds)
 * @param bytes per-connection originator bytes
 * @param minSec dataset window start (RITA `min_ts_beacon`)
 * @param maxSec dataset window end (RITA `max_ts_beacon`)
 */
export function ritaBeaconScore(
  tsSec: readonly number[],
  bytes: readonly number[],
  minSec: number,
  maxSec: number,
  opts: RitaOptions = {},
): RitaBeaconScore {
  const bins = opts.histogramBins ?? 24;
  const sens = opts.modeSensitivity ?? 0.05;
  let bimodalMin = opts.bimodalMinHoursSeen ?? 11;
  if (bimodalMin < 6) bimodalMin = 11;
  const durMin = opts.durationMinHoursSeen ?? 6;
  const ideal = opts.consistencyIdealHoursSeen ?? 12;

  const ts = sortedCopy(tsSec);
  const nonZero: number[] = [];
  for (let i = 1; i < ts.length; i++) {
    const d = ts[i]! - ts[i - 1]!;
    if (d !== 0) nonZero.push(d);
  }
  const deltas = sortedCopy(nonZero);
  const tsScore = ts.length >= 4 && deltas.length >= 3 ? dispersionScore(deltas, 1) : 0;
  const sizes = sortedCopy(bytes);
  const dsScore = sizes.length >= 3 ? dispersionScore(sizes, 0) : 0;

  // histogram of connection counts over equal bins of the dataset window
  const freq = new Array<number>(bins).fill(0);
  const span = maxSec - minSec;
  for (const t of ts) {
    let b = span > 0 ? Math.floor(((t - minSec) / span) * bins) : 0;
    if (b >= bins) b = bins - 1;
    if (b < 0) b = 0;
    freq[b]!++;
  }
  const cv = coefficientOfVariation(freq);
  const cvScore = !(cv <= 1) ? 0 : round3(1 - cv);
  const maxFreq = Math.max(...freq);
  const binSize = Math.max(1, Math.ceil(maxFreq * sens));
  const freqCount = new Map<number, number>();
  let totalBars = 0;
  for (const f of freq) {
    if (f === 0) continue;
    totalBars++;
    const bucket = Math.floor(f / binSize) * binSize;
    freqCount.set(bucket, (freqCount.get(bucket) ?? 0) + 1);
  }
  let bimodal = 0;
  if (totalBars >= bimodalMin) {
    const counts = [...freqCount.values()].sort((a, b) => b - a);
    bimodal = ((counts[0] ?? 0) + (counts[1] ?? 0)) / Math.max(totalBars - 1, 1);
  }
  const histScore = Math.max(cvScore, Math.min(round3(bimodal), 1));

  let durScore = 0;
  if (totalBars >= durMin && ts.length > 0 && span > 0) {
    const coverage = Math.min(Math.ceil(((ts[ts.length - 1]! - ts[0]!) / span) * 1000) / 1000, 1);
    // longest run of consecutive non-empty bins, wrapping around the end
    let longest = 0;
    let run = 0;
    for (let i = 0; i < bins * 2; i++) {
      if (freq[i % bins]! > 0) {
        run++;
        if (run > longest) longest = run;
      } else {
        run = 0;
      }
    }
    longest = Math.min(longest, bins);
    const consistency = Math.min(Math.ceil((longest / ideal) * 1000) / 1000, 1);
    durScore = Math.max(coverage, consistency);
  }

  const score = round3(0.25 * tsScore + 0.25 * dsScore + 0.25 * durScore + 0.25 * histScore);
  return { ts: tsScore, ds: dsScore, hist: histScore, dur: durScore, score };
}
