/**
 * THE row format of `alerts`: an alert record with its triage state ↔ a row, both directions derived
 * from the alert field table (alert-fields.ts). The CLI (`scan`, `alerts`) and the API write and read
 * alerts only through this file, so they share one format.
 *
 * The record type is structural (`AlertRecord`): the store does not import the analyzer (imports point
 * down), and the analyzer's Alert, with its rule vocabularies (detector, severity, vendor-rule evidence),
 * is one of its shapes. The store functions are generic over it: a row written from an A reads back as
 * an A (the evidence JSON is the writer's own object, returned as written).
 */
import { ALERT_FIELDS, type AlertField } from './alert-fields.js';
import { dateTime64Text, ipTextSql } from './clickhouse-text.js';

/** The fields of an alert the store keeps. Times in ms; absent values are `undefined`. */
export interface AlertRecord {
  id: string;
  deviceIp: string;
  deviceName?: string | undefined;
  deviceVendor?: string | undefined;
  deviceSite?: string | undefined;
  peerIp?: string | undefined;
  peerName?: string | undefined;
  peerPort?: number | undefined;
  peerCountry?: string | undefined;
  peerAsn?: number | undefined;
  peerAsOrg?: string | undefined;
  detector: string;
  severity: string;
  score: number;
  firstSeen: number;
  lastSeen: number;
  count: number;
  bytes: number;
  bytesIn?: number | undefined;
  explanation: string;
  evidence: object;
  subScores?: Record<string, number> | undefined;
}

export const ALERT_STATUSES = ['open', 'acknowledged', 'resolved', 'false-positive'] as const;
export type AlertStatus = (typeof ALERT_STATUSES)[number];
/** The statuses of an alert still to be dealt with (metrics, device inventory). */
export const OPEN_STATUSES: readonly AlertStatus[] = ['open', 'acknowledged'];
export const CLOSE_REASONS = [
  'true-positive',
  'benign-positive',
  'false-positive',
  'duplicate',
  'other',
] as const;

/** An analyst's view of an alert: its status, who has it, why it was closed. */
export interface AlertTriage {
  status: AlertStatus;
  assignee: string;
  closeReason: string;
}

export const NEW_ALERT_TRIAGE: Readonly<AlertTriage> = { status: 'open', assignee: '', closeReason: '' };

/** A stored alert: the record, its triage state, and the row's `version` and write time (ms). */
export type StoredAlert<A extends AlertRecord = AlertRecord> = A &
  AlertTriage & { version: number; updatedAt: number };

/** The row to insert (JSONEachRow). Absent values become their column's default. */
export function alertRow(
  a: AlertRecord,
  triage: AlertTriage,
  version: number,
  updatedMs: number,
): Record<string, unknown> {
  const values: Record<string, unknown> = { ...a, ...triage, version, updatedAt: updatedMs };
  const row: Record<string, unknown> = {};
  for (const f of ALERT_FIELDS) row[f.column] = columnValue(f, values[f.name]);
  return row;
}

function columnValue(f: AlertField, v: unknown): unknown {
  switch (f.kind) {
    case 'ip':
      return v ?? '::';
    case 'timeMs':
      return dateTime64Text(Number(v ?? 0));
    case 'uint':
    case 'float':
      return v ?? 0;
    case 'json':
      return v === undefined ? (f.required ? '{}' : '') : JSON.stringify(v);
    default:
      return v ?? '';
  }
}

/**
 * A column as the reader takes it, named for the record's property. A converted column must not be
 * aliased to its own name: ClickHouse aliases are visible in WHERE and ORDER BY, where `last_seen`
 * would then be a number and `device_ip` text. The property names (camelCase) never clash.
 */
function selectExpr(f: AlertField): string {
  if (f.kind === 'ip') return `${ipTextSql(f.column)} AS ${f.name}`;
  if (f.kind === 'timeMs') return `toUnixTimestamp64Milli(${f.column}) AS ${f.name}`;
  return f.column === f.name ? f.column : `${f.column} AS ${f.name}`;
}

const NARROW_SELECT = ALERT_FIELDS.filter((f) => !f.wide)
  .map(selectExpr)
  .join(', ');
const FULL_SELECT = ALERT_FIELDS.map(selectExpr).join(', ');

/** The SELECT list `rowToAlert` reads; `wide` adds the evidence JSON. */
export const alertSelectList = (wide: boolean): string => (wide ? FULL_SELECT : NARROW_SELECT);

/** A row read with `alertSelectList` back to a stored alert; defaults of optional fields → absent. */
export function rowToAlert<A extends AlertRecord = AlertRecord>(
  row: Record<string, unknown>,
): StoredAlert<A> {
  const out: Record<string, unknown> = {};
  for (const f of ALERT_FIELDS) {
    const v = fieldValue(f, row[f.name]);
    if (v !== undefined) out[f.name] = v;
  }
  return out as unknown as StoredAlert<A>;
}

function fieldValue(f: AlertField, raw: unknown): unknown {
  if (raw === undefined) return f.kind === 'json' && f.required ? {} : undefined;
  switch (f.kind) {
    case 'timeMs':
    case 'uint':
    case 'float': {
      const n = Number(raw);
      return n === 0 && !f.required ? undefined : n;
    }
    case 'ip':
      return raw === '::' && !f.required ? undefined : String(raw);
    case 'json':
      return raw === '' ? (f.required ? {} : undefined) : JSON.parse(String(raw));
    default:
      return raw === '' && !f.required ? undefined : String(raw);
  }
}
