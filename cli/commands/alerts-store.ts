/**
 * Alerts in and out of the store's `alerts` table (store/schema.ts `ALERTS_TABLE`, a
 * ReplacingMergeTree by `id` with a `version`): what `camwatch scan` writes and `camwatch alerts` reads.
 *
 * ADAPTER, kept in cli/ until store/ (or analyzer/) has its own alert writer and reader: store/ exports
 * the table definition but no functions for it yet. When they exist, this file shrinks to calls of them.
 *
 * The table's columns hold the fields one filters on (device, peer, detector, severity, score, times,
 * status). The rest of the Alert record (device name and vendor, peer country/ASN/organisation, peer
 * port, sub-scores, bytes back) has no column yet, so the `evidence` column holds the whole Alert
 * record as JSON (times in ms); a row written by another writer, whose `evidence` is only the evidence
 * object, is read back from its columns plus that evidence.
 *
 * Incremental and idempotent: a fresh alert is folded into the stored one of the same id with the
 * analyzer's `mergeAlert` (a re-run over the same data widens nothing and adds nothing); the analyst's
 * triage `status` is kept; a row is written only when something changed, so scanning the same capture
 * again writes no row at all.
 */
import type { Alert } from '../../analyzer/index.js';
import type { Store } from '../../store/index.js';

/** Triage state of a stored alert. New alerts are `open`. */
export const ALERT_STATUSES = ['open', 'acknowledged', 'resolved', 'false-positive'] as const;
export type AlertStatus = string;

/** An alert as stored: the record plus its triage status. */
export interface StoredAlert {
  alert: Alert;
  status: AlertStatus;
  /** When the row was written (ms). */
  updatedAt: number;
}

export interface AlertFilter {
  /** Device address (IPv4 dotted or IPv6). */
  device?: string | undefined;
  detectors?: readonly string[] | undefined;
  severities?: readonly string[] | undefined;
  statuses?: readonly string[] | undefined;
  /** Only alerts seen at or after this time (last seen, ms). */
  sinceMs?: number | undefined;
  /** Only these ids. */
  ids?: readonly string[] | undefined;
}

let lastVersion = 0;
/** Strictly increasing in this process and above any earlier process's (time-based, µs). */
function nextVersion(): number {
  lastVersion = Math.max(lastVersion + 1, Date.now() * 1000);
  return lastVersion;
}

const sqlTime = (ms: number): string =>
  new Date(Math.floor(ms)).toISOString().replace('T', ' ').replace('Z', '');

function toRow(a: Alert, status: AlertStatus, updatedAt: number): Record<string, unknown> {
  return {
    id: a.id,
    version: nextVersion(),
    device_ip: a.deviceIp,
    peer_ip: a.peerIp ?? '::',
    peer_name: a.peerName ?? '',
    detector: a.detector,
    severity: a.severity,
    score: a.score,
    first_seen: sqlTime(a.firstSeen),
    last_seen: sqlTime(a.lastSeen),
    count: a.count,
    bytes: a.bytes,
    explanation: a.explanation,
    evidence: JSON.stringify(a),
    status,
    updated_at: sqlTime(updatedAt),
  };
}

interface AlertRow {
  id: string;
  device_text: string;
  peer_text: string;
  peer_name: string;
  detector: string;
  severity: string;
  score: number | string;
  first_ms: number | string;
  last_ms: number | string;
  count: number | string;
  bytes: number | string;
  explanation: string;
  evidence: string;
  status: string;
  updated_ms: number | string;
}

const MAPPED_V4 = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/;
const ipText = (s: string): string => MAPPED_V4.exec(s)?.[1] ?? s;

function fromRow(r: AlertRow): StoredAlert {
  let parsed: unknown;
  try {
    parsed = JSON.parse(r.evidence);
  } catch {
    parsed = {};
  }
  const whole = parsed as Partial<Alert> | null;
  let alert: Alert;
  if (whole && typeof whole === 'object' && whole.id === r.id && typeof whole.detector === 'string') {
    alert = whole as Alert;
  } else {
    alert = {
      id: r.id,
      deviceIp: ipText(r.device_text),
      detector: r.detector as Alert['detector'],
      severity: r.severity as Alert['severity'],
      score: Number(r.score),
      firstSeen: Number(r.first_ms),
      lastSeen: Number(r.last_ms),
      count: Number(r.count),
      bytes: Number(r.bytes),
      explanation: r.explanation,
      evidence: (parsed ?? {}) as Alert['evidence'],
    };
    const peer = ipText(r.peer_text);
    if (peer !== '::') alert.peerIp = peer;
    if (r.peer_name) alert.peerName = r.peer_name;
  }
  // the columns are the truth for what triage may change
  alert.severity = r.severity as Alert['severity'];
  return { alert, status: r.status || 'open', updatedAt: Number(r.updated_ms) };
}

const LATEST = 'SELECT * FROM (SELECT * FROM alerts ORDER BY id, version DESC LIMIT 1 BY id)';

/** Stored alerts (newest version of each), filtered; order is the caller's. */
export async function readAlerts(store: Store, filter: AlertFilter = {}): Promise<StoredAlert[]> {
  const where: string[] = [];
  const params: Record<string, unknown> = {};
  if (filter.device !== undefined) {
    where.push('device_ip = toIPv6({device:String})');
    params.device = filter.device;
  }
  if (filter.detectors?.length) {
    where.push('detector IN {detectors:Array(String)}');
    params.detectors = filter.detectors;
  }
  if (filter.severities?.length) {
    where.push('severity IN {severities:Array(String)}');
    params.severities = filter.severities;
  }
  if (filter.statuses?.length) {
    where.push('status IN {statuses:Array(String)}');
    params.statuses = filter.statuses;
  }
  if (filter.sinceMs !== undefined) {
    where.push('last_seen >= fromUnixTimestamp64Milli({sinceMs:Int64})');
    params.sinceMs = Math.floor(filter.sinceMs);
  }
  if (filter.ids !== undefined) {
    if (filter.ids.length === 0) return [];
    where.push('id IN {ids:Array(String)}');
    params.ids = filter.ids;
  }
  const sql =
    'SELECT id, IPv6NumToString(device_ip) AS device_text, IPv6NumToString(peer_ip) AS peer_text, peer_name, ' +
    'detector, severity, score, toUnixTimestamp64Milli(first_seen) AS first_ms, ' +
    'toUnixTimestamp64Milli(last_seen) AS last_ms, count, bytes, explanation, evidence, status, ' +
    `toUnixTimestamp64Milli(updated_at) AS updated_ms FROM (${LATEST})` +
    (where.length ? ` WHERE ${where.join(' AND ')}` : '');
  const rows = await store.rows<AlertRow>(sql, params);
  return rows.map(fromRow);
}

/** JSON with object keys sorted, to compare two records whatever order their keys were set in. */
function canonicalJson(v: unknown): string {
  return JSON.stringify(v, (_k, x: unknown) =>
    x && typeof x === 'object' && !Array.isArray(x)
      ? Object.fromEntries(Object.entries(x as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : 1)))
      : x,
  );
}

export interface SaveResult {
  /** The alerts as stored now (merged with what was there), in the order given. */
  stored: StoredAlert[];
  /** New ids. */
  added: number;
  /** Ids already stored whose record changed. */
  updated: number;
  /** Ids already stored and unchanged (nothing written). */
  unchanged: number;
}

/**
 * Folds fresh alerts into the stored ones (`merge`, the analyzer's `mergeAlert`) and writes a new
 * version only for those that changed. The stored triage status is kept; new alerts are `open`.
 */
export async function saveAlerts(
  store: Store,
  fresh: readonly Alert[],
  merge: (stored: Alert, fresh: Alert) => Alert,
): Promise<SaveResult> {
  const old = new Map(
    (await readAlerts(store, { ids: fresh.map((a) => a.id) })).map((s) => [s.alert.id, s] as const),
  );
  const now = Date.now();
  const rows: Record<string, unknown>[] = [];
  const stored: StoredAlert[] = [];
  let added = 0;
  let updated = 0;
  let unchanged = 0;
  for (const a of fresh) {
    const prev = old.get(a.id);
    if (!prev) {
      added++;
      rows.push(toRow(a, 'open', now));
      stored.push({ alert: a, status: 'open', updatedAt: now });
      continue;
    }
    const merged = merge(prev.alert, a);
    if (canonicalJson(merged) === canonicalJson(prev.alert)) {
      unchanged++;
      stored.push(prev);
      continue;
    }
    updated++;
    rows.push(toRow(merged, prev.status, now));
    stored.push({ alert: merged, status: prev.status, updatedAt: now });
  }
  await store.insertJson('alerts', rows);
  return { stored, added, updated, unchanged };
}
