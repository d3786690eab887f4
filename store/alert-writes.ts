/**
 * How this process orders its alert writes. `alerts` is a ReplacingMergeTree: the row with the highest
 * `version` of an id wins, so versions must only grow; and a read-modify-write (triage: read version →
 * check → insert; analysis: read stored → merge → insert) must not interleave with another, or one
 * loses the other's change. The process that writes owns the store (chDB binds it to one process; with
 * a server, run one writer), so a lock in memory is enough.
 */

let lastVersion = 0;
/** Strictly increasing, time-based (µs, above any earlier process's), exact in a double until 2255. */
export function nextAlertVersion(): number {
  lastVersion = Math.max(lastVersion + 1, Date.now() * 1000);
  return lastVersion;
}

let writeChain: Promise<unknown> = Promise.resolve();
/** Runs `fn` after every alert write queued before it. A triage holds it a few ms. */
export async function withAlertWriteLock<T>(fn: () => Promise<T>): Promise<T> {
  const run = writeChain.then(fn, fn);
  writeChain = run.catch(() => undefined);
  return run;
}

let generation = 0;
/** Bumped by every alert write of this process: a cached read older than it is stale. */
export const alertWriteGeneration = (): number => generation;
export function alertsWritten(): void {
  generation++;
}
