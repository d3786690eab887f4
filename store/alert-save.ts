/**
 * Writing the alerts of an analysis run: each is folded into the stored alert of the same id with the
 * caller's merge (the analyzer's `mergeAlert`), the analyst's triage is kept, and a resolved alert with
 * activity after its last seen reopens. False positives stay closed. New alerts and reopenings are
 * recorded in `alert_history` (actor `analyzer`).
 */

import { type AlertHistoryEntry, writeAlertHistory } from './alert-history.js';
import { alertsById } from './alert-query.js';
import {
  type AlertRecord,
  type AlertStatus,
  type AlertTriage,
  alertRow,
  NEW_ALERT_TRIAGE,
} from './alert-rows.js';
import { alertsWritten, nextAlertVersion, withAlertWriteLock } from './alert-writes.js';
import type { Store } from './connection.js';

export interface SaveAlertsResult {
  created: number;
  updated: number;
  reopened: number;
  /** The triage status of every alert given, after the write. */
  status: Map<string, AlertStatus>;
}

/** Alerts per read-merge-write step: one `id IN` read and one insert each, the write lock held meanwhile. */
const CHUNK = 1000;

export async function saveAlerts<A extends AlertRecord>(
  store: Store,
  fresh: readonly A[],
  merge: (stored: A, fresh: A) => A,
): Promise<SaveAlertsResult> {
  const res: SaveAlertsResult = { created: 0, updated: 0, reopened: 0, status: new Map() };
  for (let i = 0; i < fresh.length; i += CHUNK) {
    await withAlertWriteLock(() => saveChunk(store, fresh.slice(i, i + CHUNK), merge, res));
  }
  return res;
}

async function saveChunk<A extends AlertRecord>(
  store: Store,
  chunk: readonly A[],
  merge: (stored: A, fresh: A) => A,
  res: SaveAlertsResult,
): Promise<void> {
  const stored = await alertsById<A>(
    store,
    chunk.map((a) => a.id),
  );
  const rows: object[] = [];
  const history: AlertHistoryEntry[] = [];
  const now = Date.now();
  for (const a of chunk) {
    const s = stored.get(a.id);
    const version = nextAlertVersion();
    const entry = { alertId: a.id, at: now, actor: 'analyzer', version };
    if (!s) {
      rows.push(alertRow(a, NEW_ALERT_TRIAGE, version, now));
      history.push({ ...entry, action: 'create', field: '', old: '', new: '' });
      res.created++;
      res.status.set(a.id, 'open');
      continue;
    }
    const triage: AlertTriage = { status: s.status, assignee: s.assignee, closeReason: s.closeReason };
    if (s.status === 'resolved' && a.lastSeen > s.lastSeen) {
      triage.status = 'open';
      triage.closeReason = '';
      history.push({ ...entry, action: 'reopen', field: 'status', old: s.status, new: 'open' });
      res.reopened++;
    }
    rows.push(alertRow(merge(s, a), triage, version, now));
    res.updated++;
    res.status.set(a.id, triage.status);
  }
  await store.insertJson('alerts', rows);
  alertsWritten();
  await writeAlertHistory(store, history);
}

/** Bulk insert of new alerts as they are (open, no merge, no history): benchmarks and tests. */
export async function insertNewAlerts(store: Store, alerts: readonly AlertRecord[]): Promise<void> {
  const now = Date.now();
  for (let i = 0; i < alerts.length; i += 20_000) {
    const rows = alerts
      .slice(i, i + 20_000)
      .map((a) => alertRow(a, NEW_ALERT_TRIAGE, nextAlertVersion(), now));
    await store.insertJson('alerts', rows);
  }
  alertsWritten();
}
