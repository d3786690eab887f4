/**
 * An Alert as a row of the store's `alerts` table (store/schema.ts ALERTS_TABLE: a ReplacingMergeTree
 * by `id` with a `version`) and back. The table has columns for the jsonl contract's fields; the rest
 * (device and peer details, bytes in, sub-scores) rides in the `evidence` JSON under `extra`, so a new
 * Alert field needs no migration. Writing a re-analysed alert with a higher version replaces the old row:
 * re-running an analysis never duplicates alerts.
 */
import type { Alert } from './alert.js';
import type { Detector, Severity } from './rules/rule-types.js';

export interface AlertRow {
  id: string;
  version: number;
  device_ip: string;
  peer_ip: string;
  peer_name: string;
  detector: string;
  severity: string;
  score: number;
  first_seen: string;
  last_seen: string;
  count: number;
  bytes: number;
  explanation: string;
  evidence: string;
  status: string;
  updated_at: string;
}

/** ClickHouse DateTime64(3) text from ms (UTC). */
const chTime = (ms: number): string => new Date(ms).toISOString().replace('T', ' ').replace('Z', '');

const EXTRA_KEYS = [
  'deviceName',
  'deviceVendor',
  'deviceSite',
  'peerPort',
  'peerCountry',
  'peerAsn',
  'peerAsOrg',
  'bytesIn',
  'subScores',
] as const;

/** The row to insert. `version` orders rewrites (e.g. the analysis time in ms); `status` the triage state. */
export function alertToRow(a: Alert, version: number, status = 'open', updatedMs = version): AlertRow {
  const extra: Record<string, unknown> = {};
  for (const k of EXTRA_KEYS) if (a[k] !== undefined) extra[k] = a[k];
  return {
    id: a.id,
    version,
    device_ip: a.deviceIp,
    peer_ip: a.peerIp ?? '::',
    peer_name: a.peerName ?? '',
    detector: a.detector,
    severity: a.severity,
    score: a.score,
    first_seen: chTime(a.firstSeen),
    last_seen: chTime(a.lastSeen),
    count: a.count,
    bytes: a.bytes,
    explanation: a.explanation,
    evidence: JSON.stringify({ ...a.evidence, extra }),
    status,
    updated_at: chTime(updatedMs),
  };
}

/** SELECT list that reads rows back in the shape `rowToAlert` takes. */
export const ALERT_SELECT =
  'id, device_ip, IPv6NumToString(peer_ip) AS peer_ip_text, peer_name, detector, severity, score, toUnixTimestamp64Milli(first_seen) AS first_ms, toUnixTimestamp64Milli(last_seen) AS last_ms, count, bytes, explanation, evidence, status';

const unmap = (ip: string): string => ip.replace(/^::ffff:(\d+\.\d+\.\d+\.\d+)$/, '$1');

/** A row read with ALERT_SELECT back to an Alert (and its status). */
export function rowToAlert(r: Record<string, unknown>): { alert: Alert; status: string } {
  const ev = JSON.parse(String(r.evidence)) as Record<string, unknown> & { extra?: Record<string, unknown> };
  const { extra = {}, ...evidence } = ev;
  const alert: Alert = {
    id: String(r.id),
    deviceIp: unmap(String(r.device_ip)),
    detector: String(r.detector) as Detector,
    severity: String(r.severity) as Severity,
    score: Number(r.score),
    firstSeen: Number(r.first_ms),
    lastSeen: Number(r.last_ms),
    count: Number(r.count),
    bytes: Number(r.bytes),
    explanation: String(r.explanation),
    evidence: evidence as Alert['evidence'],
    ...(extra as Partial<Alert>),
  };
  const peerIp = unmap(String(r.peer_ip_text));
  if (peerIp !== '::') alert.peerIp = peerIp;
  if (r.peer_name) alert.peerName = String(r.peer_name);
  return { alert, status: String(r.status) };
}
