/**
 * The analyzer's alert writer: the alerts of an analysis run folded into the stored ones with
 * `mergeAlert` (re-running a window adds nothing; a later window widens the alert). The row format,
 * the triage rules (kept; a resolved alert with new activity reopens) and the history are the store's
 * (store/alert-save.ts); the merge is the analyzer's, so the store needs no detection logic.
 */
import { type SaveAlertsResult, type Store, saveAlerts } from '../store/index.js';
import { type Alert, mergeAlert } from './alert.js';

export function saveAnalysedAlerts(store: Store, alerts: readonly Alert[]): Promise<SaveAlertsResult> {
  return saveAlerts(store, alerts, mergeAlert);
}
