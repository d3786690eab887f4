/**
 * Order statistics the beacon scores use. Inputs are SORTED ascending (callers sort once); nothing here
 * allocates beyond what the definition needs. Definitions follow montanaflynn/stats, the library RITA v5
 * uses, so the RITA-compatible scores are exact:
 *  - `median`: middle element, or the mean of the two middle elements.
 *  - `quartiles`: Q2 = median; Q1/Q3 = medians of the lower/upper halves, the middle element EXCLUDED
 *    for odd n (montanaflynn `Quartile`).
 *  - `mad`: median(|x − median|), unscaled (montanaflynn `MedianAbsoluteDeviation`).
 */

export function median(sorted: ArrayLike<number>, from = 0, to = sorted.length): number {
  const n = to - from;
  if (n <= 0) return Number.NaN;
  const mid = from + (n >> 1);
  return n % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

export function quartiles(sorted: ArrayLike<number>): [number, number, number] {
  const n = sorted.length;
  if (n === 0) return [Number.NaN, Number.NaN, Number.NaN];
  const c1 = n % 2 === 0 ? n / 2 : (n - 1) / 2;
  const c2 = n % 2 === 0 ? n / 2 : c1 + 1;
  return [median(sorted, 0, c1), median(sorted), median(sorted, c2, n)];
}

/**
 * Median absolute deviation around the median (unscaled). The input being sorted, the deviations are
 * two sorted runs walking outward from the median (below it: med − x going down; from it: x − med
 * going up); merging them up to the middle gives the median deviation without sorting or allocating.
 * Same values as sorting |x − med|: fl(med − x) = −fl(x − med) under round-to-nearest.
 */
export function mad(sorted: ArrayLike<number>, med = median(sorted)): number {
  const n = sorted.length;
  if (n === 0) return Number.NaN;
  let lo = n >> 1;
  while (lo > 0 && sorted[lo - 1]! >= med) lo--;
  while (lo < n && sorted[lo]! < med) lo++;
  // below: indices lo-1 … 0 (deviation med − x, rising); above: lo … n-1 (x − med, rising)
  let below = lo - 1;
  let above = lo;
  const take = (): number => {
    if (above >= n || (below >= 0 && med - sorted[below]! < sorted[above]! - med)) {
      return med - sorted[below--]!;
    }
    return sorted[above++]! - med;
  };
  const mid = n >> 1;
  let prev = 0;
  for (let k = 0; k < mid; k++) prev = take();
  const at = take();
  return n % 2 === 1 ? at : (prev + at) / 2;
}

/**
 * Bowley (quartile) skewness (Q1 + Q3 − 2·Q2)/(Q3 − Q1) with RITA's guard: 0 unless the IQR is at
 * least `minIqr` (10 seconds or bytes in RITA) and Q2 differs from both Q1 and Q3.
 */
export function bowleySkew(sorted: ArrayLike<number>, minIqr = 10): number {
  const [q1, q2, q3] = quartiles(sorted);
  if (!(q3 - q1 >= minIqr) || q2 === q1 || q2 === q3) return 0;
  return (q1 + q3 - 2 * q2) / (q3 - q1);
}

/** Population standard deviation / mean (zeros included); NaN for an empty or all-zero series. */
export function coefficientOfVariation(values: ArrayLike<number>): number {
  const n = values.length;
  if (n === 0) return Number.NaN;
  let sum = 0;
  for (let i = 0; i < n; i++) sum += values[i]!;
  const mean = sum / n;
  if (mean === 0) return Number.NaN;
  let sq = 0;
  for (let i = 0; i < n; i++) sq += (values[i]! - mean) ** 2;
  return Math.sqrt(sq / n) / mean;
}

/** P[Binomial(n, p) ≥ k], summed in log space so large n does not underflow. */
export function binomialTail(n: number, k: number, p: number): number {
  if (k <= 0) return 1;
  if (k > n) return 0;
  if (p <= 0) return 0;
  if (p >= 1) return 1;
  const lp = Math.log(p);
  const lq = Math.log1p(-p);
  // log C(n, k) by log-gamma via the running product, starting at i = k
  let logC = 0;
  for (let i = 1; i <= k; i++) logC += Math.log((n - k + i) / i);
  let term = logC + k * lp + (n - k) * lq;
  let total = Math.exp(term);
  for (let i = k + 1; i <= n; i++) {
    term += Math.log((n - i + 1) / i) + lp - lq;
    const t = Math.exp(term);
    total += t;
    if (t < total * 1e-17) break;
  }
  return Math.min(1, total);
}

export const round3 = (x: number): number => Math.round(x * 1000) / 1000;

/**
 * A numerically sorted copy. A Float64Array sorts numbers without a comparator call per comparison:
 * ~5x faster than `[...xs].sort((a, b) => a - b)` on the 1 000-element series of a beacon, with the
 * same order for finite numbers (bench/analysis-bench.ts: beacon scoring was a third of analyze's
 * Node time on 10 M flows).
 */
export function sortedCopy(xs: ArrayLike<number>): Float64Array {
  // `new Float64Array(array)` copies by index; `Float64Array.from` walks the iterator (3x slower here).
  // Start times come sorted from the store: then the copy is enough.
  const copy = new Float64Array(xs as ArrayLike<number>);
  return isSorted(copy) ? copy : copy.sort();
}

/** Whether `xs` is in non-decreasing order. */
export function isSorted(xs: ArrayLike<number>): boolean {
  for (let i = 1; i < xs.length; i++) if (xs[i]! < xs[i - 1]!) return false;
  return true;
}
