/**
 * Turns a detector's draft into an Alert: the deterministic id from (device, detector, peer key) and
 * the plain-language explanation. Every detector ends here, so ids and texts are made one way.
 */
import { type Alert, type AlertDraft, alertId, peerKey } from './alert.js';
import { explainAlert } from './explain.js';

export function finishAlert(draft: AlertDraft): Alert {
  const { key, ...rest } = draft;
  return {
    id: alertId(rest.deviceIp, rest.detector, key ?? peerKey(rest)),
    ...rest,
    explanation: explainAlert(draft),
  };
}
