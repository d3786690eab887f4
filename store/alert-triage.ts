/**
 * Triage of one alert: status, assignee, close reason and comments, checked against the version the
 * analyst read. The new row is written inside the engine (`INSERT … SELECT * REPLACE … FROM alerts
 * FINAL`), so the evidence JSON never travels; every change and comment goes to `alert_history`.
 */
import { CamwatchError } from '../model/index.js';
import { type AlertHistoryEntry, writeAlertHistory } from './alert-history.js';
import { getAlert } from './alert-query.js';
import type { AlertRecord, AlertStatus, StoredAlert } from './alert-rows.js';
import { alertsWritten, nextAlertVersion, withAlertWriteLock } from './alert-writes.js';
import type { Store } from './connection.js';

export interface TriageChange {
  status?: AlertStatus | undefined;
  assignee?: string | undefined;
  closeReason?: string | undefined;
  comment?: string | undefined;
}

/**
 * Applies a triage change and returns the new state. `expectedVersion` (when given) must be the
 * stored version, else CW_ERR_CONFLICT (409); an unknown id is CW_ERR_NOT_FOUND (404). Reopening or
 * acknowledging clears the close reason. A change that changes nothing writes no row (a comment is
 * still recorded).
 */
export async function triageAlert<A extends AlertRecord = AlertRecord>(
  store: Store,
  id: string,
  change: TriageChange,
  actor: string,
  expectedVersion: number | undefined,
): Promise<StoredAlert<A>> {
  return withAlertWriteLock(async () => {
    const cur = await getAlert<A>(store, id, false);
    if (!cur) throw new CamwatchError('CW_ERR_NOT_FOUND', `alert ${id} does not exist`, { statusCode: 404 });
    if (expectedVersion !== undefined && expectedVersion !== cur.version) {
      throw new CamwatchError(
        'CW_ERR_CONFLICT',
        `alert ${id} is at version ${cur.version}, not ${expectedVersion}: read it again and retry`,
        { statusCode: 409 },
      );
    }
    const version = nextAlertVersion();
    const at = Date.now();
    const next = { status: cur.status as string, assignee: cur.assignee, closeReason: cur.closeReason };
    const history: AlertHistoryEntry[] = [];
    const set = (field: keyof typeof next, value: string | undefined): void => {
      if (value === undefined || value === next[field]) return;
      history.push({
        alertId: id,
        at,
        actor,
        action: 'update',
        field,
        old: next[field],
        new: value,
        version,
      });
      next[field] = value;
    };
    set('status', change.status);
    if (change.status === 'open' || change.status === 'acknowledged')
      set('closeReason', change.closeReason ?? '');
    else set('closeReason', change.closeReason);
    set('assignee', change.assignee);
    if (change.comment) {
      history.push({
        alertId: id,
        at,
        actor,
        action: 'comment',
        field: '',
        old: '',
        new: change.comment,
        version,
      });
    }
    if (history.length === 0) return cur;
    const changed = history.some((h) => h.action === 'update');
    if (changed) {
      await store.command(
        `INSERT INTO alerts SELECT * REPLACE ({version:UInt64} AS version, {status:String} AS status,
           {assignee:String} AS assignee, {closeReason:String} AS close_reason,
           fromUnixTimestamp64Milli({at:Int64}, 'UTC') AS updated_at)
         FROM alerts FINAL WHERE id = {id:String}`,
        { id, version, at, status: next.status, assignee: next.assignee, closeReason: next.closeReason },
      );
      alertsWritten();
    }
    await writeAlertHistory(store, history);
    if (!changed) return cur;
    return { ...cur, ...next, status: next.status as AlertStatus, version, updatedAt: at };
  });
}
