/**
 * Turns a detector's draft into an Alert: the deterministic id from (device, detector, peer key) and
 * the plain-language explanation. Every detector ends here, so ids and texts are made one way.
 */
import { type Alert, type AlertDraft, alertId, peerKey } from './alert.js';
import { explainAlert } from './explain.js';

export function finishAlert(draft: AlertDraft): Alert {
  const id = alertId(draft.deviceIp, draft.detector, draft.key ?? peerKey(draft));
  if (draft.key === undefined) return { id, ...draft, explanation: explainAlert(draft) };
  // Only grouped alerts (scans, exposure) carry a key; the rest pattern copies slower than a spread.
  const { key: _key, ...rest } = draft;
  return { id, ...rest, explanation: explainAlert(draft) };
}
