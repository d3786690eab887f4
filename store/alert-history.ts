/**
 * `alert_history`: who changed what of an alert, when. Append-only: a triage change, a comment, the
 * creation and a reopening by the analyzer each add rows; nothing is updated or deleted.
 */
import { dateTime64Text } from './clickhouse-text.js';
import type { Store } from './connection.js';

export type AlertHistoryAction = 'create' | 'update' | 'comment' | 'reopen';

export interface AlertHistoryEntry {
  alertId: string;
  /** ms */
  at: number;
  actor: string;
  action: AlertHistoryAction;
  /** The changed triage field (`status`, `assignee`, `closeReason`), '' for the other actions. */
  field: string;
  old: string;
  new: string;
  /** The alert version the change produced (or saw, for a comment). */
  version: number;
}

/** Appends entries; `seq` keeps the order of the entries of one write. */
export async function writeAlertHistory(store: Store, entries: readonly AlertHistoryEntry[]): Promise<void> {
  await store.insertJson(
    'alert_history',
    entries.map((e, seq) => ({
      alert_id: e.alertId,
      at: dateTime64Text(e.at),
      actor: e.actor,
      action: e.action,
      field: e.field,
      old: e.old,
      new: e.new,
      version: e.version,
      seq,
    })),
  );
}

/** One alert's history, oldest first. */
export async function readAlertHistory(store: Store, alertId: string): Promise<AlertHistoryEntry[]> {
  const rows = await store.rows<{
    at: string | number;
    actor: string;
    action: AlertHistoryAction;
    field: string;
    old: string;
    new: string;
    version: string;
  }>(
    'SELECT toUnixTimestamp64Milli(at) AS at, actor, action, field, old, new, version ' +
      'FROM alert_history WHERE alert_id = {id:String} ORDER BY at, version, seq',
    { id: alertId },
  );
  return rows.map((r) => ({
    alertId,
    at: Number(r.at),
    actor: r.actor,
    action: r.action,
    field: r.field,
    old: r.old,
    new: r.new,
    version: Number(r.version),
  }));
}
