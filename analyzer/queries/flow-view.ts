/**
 * The device's view of the stored flows, shared by every detector query: one row per flow with the
 * camera (`dev`), the other side (`peer`), bytes out/in from the camera's point of view, the peer's name
 * (`pname`), the peer key (name first, address second) and whether the peer is local under the policy.
 * A DNS flow's name is the name it ASKED for, not the resolver's: DNS flows (port 53/853 or recognised
 * as DNS) are keyed by the resolver's address. `protocol_only` marks outbound telnet/SSH and NTP: the
 * protocol detectors report those (grouped: scans by port, NTP by camera), the per-peer detectors
 * (egress, vendor, beacon, volume, new/rare peer) leave them out, so a scan of thousands of addresses
 * or an NTP pool is one alert, and NTP's own timer is not reported as a beacon.
 *
 * Enrichment (ingest/enrich) fills `device_ip`, `peer_ip`, `peer_port` and `device_side`. A flow that was
 * never enriched (`device_ip` is '::', the store's "absent") falls back to the exporter's orientation:
 * the originator is taken as the device. Flows where neither side is a watched device
 * (`device_side = 'none'`) are left out.
 *
 * Parameters (always bound, never spliced): `{sinceMs:Int64}`, `{untilMs:Int64}` (window, ms, half-open)
 * and `{localLo:Array(IPv6)}`, `{localHi:Array(IPv6)}` (CompiledRules.localRanges()); the analysis
 * view takes the window's local peers found with them as `{localPeers:Array(IPv6)}` instead.
 */
import type { CompiledRules } from '../rules/compiled-rules.js';

/** What the detectors need from the store: `Store.rows` and `Store.compactRows` satisfy it. */
export interface QueryRunner {
  rows<T>(sql: string, params?: Record<string, unknown>): Promise<T[]>;
  /** Rows as arrays in the order of `names`, for large results (no column name per row). */
  compactRows(sql: string, params?: Record<string, unknown>): Promise<{ names: string[]; rows: unknown[][] }>;
}

/**
 * Positions of a compact result's columns by name. A name the result lacks is an error here, once,
 * rather than `undefined` in every row.
 */
export function columnPositions<K extends string>(
  names: readonly string[],
  wanted: readonly K[],
): Record<K, number> {
  const at = {} as Record<K, number>;
  for (const k of wanted) {
    const i = names.indexOf(k);
    if (i < 0) throw new Error(`query result has no column ${k} (has ${names.join(', ')})`);
    at[k] = i;
  }
  return at;
}

export interface AnalysisWindow {
  sinceMs: number;
  untilMs: number;
}

/**
 * An `IPv6` column (or lambda argument) as address text, an IPv4-mapped address (how the store keeps
 * IPv4) as dotted IPv4: the one spelling of device and peer addresses in every detector's result.
 */
const ipText = (column: string): string => `replaceRegexpOne(IPv6NumToString(${column}), '^::ffff:', '')`;

const IN_WINDOW = `start >= fromUnixTimestamp64Milli({sinceMs:Int64})
    AND start < fromUnixTimestamp64Milli({untilMs:Int64})
    AND device_side != 'none'`;

/**
 * The window's flows with a watched device, with the device (`dev`), the peer and its port: enriched
 * flows from the enrichment columns, the others (`device_ip` '::') from the exporter's orientation.
 * Two branches rather than `if(device_ip != '::', device_ip, orig_ip)` on every row: the enriched
 * branch never reads `orig_ip`/`resp_ip`, and the key condition `device_ip = '::'` confines the other
 * branch to the granules where such flows sort (first: '::' is the smallest address). Measured on
 * 10 M flows: 0.75 instead of 1.1–1.25 CPU-s for a filtered pass over the view.
 */
const WATCHED_FLOWS = `
  SELECT device_ip AS dev, peer_ip AS peer, peer_port AS pport, * FROM flows
  WHERE ${IN_WINDOW} AND device_ip != toIPv6('::')
  UNION ALL
  SELECT orig_ip AS dev, resp_ip AS peer, resp_port AS pport, * FROM flows
  WHERE ${IN_WINDOW} AND device_ip = toIPv6('::')`;

/**
 * The local peers of the window: the policy's ranges tested once per distinct address instead of once
 * per flow. Measured on 10 M flows (bench/analysis-bench.ts): `arrayExists` over the range arrays on
 * every row cost 2.4–2.9 CPU-s per query (the constant arrays are replicated per row), a comparison
 * per range on every row 1.1–1.4; this set costs ~0.3 CPU-s and an IN lookup per row. The filter runs
 * on the aggregated array on purpose: written as `SELECT DISTINCT … WHERE <in range>`, the optimizer
 * pushes the condition below the DISTINCT and evaluates it per row again. Memory: one entry per
 * distinct peer address of the window.
 */
const localPeersOf = (peers: string): string => `arrayFilter(
    p -> arrayExists((l, h) -> p >= l AND p <= h, {localLo:Array(IPv6)}, {localHi:Array(IPv6)}),
    ${peers})`;
const LOCAL_PEERS_OF_GROUP = localPeersOf('groupUniqArray(peer)');

/** The view's columns, `peer_local` being `peer <localTest>`: one text for the two ways below. */
const viewSql = (localTest: string): string => `
SELECT
  dev,
  peer,
  pport,
  device_side = 'resp' AS inbound,
  if(device_side = 'resp', resp_bytes, orig_bytes) AS bytes_out,
  if(device_side = 'resp', orig_bytes, resp_bytes) AS bytes_in,
  if(device_side = 'resp', resp_port, orig_port) AS dport,
  if(device_side = 'resp', resp_packets, orig_packets) AS pkts_out,
  if(device_side = 'resp', resp_gap_median_ms, orig_gap_median_ms) AS gap_median_out,
  if(device_side = 'resp', resp_gap_mad_ms, orig_gap_mad_ms) AS gap_mad_out,
  pport IN (53, 853) OR app_proto = 'dns' AS dns_flow,
  NOT inbound AND ((proto = 6 AND pport IN (22, 23, 2323)) OR (proto = 17 AND pport = 123)) AS protocol_only,
  if(dns_flow, '', peer_name) AS pname,
  lower(pname) AS name_key,
  if(pname = '', peer, toIPv6('::')) AS ip_key,
  if(name_key != '', name_key, ${ipText('peer')}) AS row_peer_key,
  peer ${localTest} AS peer_local,
  start, end, proto, state, peer_name_source, peer_country, peer_asn, peer_as_org, peer_class,
  device_name, device_vendor, device_site, community_id, source_file, source_record,
  dns_query, soap_action, http_method, http_path, ssdp, stun, ntp_mode, app_proto
FROM (${WATCHED_FLOWS})`;

/**
 * The view, self-contained: it finds the window's local peers itself (a subquery, one more pass over
 * the window). GLOBAL: on a cluster the set is built once and sent to the shards. For one query over a
 * window (learning a baseline); the analysis, three queries over the same window, uses
 * ANALYSIS_VIEW_SQL.
 */
export const FLOW_VIEW_SQL = viewSql(
  `GLOBAL IN (SELECT arrayJoin(${LOCAL_PEERS_OF_GROUP}) FROM (${WATCHED_FLOWS}))`,
);

/**
 * The view with the window's local peers given as `{localPeers:Array(IPv6)}` (queryLocalPeers): found
 * once for all the analysis queries, and a constant set lets the engine filter on it while it reads,
 * before the wide columns. Measured on 10 M flows: peer summary 2.5 → 1.7 CPU-s (13.3 M → 3.3 M rows
 * read), protocol events 2.2–2.5 → 0.7–1.1 (20 M → 10 M rows, 300 → 100 MB), for one set query of
 * 0.35 CPU-s.
 */
export const ANALYSIS_VIEW_SQL = viewSql('IN {localPeers:Array(IPv6)}');

/** The window's distinct peer addresses inside the policy's local networks (IPv6 text). */
export type LocalPeers = readonly string[];

export const LOCAL_PEERS_SQL = `/* camwatch: local-peers */
SELECT ${LOCAL_PEERS_OF_GROUP} AS peers FROM (${WATCHED_FLOWS})`;

export async function queryLocalPeers(
  db: QueryRunner,
  rules: CompiledRules,
  w: AnalysisWindow,
): Promise<LocalPeers> {
  const [r] = await db.rows<{ peers: string[] }>(LOCAL_PEERS_SQL, viewParams(rules, w));
  return r?.peers ?? [];
}

/** The view over another window (the baseline), with its own parameter names. */
export const flowViewSql = (since: string, until: string): string =>
  FLOW_VIEW_SQL.replaceAll('{sinceMs:Int64}', `{${since}:Int64}`).replaceAll(
    '{untilMs:Int64}',
    `{${until}:Int64}`,
  );

/**
 * Per-peer queries GROUP BY (dev, name_key, ip_key) — a string and an IPv6, no per-row formatting —
 * and turn the group into the text peer key afterwards. Not measured to matter: an A/B on 500 k flows
 * on a loaded 2-core machine showed no difference beyond noise; bench/ should settle it at 10 M.
 */
export const PEER_KEY_OF_GROUP = `if(name_key != '', name_key, ${ipText('ip_key')})`;

/** A row's peer address as text. */
export const PEER_TEXT = ipText('peer');

/** Up to 10 peer addresses of a group as text, sorted. */
export const PEER_IPS_OF_GROUP = `arraySort(arrayMap(x -> ${ipText('x')}, groupUniqArray(10)(peer)))`;

/** The first 10 flows of a group (by start), to pivot on. */
export const FLOW_REFS_OF_GROUP =
  'groupArraySorted(10)((toUnixTimestamp64Milli(start), community_id, source_file, source_record))';
export const DEV_TEXT = ipText('dev');

export function viewParams(rules: CompiledRules, w: AnalysisWindow): Record<string, unknown> {
  const { lo, hi } = rules.localRanges();
  return { sinceMs: Math.floor(w.sinceMs), untilMs: Math.ceil(w.untilMs), localLo: lo, localHi: hi };
}

/** ClickHouse returns 64-bit integers as strings in JSON; numbers of any kind to a JS number. */
export const num = (v: unknown): number => (v === null || v === undefined || v === '' ? 0 : Number(v));

/**
 * A setting for detector queries: 64-bit integers as JSON numbers instead of quoted strings, so long
 * series of ms times and byte counts (all far below 2^53) parse straight into JS numbers.
 */
export const JSON_NUMBERS = 'output_format_json_quote_64bit_integers = 0';

/**
 * What the window holds, in one pass: the time its flows cover, how many flows, the fleet, and the
 * local peers (LOCAL_PEERS_OF_GROUP's filter over the union of each device's peers). Per device
 * first, then over the devices: the fleet count (distinct devices with watched flows) is then exact
 * over a few thousand device rows, not over the flows (0.41 CPU-s, against 0.95 for
 * `uniqExactIf(if(device_ip != '::', device_ip, orig_ip), …)` over the flows). The range and the flow
 * count include flows without a watched device; the fleet and the peers do not. Measured on 10 M
 * flows: 0.50–0.58 CPU-s, 0.26–0.31 s, against 0.67–0.80 CPU-s, 0.35–0.42 s for the local-peers and
 * data-range queries one after the other (each a pass over the window).
 */
export const WINDOW_SCOPE_SQL = `/* camwatch: window-scope */
SELECT toUnixTimestamp64Milli(min(first)) AS first_ms, toUnixTimestamp64Milli(max(last)) AS last_ms,
  sum(n) AS flows, uniqExactIf(d, watched > 0) AS devices,
  ${localPeersOf('groupUniqArrayArray(peers)')} AS local_peers
FROM (
  SELECT device_ip AS d, min(start) AS first, max(end) AS last, count() AS n,
    countIf(device_side != 'none') AS watched, groupUniqArrayIf(peer_ip, device_side != 'none') AS peers
  FROM flows
  WHERE start >= fromUnixTimestamp64Milli({sinceMs:Int64}) AND start < fromUnixTimestamp64Milli({untilMs:Int64})
    AND device_ip != toIPv6('::')
  GROUP BY device_ip
  UNION ALL
  SELECT orig_ip, min(start), max(end), count(), countIf(device_side != 'none'),
    groupUniqArrayIf(resp_ip, device_side != 'none')
  FROM flows
  WHERE start >= fromUnixTimestamp64Milli({sinceMs:Int64}) AND start < fromUnixTimestamp64Milli({untilMs:Int64})
    AND device_ip = toIPv6('::')
  GROUP BY orig_ip)
SETTINGS ${JSON_NUMBERS}`;

export interface DataRange extends AnalysisWindow {
  /** Devices with flows in the window (the fleet the rare-peer detector compares with). */
  devices: number;
}

export interface WindowScope {
  /**
   * The time the stored flows of the window actually cover (first start, last end) and the devices
   * they come from, or undefined when there are none. Beacon coverage is measured against this time,
   * so a caller may pass a wide window ("everything") without making every beacon look short.
   */
  range: DataRange | undefined;
  localPeers: LocalPeers;
}

export async function queryWindowScope(
  db: QueryRunner,
  rules: CompiledRules,
  w: AnalysisWindow,
): Promise<WindowScope> {
  const [r] = await db.rows<Record<string, unknown>>(WINDOW_SCOPE_SQL, viewParams(rules, w));
  const localPeers = (r?.local_peers as string[] | undefined) ?? [];
  if (!r || num(r.flows) === 0) return { range: undefined, localPeers };
  return {
    range: {
      sinceMs: Math.max(w.sinceMs, num(r.first_ms)),
      untilMs: Math.min(w.untilMs, num(r.last_ms)),
      devices: num(r.devices),
    },
    localPeers,
  };
}

/** Columns every per-group detector query reports: the peer's place, the device's identity, volume. */
export const GROUP_PEER_PLACE = `anyIf(peer_country, peer_country != '') AS country,
  anyIf(peer_asn, peer_asn != 0) AS asn,
  anyIf(peer_as_org, peer_as_org != '') AS as_org`;
export const GROUP_DEVICE = `anyIf(device_name, device_name != '') AS dev_name,
  anyIf(device_vendor, device_vendor != '') AS dev_vendor,
  anyIf(device_site, device_site != '') AS dev_site`;
export const GROUP_VOLUME = `count() AS flows,
  sum(bytes_out) AS sum_out,
  sum(bytes_in) AS sum_in`;
