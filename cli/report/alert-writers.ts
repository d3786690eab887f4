/**
 * Alerts for machines: jsonl (one alert per line), CSV (one row per alert, the fields a spreadsheet
 * needs, evidence as JSON in one cell) and JSON (one document). The record's field names are the
 * analyzer's Alert (analyzer/alert.ts, the public jsonl contract: `id`, `deviceIp`, `peerIp`, `peerName`,
 * `detector`, `severity`, `score`, `firstSeen`, `lastSeen`, `explanation`, `evidence`…); times are
 * ISO-8601 UTC with milliseconds; absent values are omitted (jsonl/JSON) or empty (CSV). Each stored
 * alert also carries its triage `status`.
 */
import { type Alert, alertToJson } from '../../analyzer/index.js';

export const ALERT_FORMATS = ['table', 'jsonl', 'csv', 'json'] as const;
export type AlertFormat = (typeof ALERT_FORMATS)[number];

export interface AlertWithStatus {
  alert: Alert;
  status: string;
}

/** The JSON shape of one alert: the analyzer's, plus the triage status. */
export function alertRecord(a: AlertWithStatus): Record<string, unknown> {
  return { ...alertToJson(a.alert), status: a.status };
}

export function alertsToJsonl(alerts: readonly AlertWithStatus[]): string {
  let out = '';
  for (const a of alerts) out += `${JSON.stringify(alertRecord(a))}\n`;
  return out;
}

/** CSV columns: name and how to get the cell from an alert. */
const CSV_COLUMNS: readonly [string, (a: AlertWithStatus) => string | number | undefined][] = [
  ['id', (a) => a.alert.id],
  ['deviceIp', (a) => a.alert.deviceIp],
  ['deviceName', (a) => a.alert.deviceName],
  ['deviceVendor', (a) => a.alert.deviceVendor],
  ['peerIp', (a) => a.alert.peerIp],
  ['peerName', (a) => a.alert.peerName],
  ['peerPort', (a) => a.alert.peerPort],
  ['peerCountry', (a) => a.alert.peerCountry],
  ['peerAsn', (a) => a.alert.peerAsn],
  ['peerAsOrg', (a) => a.alert.peerAsOrg],
  ['detector', (a) => a.alert.detector],
  ['severity', (a) => a.alert.severity],
  ['score', (a) => a.alert.score],
  ['firstSeen', (a) => new Date(a.alert.firstSeen).toISOString()],
  ['lastSeen', (a) => new Date(a.alert.lastSeen).toISOString()],
  ['count', (a) => a.alert.count],
  ['bytes', (a) => a.alert.bytes],
  ['bytesIn', (a) => a.alert.bytesIn],
  ['status', (a) => a.status],
  ['vendorRule', (a) => a.alert.evidence.vendorRules?.[0]?.ruleId],
  ['vendor', (a) => a.alert.evidence.vendorRules?.[0]?.vendor],
  ['ruleSource', (a) => a.alert.evidence.vendorRules?.[0]?.source],
  ['explanation', (a) => a.alert.explanation],
  ['evidence', (a) => JSON.stringify(alertToJson(a.alert).evidence)],
];

export const ALERT_CSV_HEADER: string = CSV_COLUMNS.map(([n]) => n).join(',');

/** RFC 4180 cell: quoted when it holds a comma, quote or line break. */
function csvCell(v: string | number | undefined): string {
  if (v === undefined) return '';
  const s = String(v);
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

export function alertsToCsv(alerts: readonly AlertWithStatus[]): string {
  let out = `${ALERT_CSV_HEADER}\n`;
  for (const a of alerts) out += `${CSV_COLUMNS.map(([, get]) => csvCell(get(a))).join(',')}\n`;
  return out;
}

/** One JSON document: `{ ...extra, alerts: [...] }`. */
export function alertsToJsonDocument(
  alerts: readonly AlertWithStatus[],
  extra: Record<string, unknown> = {},
): string {
  return `${JSON.stringify({ ...extra, alerts: alerts.map(alertRecord) }, null, 2)}\n`;
}
