/**
 * Inter-packet gaps per flow slot and direction, so that a heartbeat inside ONE long flow (a P2P
 * keep-alive on a single UDP 5-tuple, an MQTT ping on one TCP connection) can be scored: connection
 * start times cannot show it, because there is only one connection.
 *
 * Each direction keeps its last GAP_RING gaps in a ring of 8 ms units (Uint16, so up to ~524 s:
 * above every default idle timeout, after which the flow would have ended anyway; longer gaps
 * saturate). Memory per slot is fixed (2 × 16 × 2 bytes plus two timestamps), whatever the flow's
 * length. The summary is the median and the median absolute deviation of those gaps: robust to the
 * odd lost or retransmitted packet, which a mean and standard deviation are not.
 */
export const GAP_RING = 16;
/** Fewer gaps than this say nothing about a period (the beacon score needs ≥ 5 packets). */
export const MIN_GAPS = 4;
const UNIT_MS = 8;
const MAX_UNITS = 0xffff;
const RING_MASK = GAP_RING - 1;

export interface GapSummary {
  medianMs: number;
  madMs: number;
}

export class PacketGaps {
  private ring = new Uint16Array(0);
  /** Time of the last packet per (slot, direction). */
  private last = new Float64Array(0);
  private readonly sorted = new Float64Array(GAP_RING);

  /** Grows to `cap` slots, keeping what the first slots hold. */
  grow(cap: number): void {
    const ring = new Uint16Array(cap * 2 * GAP_RING);
    ring.set(this.ring);
    this.ring = ring;
    const last = new Float64Array(cap * 2);
    last.set(this.last);
    this.last = last;
  }

  /**
   * Notes a packet of direction `dir` (0 originator, 1 responder) of `slot`, which is that
   * direction's `n`-th packet of the current record (1-based; a record restarted by the active
   * timeout counts from 1 again, so its gaps start afresh).
   */
  note(slot: number, dir: number, n: number, tsMs: number): void {
    const i = 2 * slot + dir;
    if (n > 1) {
      const g = tsMs - this.last[i];
      // Out-of-order timestamps count as no gap rather than a huge one.
      const u = g <= 0 ? 0 : g >= MAX_UNITS * UNIT_MS ? MAX_UNITS : Math.round(g / UNIT_MS);
      this.ring[i * GAP_RING + ((n - 2) & RING_MASK)] = u;
    }
    this.last[i] = tsMs;
  }

  /**
   * Median and MAD (ms) of the last gaps of a direction that sent `n` packets in the record, into
   * `out`; false when there are fewer than MIN_GAPS gaps.
   */
  summarise(slot: number, dir: number, n: number, out: GapSummary): boolean {
    const m = Math.min(n - 1, GAP_RING);
    if (!(m >= MIN_GAPS)) return false;
    const base = (2 * slot + dir) * GAP_RING;
    const a = this.sorted;
    for (let j = 0; j < m; j++) insertSorted(a, j, this.ring[base + j]);
    const med = medianOfSorted(a, m);
    for (let j = 0; j < m; j++) insertSorted(a, j, Math.abs(this.ring[base + j] - med));
    out.medianMs = Math.round(med * UNIT_MS);
    out.madMs = Math.round(medianOfSorted(a, m) * UNIT_MS);
    return true;
  }
}

/** Puts `v` into `a[0..j]`, which holds `j` sorted values (insertion sort: at most 16 values). */
function insertSorted(a: Float64Array, j: number, v: number): void {
  let k = j;
  while (k > 0 && a[k - 1] > v) {
    a[k] = a[k - 1];
    k--;
  }
  a[k] = v;
}

function medianOfSorted(a: Float64Array, m: number): number {
  const h = m >> 1;
  return m & 1 ? a[h] : (a[h - 1] + a[h]) / 2;
}
