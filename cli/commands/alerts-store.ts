/**
 * Alerts in and out of the store for `camwatch scan` and `camwatch alerts`, through the functions the
 * API uses (store/alert-*.ts, and the analyzer's `saveAnalysedAlerts` for the merge), so the CLI and the
 * server write and read one row format: triage state kept, a resolved alert with new activity reopened,
 * every change in `alert_history`. Here only the shape the reports print: the alert and its status.
 */
import { type Alert, saveAnalysedAlerts } from '../../analyzer/index.js';
import { listAlerts, parseAlertSort, type Store, type StoredAlert as StoreAlert } from '../../store/index.js';

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

function split(a: StoreAlert<Alert>): StoredAlert {
  const { status, assignee: _a, closeReason: _c, version: _v, updatedAt: _u, ...alert } = a;
  return { alert, status };
}

/** Stored alerts (the newest version of each id), filtered; all pages. Order is the caller's. */
export async function readAlerts(store: Store, filter: AlertFilter = {}): Promise<StoredAlert[]> {
  const out: StoredAlert[] = [];
  let cursor: string | undefined;
  do {
    const page = await listAlerts<Alert>(store, {
      device: filter.device,
      detector: filter.detectors,
      severity: filter.severities,
      status: filter.statuses,
      sinceMs: filter.sinceMs,
      sort: parseAlertSort('-lastSeen'),
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

/** Folds fresh alerts into the stored ones and returns them with their status after the write. */
export async function saveAlerts(store: Store, fresh: readonly Alert[]): Promise<SaveResult> {
  const { status, ...counts } = await saveAnalysedAlerts(store, fresh);
  return { stored: fresh.map((alert) => ({ alert, status: status.get(alert.id) ?? 'open' })), ...counts };
}
