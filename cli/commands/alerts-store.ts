/**
 * Alerts in and out of the store for `camwatch scan` and `camwatch alerts`, through the same functions
 * the API uses (api/store-access/alert-store.ts), so the CLI and the server write and read one row
 * format: the `alerts` table (ReplacingMergeTree by id with a version) with the API's triage and
 * display columns, merged with the analyzer's `mergeAlert`, triage state kept, a resolved alert with new
 * activity reopened, every change in `alert_history`.
 *
 * The API's front door exports them until the alert writer and queries move into store/; then only
 * the import below changes.
 */
import type { Alert } from '../../analyzer/index.js';
import {
  type StoredAlert as ApiStoredAlert,
  listAlerts,
  parseSort,
  saveAnalysedAlerts,
} from '../../api/index.js';
import type { Store } from '../../store/index.js';

/** An alert with its triage status, as the reports print it. */
export interface StoredAlert {
  alert: Alert;
  status: string;
}

export interface AlertFilter {
  /** Device address (IPv4 dotted or IPv6). */
  device?: string | undefined;
  detectors?: readonly string[] | undefined;
  severities?: readonly string[] | undefined;
  statuses?: readonly string[] | undefined;
  /** Only alerts last seen at or after this time (ms). */
  sinceMs?: number | undefined;
}

function split(a: ApiStoredAlert): StoredAlert {
  const { status, assignee: _a, closeReason: _c, version: _v, updatedAt: _u, ...alert } = a;
  return { alert: alert as Alert, status };
}

/** Stored alerts (the newest version of each id), filtered; all pages. Order is the caller's. */
export async function readAlerts(store: Store, filter: AlertFilter = {}): Promise<StoredAlert[]> {
  const out: StoredAlert[] = [];
  let cursor: string | undefined;
  do {
    const page = await listAlerts(store, {
      device: filter.device,
      detector: filter.detectors,
      severity: filter.severities,
      status: filter.statuses,
      sinceMs: filter.sinceMs,
      sort: parseSort('-lastSeen'),
      limit: 1000,
      cursor,
      withEvidence: true,
    });
    for (const a of page.items) out.push(split(a));
    cursor = page.nextCursor ?? undefined;
  } while (cursor);
  return out;
}

export interface SaveResult {
  /** The fresh alerts with their stored triage status, in the order given. */
  stored: StoredAlert[];
  created: number;
  updated: number;
  reopened: number;
}

/**
 * Folds fresh alerts into the stored ones (the API's `saveAnalysedAlerts`: analyzer `mergeAlert`,
 * triage kept, resolved alerts with new activity reopened) and returns them with their status.
 */
export async function saveAlerts(store: Store, fresh: readonly Alert[]): Promise<SaveResult> {
  const res = await saveAnalysedAlerts(store, fresh);
  const status = new Map<string, string>();
  for (let i = 0; i < fresh.length; i += 1000) {
    const rows = await store.rows<{ id: string; status: string }>(
      'SELECT id, status FROM alerts FINAL WHERE id IN {ids:Array(String)}',
      { ids: fresh.slice(i, i + 1000).map((a) => a.id) },
    );
    for (const r of rows) status.set(r.id, r.status || 'open');
  }
  return {
    stored: fresh.map((alert) => ({ alert, status: status.get(alert.id) ?? 'open' })),
    ...res,
  };
}
