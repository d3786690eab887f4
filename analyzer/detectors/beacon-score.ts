/**
 * camwatch's beacon score: is a device contacting one peer on a timer? Pure function of the connection
 * start times (and, when known, sizes, ends and per-session packet timing) of one (device, peer) pair.
 *
 * It starts from RITA's ideas (rita-beacon.ts: interval and size dispersion, time coverage, histogram)
 * and changes what RITA's users complain about (research/anchors.md §7):
 *
 * - Jitter: regularity is measured against the MEDIAN interval m with a tolerance τ proportional to it
 *   (τ = max(20 %·m, 1 s)), so ±10 % jitter at any period is "on time". RITA's absolute skew guard and
 *   MAD/median stay in the score as a second, scale-free term.
 * - Missed beats (sparse captures, sampled flow export, a lost packet): an interval near k·m (k = 2..4,
 *   tolerance τ·√k since independent jitter adds up) counts as half on time instead of as noise.
 * - Short windows and few events: instead of a fixed minimum count or RITA's 24 hourly bins (useless
 *   for a 1-hour capture), the score is weighted by how unlikely the observed regularity is under
 *   random (Poisson) arrivals: with exponential gaps and median m, P(|X − m| ≤ f·m) = 2^−(1−f) − 2^−(1+f)
 *   (0.139 for f = 0.2), so k on-time intervals out of n have tail probability P[Bin(n−1, p0) ≥ k−1]
 *   (one interval is the median itself). `evidence` = min(1, −log10(tail)/3): full weight from p ≤ 0.001,
 *   reached by 5 on-time intervals out of 5, or by a long series with a clear majority on time.
 * - Histogram bins adapt to the period (width max(span/24, 4·m)) instead of fixed hours, so a
 *   one-hour capture still measures whether the beacon is even over time.
 * - Sessions split by an exporter's active timeout (each flow ends when the next starts) are periodic
 *   only because of the exporter's timer: flagged `splitSession` and not taken as beacon evidence.
 * - A heartbeat inside ONE long session (invisible to connection-start timing) is scored from per-flow
 *   packet-timing summaries when the reader provides them (`sessions`).
 *
 * The result carries every sub-score (0–1) so an analyst sees why, plus RITA's own score for comparison.
 */
import { type RitaBeaconScore, ritaBeaconScore } from './rita-beacon.js';
import {
  binomialTail,
  coefficientOfVariation,
  isSorted,
  mad,
  median,
  round3,
  sortedCopy,
} from './robust-stats.js';

/** Packet timing inside one flow, as a reader can summarise it while the flow is open. */
export interface SessionTiming {
  startMs: number;
  endMs: number;
  /** Packets the device sent in the flow. */
  packets: number;
  /** Median gap between consecutive device-sent packets, ms. */
  gapMedianMs: number;
  /** Median absolute deviation of those gaps, ms. */
  gapMadMs: number;
  /** Fraction of gaps within ±20 % of the median, when the reader counted it. */
  onBeatFraction?: number;
}

export interface BeaconInput {
  /** Connection start times (ms), any order. */
  startsMs: readonly number[];
  /** Connection end times (ms), same order as `startsMs`, when known. */
  endsMs?: readonly number[];
  /** Bytes the device sent per connection, same order, when known. */
  bytes?: readonly number[];
  /** The analysed window. */
  windowStartMs: number;
  windowEndMs: number;
  sessions?: readonly SessionTiming[];
}

export interface BeaconOptions {
  /** Tolerance as a fraction of the median interval (default 0.2). */
  toleranceFrac?: number;
  /** Smallest tolerance, ms (timestamps in flow logs often have 1 s resolution). Default 1000. */
  minToleranceMs?: number;
  /** Starts closer than this are one event (a burst of connections per beat). Default 1000 ms. */
  burstMs?: number;
  /** Size tolerance: max(frac·median, abs) bytes. Defaults 0.2 and 32. */
  sizeToleranceFrac?: number;
  sizeToleranceBytes?: number;
}

export interface BeaconSubScores {
  /** Interval regularity: on-time fraction and MAD/median, 0–1. */
  interval: number;
  /** Size regularity, 0–1; undefined without sizes. */
  size: number | undefined;
  /** Share of the window between first and last event (plus one period), 0–1. */
  coverage: number;
  /** Evenness over time (1 − CV of counts in period-adapted bins); undefined for < 3 bins. */
  histogram: number | undefined;
  /** How unlikely this regularity is by chance (0–1); multiplies the others. */
  evidence: number;
  /** Best periodicity found inside long sessions, 0–1; undefined without session timing. */
  session: number | undefined;
}

export interface BeaconScore {
  /** 0–100. */
  score: number;
  sub: BeaconSubScores;
  connections: number;
  /** Beats after merging bursts. */
  events: number;
  /** Median interval between events (or between packets in a session), ms; 0 when unknown. */
  periodMs: number;
  /** Median absolute deviation of the intervals, ms. */
  jitterMs: number;
  intervals: number;
  onTime: number;
  /** Intervals that are a whole number (2–4) of periods: missed beats. */
  missedBeats: number;
  /** Median bytes sent per connection. */
  medianBytes: number | undefined;
  /** Flows follow each other without a gap: one session cut by an exporter's timer. */
  splitSession: boolean;
  /** More than one event per second: a strobe, not a beacon (RITA's distinction). */
  strobe: boolean;
  /** Which series decided the score. */
  basis: 'connections' | 'sessions' | 'none';
  rita: RitaBeaconScore;
}

const WEIGHTS = { interval: 0.45, size: 0.2, coverage: 0.2, histogram: 0.15 };

/** P(|X − m| ≤ f·m) for exponential X with median m. */
export function poissonOnTimeProbability(f: number): number {
  const g = Math.min(Math.max(f, 0), 1);
  return 2 ** -(1 - g) - 2 ** -(1 + g);
}

function evidenceOf(intervals: number, onTime: number, tolFrac: number): number {
  if (intervals < 2) return 0;
  const tail = binomialTail(intervals - 1, onTime - 1, poissonOnTimeProbability(tolFrac));
  if (tail <= 0) return 1;
  return Math.min(1, -Math.log10(tail) / 3);
}

export function scoreBeacon(input: BeaconInput, opts: BeaconOptions = {}): BeaconScore {
  const tolFrac = opts.toleranceFrac ?? 0.2;
  const minTol = opts.minToleranceMs ?? 1000;
  const burstMs = opts.burstMs ?? 1000;
  const window = Math.max(1, input.windowEndMs - input.windowStartMs);

  // The store sends each series sorted by start; only an unsorted input needs the index sort.
  const order = isSorted(input.startsMs)
    ? undefined
    : input.startsMs.map((_, i) => i).sort((a, b) => input.startsMs[a]! - input.startsMs[b]!);
  const starts = order ? order.map((i) => input.startsMs[i]!) : input.startsMs;
  const n = starts.length;

  // beats: merge bursts
  const events: number[] = [];
  for (const t of starts)
    if (events.length === 0 || t - events[events.length - 1]! >= burstMs) events.push(t);
  // sorted in place: the on-time count below does not depend on the gaps' order
  const gaps = new Float64Array(Math.max(0, events.length - 1));
  for (let i = 1; i < events.length; i++) gaps[i - 1] = events[i]! - events[i - 1]!;
  gaps.sort();
  const m = gaps.length > 0 ? median(gaps) : 0;
  const jitter = gaps.length > 0 ? mad(gaps, m) : 0;
  const tol = Math.max(tolFrac * m, minTol);
  const effFrac = m > 0 ? Math.min(1, tol / m) : 1;

  let onTime = 0;
  let missed = 0;
  for (const d of gaps) {
    if (Math.abs(d - m) <= tol) onTime++;
    else {
      const k = Math.round(d / m);
      if (k >= 2 && k <= 4 && Math.abs(d - k * m) <= tol * Math.sqrt(k)) missed++;
    }
  }
  const nGaps = gaps.length;
  let interval = 0;
  if (nGaps >= 2 && m > 0) {
    const hit = (onTime + 0.5 * missed) / nGaps;
    const madScore = Math.max(0, (m - jitter) / m);
    interval = 0.5 * hit + 0.5 * madScore;
  }

  // sizes
  let size: number | undefined;
  let medianBytes: number | undefined;
  if (input.bytes && input.bytes.length >= 3) {
    const sb = sortedCopy(input.bytes);
    const mb = median(sb);
    medianBytes = mb;
    const st = Math.max((opts.sizeToleranceFrac ?? 0.2) * mb, opts.sizeToleranceBytes ?? 32);
    let within = 0;
    for (const b of sb) if (Math.abs(b - mb) <= st) within++;
    const madScore = mb >= 1 ? Math.max(0, (mb - mad(sb, mb)) / mb) : 0;
    size = 0.5 * (within / sb.length) + 0.5 * madScore;
  } else if (input.bytes && input.bytes.length > 0) {
    medianBytes = median(sortedCopy(input.bytes));
  }

  // coverage and period-adapted histogram
  const span = events.length > 0 ? events[events.length - 1]! - events[0]! : 0;
  const coverage = events.length >= 2 ? Math.min(1, (span + m) / window) : 0;
  let histogram: number | undefined;
  if (m > 0 && span > 0) {
    const width = Math.max(span / 24, 4 * m);
    const bins = Math.floor(span / width);
    if (bins >= 3) {
      const counts = new Array<number>(bins).fill(0);
      for (const t of events) {
        const b = Math.floor((t - events[0]!) / width);
        if (b < bins) counts[b]!++;
      }
      const cv = coefficientOfVariation(counts);
      histogram = Number.isNaN(cv) ? 0 : Math.max(0, 1 - Math.min(1, cv));
    }
  }

  // split sessions: the next flow starts where the previous ended
  let splitSession = false;
  if (input.endsMs && input.endsMs.length === n && n >= 3 && m > 0) {
    const ends = order ? order.map((i) => input.endsMs![i]!) : input.endsMs;
    const idle = new Float64Array(n - 1);
    for (let i = 1; i < n; i++) idle[i - 1] = Math.max(0, starts[i]! - ends[i - 1]!);
    idle.sort();
    splitSession = median(idle) <= Math.max(0.05 * m, minTol);
  }

  let evidence = nGaps >= 2 ? evidenceOf(nGaps, onTime, effFrac) : 0;
  if (splitSession) evidence = 0;
  const strobe = n >= 3 && (n - 1) / Math.max(1, (starts[n - 1]! - starts[0]!) / 1000) >= 1;
  if (strobe) evidence = 0;

  const parts: [number, number][] = [
    [interval, WEIGHTS.interval],
    [coverage, WEIGHTS.coverage],
  ];
  if (size !== undefined) parts.push([size, WEIGHTS.size]);
  if (histogram !== undefined) parts.push([histogram, WEIGHTS.histogram]);
  const wsum = parts.reduce((s, [, w]) => s + w, 0);
  const base = parts.reduce((s, [v, w]) => s + v * w, 0) / wsum;
  const connScore = base * evidence;

  // periodicity inside sessions
  const sess = input.sessions ? scoreSessions(input.sessions, window, minTol) : undefined;
  const sessionScore = sess ? sess.score : 0;
  const useSessions = sess !== undefined && sessionScore > connScore;

  const rita = ritaBeaconScore(
    starts.map((t) => Math.floor(t / 1000)),
    input.bytes ?? [],
    Math.floor(input.windowStartMs / 1000),
    Math.floor(input.windowEndMs / 1000),
  );

  return {
    score: Math.round(100 * Math.max(connScore, sessionScore)),
    sub: {
      interval: round3(interval),
      size: size === undefined ? undefined : round3(size),
      coverage: round3(coverage),
      histogram: histogram === undefined ? undefined : round3(histogram),
      evidence: round3(evidence),
      session: sess ? round3(sess.score) : undefined,
    },
    connections: n,
    events: events.length,
    periodMs: useSessions ? sess!.periodMs : m,
    jitterMs: useSessions ? sess!.jitterMs : jitter,
    intervals: nGaps,
    onTime,
    missedBeats: missed,
    medianBytes,
    splitSession,
    strobe,
    basis: useSessions ? 'sessions' : nGaps >= 2 ? 'connections' : 'none',
    rita,
  };
}

/**
 * Periodicity inside long flows. Per session with ≥ 5 device packets and a median gap ≥ 1 s (bulk
 * transfers are not heartbeats): regularity = on-time fraction (counted by the reader, or estimated
 * from MAD/median: 1 − (MAD/m)/0.4, so 5 % MAD → 0.875 and Poisson-like 69 % → 0), times the same
 * chance evidence as connections. Sessions are weighted by duration; coverage is the share of the
 * window they span.
 */
/** A session whose device packets are closer than this (median) is bulk transfer, not a heartbeat. */
export const SESSION_MIN_GAP_MS = 1000;
/** Fewer device packets than this say nothing about a period. */
export const SESSION_MIN_PACKETS = 5;

export function scoreSessions(
  sessions: readonly SessionTiming[],
  windowMs: number,
  minGapMs = SESSION_MIN_GAP_MS,
): { score: number; periodMs: number; jitterMs: number } | undefined {
  let wsum = 0;
  let acc = 0;
  let covered = 0;
  const periods: { p: number; j: number; w: number }[] = [];
  for (const s of sessions) {
    if (s.packets < SESSION_MIN_PACKETS || !(s.gapMedianMs >= minGapMs)) continue;
    const dur = Math.max(0, s.endMs - s.startMs);
    const onFrac = s.onBeatFraction ?? Math.max(0, Math.min(1, 1 - s.gapMadMs / s.gapMedianMs / 0.4));
    const gaps = s.packets - 1;
    const onTime = Math.round(onFrac * gaps);
    const regular = 0.5 * onFrac + 0.5 * Math.max(0, 1 - s.gapMadMs / s.gapMedianMs);
    const ev = evidenceOf(gaps, onTime, 0.2);
    acc += regular * ev * dur;
    wsum += dur;
    covered += dur;
    periods.push({ p: s.gapMedianMs, j: s.gapMadMs, w: dur });
  }
  if (wsum === 0 || periods.length === 0) return undefined;
  const coverage = Math.min(1, covered / windowMs);
  const regularity = acc / wsum;
  periods.sort((a, b) => b.w - a.w);
  return {
    score: regularity * (0.7 + 0.3 * coverage),
    periodMs: periods[0]!.p,
    jitterMs: periods[0]!.j,
  };
}
