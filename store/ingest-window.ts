/** The time range of one ingest's flows, the window an upload is analysed over. */
import type { Store } from './connection.js';

/** The time range of one ingest's flows (the analysis window after an upload). */
export async function ingestWindow(
  store: Store,
  ingestId: string,
): Promise<{ sinceMs: number; untilMs: number } | undefined> {
  const rows = await store.rows<{ n: string; lo: string | number; hi: string | number }>(
    'SELECT toString(count()) AS n, toUnixTimestamp64Milli(min(start)) AS lo, toUnixTimestamp64Milli(max(start)) AS hi FROM flows WHERE ingest_id = {id:String}',
    { id: ingestId },
  );
  const r = rows[0];
  if (!r || Number(r.n) === 0) return undefined;
  return { sinceMs: Number(r.lo), untilMs: Number(r.hi) + 1 };
}
