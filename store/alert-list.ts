/**
 * The alert list: filters, a sort, and keyset pagination (an opaque cursor holding the last row's sort
 * key and id), over the newest version of each alert.
 */
import { CamwatchError } from '../model/index.js';
import { type AlertRecord, alertSelectList, rowToAlert, type StoredAlert } from './alert-rows.js';
import { ipTextSql } from './clickhouse-text.js';
import type { Store } from './connection.js';

export interface AlertQuery {
  device?: string | undefined;
  site?: string | undefined;
  severity?: readonly string[] | undefined;
  detector?: readonly string[] | undefined;
  status?: readonly string[] | undefined;
  assignee?: string | undefined;
  /** last seen ≥ since, < until (ms) */
  sinceMs?: number | undefined;
  untilMs?: number | undefined;
  peerCountry?: string | undefined;
  peerAsn?: number | undefined;
  /** Case-insensitive text in the names or explanation, an id prefix, or an address. */
  q?: string | undefined;
  sort: AlertSort;
  limit: number;
  cursor?: string | undefined;
  withEvidence?: boolean | undefined;
}

/** The sort keys, as numbers (the cursor keeps one as a Float64). */
export const ALERT_SORTS = {
  lastSeen: 'toUnixTimestamp64Milli(last_seen)',
  firstSeen: 'toUnixTimestamp64Milli(first_seen)',
  score: 'score',
  severity: "indexOf(['info','low','medium','high','critical'], severity)",
  count: 'count',
  bytes: 'bytes',
} as const;
export type AlertSortField = keyof typeof ALERT_SORTS;
export interface AlertSort {
  field: AlertSortField;
  desc: boolean;
}

/** `[-+]field` (default `-lastSeen`) → a sort; an unknown field is CW_ERR_CONFIG_INVALID (400). */
export function parseAlertSort(s: string | undefined): AlertSort {
  const raw = s ?? '-lastSeen';
  const field = raw.replace(/^[-+]/, '');
  if (!(field in ALERT_SORTS)) {
    throw new CamwatchError(
      'CW_ERR_CONFIG_INVALID',
      `sort '${raw}': use one of ${Object.keys(ALERT_SORTS).join(', ')} (prefix - for descending)`,
      { statusCode: 400 },
    );
  }
  return { field: field as AlertSortField, desc: raw.startsWith('-') };
}

interface Cursor {
  k: number;
  id: string;
}
const encodeCursor = (c: Cursor): string => Buffer.from(JSON.stringify(c)).toString('base64url');
function decodeCursor(s: string): Cursor {
  try {
    const c = JSON.parse(Buffer.from(s, 'base64url').toString('utf8')) as Cursor;
    if (typeof c.k === 'number' && typeof c.id === 'string') return c;
  } catch {
    // not base64 JSON: refused below
  }
  throw new CamwatchError('CW_ERR_CONFIG_INVALID', 'cursor is not one this server gave out', {
    statusCode: 400,
  });
}

export interface AlertPage<A extends AlertRecord = AlertRecord> {
  items: StoredAlert<A>[];
  /** null on the last page. */
  nextCursor: string | null;
}

/** WHERE conditions and their parameters (every value a `{name:Type}` parameter). */
function conditions(q: AlertQuery): { where: string[]; params: Record<string, unknown> } {
  const where: string[] = [];
  const params: Record<string, unknown> = {};
  const add = (sql: string, name: string, value: unknown): void => {
    where.push(sql);
    params[name] = value;
  };
  if (q.device) add('device_ip = toIPv6({device:String})', 'device', q.device);
  if (q.site) add('device_site = {site:String}', 'site', q.site);
  if (q.severity?.length) add('severity IN {severity:Array(String)}', 'severity', q.severity);
  if (q.detector?.length) add('detector IN {detector:Array(String)}', 'detector', q.detector);
  if (q.status?.length) add('status IN {status:Array(String)}', 'status', q.status);
  if (q.assignee !== undefined) add('assignee = {assignee:String}', 'assignee', q.assignee);
  if (q.sinceMs !== undefined)
    add('last_seen >= fromUnixTimestamp64Milli({since:Int64})', 'since', Math.floor(q.sinceMs));
  if (q.untilMs !== undefined)
    add('last_seen < fromUnixTimestamp64Milli({until:Int64})', 'until', Math.ceil(q.untilMs));
  if (q.peerCountry) add('peer_country = {country:String}', 'country', q.peerCountry.toUpperCase());
  if (q.peerAsn !== undefined) add('peer_asn = {asn:UInt32}', 'asn', q.peerAsn);
  if (q.q) {
    add(
      `(positionCaseInsensitiveUTF8(peer_name, {q:String}) > 0 OR positionCaseInsensitiveUTF8(explanation, {q:String}) > 0
        OR positionCaseInsensitiveUTF8(device_name, {q:String}) > 0 OR startsWith(id, {q:String})
        OR ${ipTextSql('device_ip')} = {q:String} OR ${ipTextSql('peer_ip')} = {q:String})`,
      'q',
      q.q,
    );
  }
  return { where, params };
}

/**
 * Filtered, sorted, keyset-paginated alerts over `alerts FINAL`.
 *
 * What it costs, and what did not help (chDB 3.4 / ClickHouse 26.7, 100 000 alerts, page of 50,
 * interleaved runs on a loaded 2-core machine): 12.2–13.3 ms of CPU per page whatever the shape —
 * ids then rows (below), one query with ORDER BY … LIMIT (lazily read wide columns), either with
 * max_threads = 1; the one-query form served 50–51 req/s in the load bench against 55–62 for this
 * one, so this one stays. A
 * bare `SELECT 1` costs 1.2–1.8 ms and sorting the 100k `last_seen` values alone 4–6 ms: the
 * price is the per-query work and one pass over the narrow columns, not FINAL (the same query
 * without FINAL cost the same). An index cannot cut that pass: FINAL does not use skipping indexes
 * or projections, and the rows are laid out by id (a hash), so every granule holds every status
 * and time; a projection ordered by last_seen (tried, with deduplicate_merge_projection_mode)
 * gave nothing measurable. What does help under load is the API's page cache (api/alert-list-cache.ts).
 */
export async function listAlerts<A extends AlertRecord = AlertRecord>(
  store: Store,
  q: AlertQuery,
): Promise<AlertPage<A>> {
  const { where, params } = conditions(q);
  const key = ALERT_SORTS[q.sort.field];
  const dir = q.sort.desc ? 'DESC' : 'ASC';
  if (q.cursor) {
    const c = decodeCursor(q.cursor);
    where.push(`(${key}, id) ${q.sort.desc ? '<' : '>'} ({ck:Float64}, {cid:String})`);
    params.ck = c.k;
    params.cid = c.id;
  }
  params.limit = q.limit + 1;
  const filter = where.length ? ` WHERE ${where.join(' AND ')}` : '';
  // The page's ids from the narrow columns, then the wide columns of those ids only (by the primary key).
  const rows = await store.rows<Record<string, unknown>>(
    `SELECT ${alertSelectList(q.withEvidence === true)}, toFloat64(${key}) AS sort_key FROM alerts FINAL` +
      ` WHERE id IN (SELECT id FROM alerts FINAL${filter} ORDER BY ${key} ${dir}, id ${dir} LIMIT {limit:UInt32})` +
      ` ORDER BY ${key} ${dir}, id ${dir}`,
    params,
  );
  const more = rows.length > q.limit;
  const page = more ? rows.slice(0, q.limit) : rows;
  const last = page[page.length - 1];
  return {
    items: page.map((r) => rowToAlert<A>(r)),
    nextCursor: more && last ? encodeCursor({ k: Number(last.sort_key), id: String(last.id) }) : null,
  };
}
