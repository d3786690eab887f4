/**
 * THE alert field table: every column of `alerts`, the property of a stored alert it holds, and the
 * migration that added it. The table definition (schema.ts ALERTS_TABLE), the columns migration 4
 * adds, the row writer and the SELECT list (alert-rows.ts) are all derived from it; nothing else
 * lists an alert column by hand (as model/flow-fields.ts does for flows).
 *
 * Adding a column: append an entry with `since` = the next migration's version, and add that
 * migration (`addColumnsSql('alerts', alertColumnsAddedIn(N), o)`); rows written before it read
 * back the column's default, which is "absent".
 */

/** How a value travels between the record and its column (absent ↔ the column's default). */
export type AlertFieldKind =
  /** String / LowCardinality(String); absent ↔ ''. */
  | 'string'
  /** IPv6 column, address text in the record (IPv4 stored mapped, read back dotted); absent ↔ '::'. */
  | 'ip'
  /** DateTime64(3), ms since the epoch in the record. */
  | 'timeMs'
  /** Unsigned integer; absent ↔ 0. */
  | 'uint'
  | 'float'
  /** JSON text of an object; absent ↔ ''. */
  | 'json';

export interface AlertField {
  /** Property of the stored alert (AlertRecord or its triage state). */
  readonly name: string;
  readonly column: string;
  readonly chType: string;
  readonly kind: AlertFieldKind;
  /** Always present in the record (its default is a value, not "absent"). */
  readonly required?: boolean;
  /** Wide column left out of list pages unless asked for. */
  readonly wide?: boolean;
  /** The migration that added the column. */
  readonly since: number;
}

const T = "DateTime64(3, 'UTC')";

export const ALERT_FIELDS: readonly AlertField[] = [
  { name: 'id', column: 'id', chType: 'String', kind: 'string', required: true, since: 3 },
  { name: 'version', column: 'version', chType: 'UInt64', kind: 'uint', required: true, since: 3 },
  { name: 'deviceIp', column: 'device_ip', chType: 'IPv6', kind: 'ip', required: true, since: 3 },
  { name: 'peerIp', column: 'peer_ip', chType: 'IPv6', kind: 'ip', since: 3 },
  { name: 'peerName', column: 'peer_name', chType: 'String', kind: 'string', since: 3 },
  {
    name: 'detector',
    column: 'detector',
    chType: 'LowCardinality(String)',
    kind: 'string',
    required: true,
    since: 3,
  },
  {
    name: 'severity',
    column: 'severity',
    chType: 'LowCardinality(String)',
    kind: 'string',
    required: true,
    since: 3,
  },
  { name: 'score', column: 'score', chType: 'Float64', kind: 'float', required: true, since: 3 },
  { name: 'firstSeen', column: 'first_seen', chType: T, kind: 'timeMs', required: true, since: 3 },
  { name: 'lastSeen', column: 'last_seen', chType: T, kind: 'timeMs', required: true, since: 3 },
  { name: 'count', column: 'count', chType: 'UInt64', kind: 'uint', required: true, since: 3 },
  { name: 'bytes', column: 'bytes', chType: 'UInt64', kind: 'uint', required: true, since: 3 },
  { name: 'explanation', column: 'explanation', chType: 'String', kind: 'string', required: true, since: 3 },
  {
    name: 'evidence',
    column: 'evidence',
    chType: 'String',
    kind: 'json',
    required: true,
    wide: true,
    since: 3,
  },
  {
    name: 'status',
    column: 'status',
    chType: 'LowCardinality(String)',
    kind: 'string',
    required: true,
    since: 3,
  },
  { name: 'updatedAt', column: 'updated_at', chType: T, kind: 'timeMs', required: true, since: 3 },
  // Migration 4: the device and peer details the API shows and filters on, and the triage state.
  { name: 'deviceName', column: 'device_name', chType: 'String', kind: 'string', since: 4 },
  {
    name: 'deviceVendor',
    column: 'device_vendor',
    chType: 'LowCardinality(String)',
    kind: 'string',
    since: 4,
  },
  { name: 'deviceSite', column: 'device_site', chType: 'LowCardinality(String)', kind: 'string', since: 4 },
  { name: 'peerPort', column: 'peer_port', chType: 'UInt16', kind: 'uint', since: 4 },
  { name: 'peerCountry', column: 'peer_country', chType: 'LowCardinality(String)', kind: 'string', since: 4 },
  { name: 'peerAsn', column: 'peer_asn', chType: 'UInt32', kind: 'uint', since: 4 },
  { name: 'peerAsOrg', column: 'peer_as_org', chType: 'String', kind: 'string', since: 4 },
  { name: 'bytesIn', column: 'bytes_in', chType: 'UInt64', kind: 'uint', since: 4 },
  { name: 'subScores', column: 'sub_scores', chType: 'String', kind: 'json', since: 4 },
  { name: 'assignee', column: 'assignee', chType: 'String', kind: 'string', required: true, since: 4 },
  { name: 'closeReason', column: 'close_reason', chType: 'String', kind: 'string', required: true, since: 4 },
];
