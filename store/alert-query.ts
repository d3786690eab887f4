/** Stored alerts by id, and the open ones counted: the newest version of each id (FINAL). */
import {
  type AlertRecord,
  alertSelectList,
  OPEN_STATUSES,
  rowToAlert,
  type StoredAlert,
} from './alert-rows.js';
import type { Store } from './connection.js';

/** One alert, with its evidence unless `withEvidence` is false; undefined when there is none. */
export async function getAlert<A extends AlertRecord = AlertRecord>(
  store: Store,
  id: string,
  withEvidence = true,
): Promise<StoredAlert<A> | undefined> {
  const rows = await store.rows<Record<string, unknown>>(
    `SELECT ${alertSelectList(withEvidence)} FROM alerts FINAL WHERE id = {id:String} LIMIT 1`,
    { id },
  );
  return rows[0] ? rowToAlert<A>(rows[0]) : undefined;
}

/** The stored alerts of these ids (at most a few thousand per call), without evidence. */
export async function alertsById<A extends AlertRecord = AlertRecord>(
  store: Store,
  ids: readonly string[],
): Promise<Map<string, StoredAlert<A>>> {
  const rows = await store.rows<Record<string, unknown>>(
    `SELECT ${alertSelectList(false)} FROM alerts FINAL WHERE id IN {ids:Array(String)}`,
    { ids },
  );
  return new Map(rows.map((r) => [String(r.id), rowToAlert<A>(r)]));
}

/** Open (and acknowledged) alerts per severity, for the metrics. */
export async function openAlertCounts(store: Store): Promise<{ severity: string; n: number }[]> {
  const rows = await store.rows<{ severity: string; n: string }>(
    'SELECT severity, count() AS n FROM alerts FINAL WHERE status IN {open:Array(String)} GROUP BY severity',
    { open: OPEN_STATUSES },
  );
  return rows.map((r) => ({ severity: r.severity, n: Number(r.n) }));
}
