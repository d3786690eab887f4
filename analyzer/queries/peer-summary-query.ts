/**
 * One row per (device, peer key) for every peer OUTSIDE the local networks the camera itself started
 * talking to, in the window: counts, bytes, time range, names, addresses, ports, place, a few flows to
 * pivot on, and what the beacon and rare-peer detectors need from the same pairs — the connection
 * series, the flows whose own packet timing may hold a heartbeat, and how many devices contacted the
 * peer key. The egress, vendor-cloud/p2p, watch-list and volume detectors judge these rows with the
 * compiled rules in JS (rules change without re-ingesting, and a rule change takes effect on the next run).
 *
 * One query for all of them: the per-pair detectors once ran one query each over the same rows, and
 * each query is a full pass over the window's flows. On 10 M flows (bench/analysis-bench.ts) the
 * summary, beacon-series and rare-peer queries took 3.5–5 CPU-s each; together they take one pass.
 *
 * The series (start and end times and bytes out, sorted by start, capped at 86 400 per pair: RITA's cap;
 * a pair above it is a strobe, not a beacon) comes for pairs with at least `{minConnections:UInt32}`
 * connections, or when one of its flows carries a heartbeat-like packet timing of its own (`sessions`:
 * ≥ 5 device packets, median gap ≥ 1 s: a P2P keep-alive on one long UDP flow). Scoring runs in JS
 * (detectors/beacon-score.ts) over these arrays.
 */

import { SESSION_MIN_GAP_MS, SESSION_MIN_PACKETS, type SessionTiming } from '../detectors/beacon-score.js';
import type { CompiledRules } from '../rules/compiled-rules.js';
import {
  ANALYSIS_VIEW_SQL,
  type AnalysisWindow,
  columnPositions,
  DEV_TEXT,
  FLOW_REFS_OF_GROUP,
  GROUP_DEVICE,
  GROUP_PEER_PLACE,
  GROUP_VOLUME,
  JSON_NUMBERS,
  type LocalPeers,
  num,
  PEER_IPS_OF_GROUP,
  PEER_KEY_OF_GROUP,
  type QueryRunner,
  queryLocalPeers,
  viewParams,
} from './flow-view.js';

export const PEER_SUMMARY_SQL = `/* camwatch: peer-summary */
WITH if(flows >= {minConnections:UInt32} OR notEmpty(sessions),
    arraySort(groupArray(86400)((toUnixTimestamp64Milli(start), toUnixTimestamp64Milli(end), bytes_out))),
    []) AS series
SELECT
  ${DEV_TEXT} AS device_ip,
  ${PEER_KEY_OF_GROUP} AS peer_key,
  anyIf(pname, pname != '') AS best_name,
  groupUniqArrayIf(5)(pname, pname != '') AS names,
  anyIf(peer_name_source, pname != '' AND peer_name_source != '') AS name_source,
  ${PEER_IPS_OF_GROUP} AS peer_ips,
  arraySort(groupUniqArray(10)(pport)) AS ports,
  arraySort(groupUniqArray(4)(proto)) AS protos,
  ${GROUP_VOLUME},
  toUnixTimestamp64Milli(min(start)) AS first_ms,
  toUnixTimestamp64Milli(max(end)) AS last_ms,
  max(toUnixTimestamp64Milli(end) - toUnixTimestamp64Milli(start)) AS longest_ms,
  argMax(pkts_out, toUnixTimestamp64Milli(end) - toUnixTimestamp64Milli(start)) AS longest_pkts,
  ${GROUP_PEER_PLACE},
  anyIf(peer_class, peer_class != '') AS best_class,
  ${GROUP_DEVICE},
  ${FLOW_REFS_OF_GROUP} AS flow_refs,
  arraySort(groupArrayIf(1000)(
    (toUnixTimestamp64Milli(start), toUnixTimestamp64Milli(end), pkts_out, gap_median_out, gap_mad_out),
    pkts_out >= {minSessionPackets:UInt32} AND gap_median_out >= {minSessionGapMs:UInt32})) AS sessions,
  series.1[1] AS series_first_ms,
  arrayDifference(series.1) AS series_start_steps,
  arrayMap((s, e) -> e - s, series.1, series.2) AS series_durations,
  series.3 AS series_bytes,
  count() OVER (PARTITION BY name_key, ip_key) AS devices
FROM (${ANALYSIS_VIEW_SQL})
WHERE NOT peer_local AND NOT inbound AND NOT protocol_only
GROUP BY dev, name_key, ip_key
ORDER BY device_ip, peer_key
SETTINGS ${JSON_NUMBERS}`;

/** A pair's connections, sorted by start (same order in the three arrays). */
export interface ConnectionSeries {
  startsMs: number[];
  endsMs: number[];
  bytes: number[];
  /** Flows whose own packet timing may hold a heartbeat (captures only: per-flow gap summaries). */
  sessions: SessionTiming[];
}

export interface PeerSummary {
  deviceIp: string;
  peerKey: string;
  peerName: string | undefined;
  names: string[];
  nameSource: string | undefined;
  peerIps: string[];
  ports: number[];
  protos: number[];
  flows: number;
  bytesOut: number;
  bytesIn: number;
  firstMs: number;
  lastMs: number;
  /** The longest flow of the pair, ms, and the packets the device sent in it (a kept-alive session). */
  longestMs: number;
  longestPackets: number;
  country: string | undefined;
  asn: number | undefined;
  asOrg: string | undefined;
  peerClass: string | undefined;
  deviceName: string | undefined;
  deviceVendor: string | undefined;
  deviceSite: string | undefined;
  flowRefs: { start: number; communityId?: string; sourceFile?: string; sourceRecord?: number }[];
  /** Devices of the window that contacted this peer key (the rare-peer detector's count). */
  devices: number;
  /** For the beacon detector: present when the pair has enough connections or a session's timing. */
  series: ConnectionSeries | undefined;
}

const str = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);

export function flowRefsOf(raw: unknown): PeerSummary['flowRefs'] {
  return ((raw as unknown[][]) ?? []).map((t) => {
    const ref: PeerSummary['flowRefs'][number] = { start: num(t[0]) };
    if (str(t[1])) ref.communityId = t[1] as string;
    if (str(t[2])) ref.sourceFile = t[2] as string;
    if (num(t[3]) > 0) ref.sourceRecord = num(t[3]);
    return ref;
  });
}

/**
 * The series as the query sends it: three arrays (no array per connection to parse and collect), the
 * times as steps from the first start and durations. Absolute ms times are 13 digits each: as steps
 * the result of the 10 M-flow night is 43 → 24 MB of JSON, less for the engine to write and for
 * Node to decode and parse. The sums are exact (integers far below 2^53).
 */
function seriesOf(r: readonly unknown[], c: Record<SummaryColumn, number>): ConnectionSeries | undefined {
  // The parsed arrays become the times in place: no second pair of arrays to allocate and collect.
  const startsMs = r[c.series_start_steps] as number[] | undefined;
  if (!startsMs?.length) return undefined;
  const endsMs = r[c.series_durations] as number[];
  let startMs = num(r[c.series_first_ms]);
  for (let i = 0; i < startsMs.length; i++) {
    startMs += startsMs[i]!;
    startsMs[i] = startMs;
    endsMs[i]! += startMs;
  }
  const sessions = ((r[c.sessions] as number[][]) ?? []).map((t) => ({
    startMs: t[0]!,
    endMs: t[1]!,
    packets: t[2]!,
    gapMedianMs: t[3]!,
    gapMadMs: t[4]!,
  }));
  return { startsMs, endsMs, bytes: r[c.series_bytes] as number[], sessions };
}

/** The result columns PEER_SUMMARY_SQL names, read by position from its compact rows. */
const SUMMARY_COLUMNS = [
  'device_ip',
  'peer_key',
  'best_name',
  'names',
  'name_source',
  'peer_ips',
  'ports',
  'protos',
  'flows',
  'sum_out',
  'sum_in',
  'first_ms',
  'last_ms',
  'longest_ms',
  'longest_pkts',
  'country',
  'asn',
  'as_org',
  'best_class',
  'dev_name',
  'dev_vendor',
  'dev_site',
  'flow_refs',
  'devices',
  'series_first_ms',
  'series_start_steps',
  'series_durations',
  'series_bytes',
  'sessions',
] as const;
type SummaryColumn = (typeof SUMMARY_COLUMNS)[number];

/**
 * The pairs of the window. `minConnections`: the beacon detector's threshold for a pair's series
 * (Infinity when that detector is off: no series then, unless a session's own timing asks for one).
 * `localPeers`: the window's (queryLocalPeers), when the caller has them already.
 */
export async function queryPeerSummaries(
  db: QueryRunner,
  rules: CompiledRules,
  w: AnalysisWindow,
  minConnections: number,
  localPeers?: LocalPeers,
): Promise<PeerSummary[]> {
  // Compact rows: 28 654 rows of 29 column names each are 9 MB of the JSON on the 10 M-flow night.
  const { names, rows } = await db.compactRows(PEER_SUMMARY_SQL, {
    ...viewParams(rules, w),
    localPeers: localPeers ?? (await queryLocalPeers(db, rules, w)),
    minConnections: Math.min(minConnections, 0xffff_ffff),
    minSessionPackets: SESSION_MIN_PACKETS,
    minSessionGapMs: SESSION_MIN_GAP_MS,
  });
  const c = columnPositions(names, SUMMARY_COLUMNS);
  return rows.map((r) => ({
    deviceIp: String(r[c.device_ip]),
    peerKey: String(r[c.peer_key]),
    peerName: str(r[c.best_name]),
    names: (r[c.names] as string[]) ?? [],
    nameSource: str(r[c.name_source]),
    peerIps: (r[c.peer_ips] as string[]) ?? [],
    ports: (r[c.ports] as number[]) ?? [],
    protos: (r[c.protos] as number[]) ?? [],
    flows: num(r[c.flows]),
    bytesOut: num(r[c.sum_out]),
    bytesIn: num(r[c.sum_in]),
    firstMs: num(r[c.first_ms]),
    lastMs: num(r[c.last_ms]),
    longestMs: num(r[c.longest_ms]),
    longestPackets: num(r[c.longest_pkts]),
    country: str(r[c.country]),
    asn: num(r[c.asn]) || undefined,
    asOrg: str(r[c.as_org]),
    peerClass: str(r[c.best_class]),
    deviceName: str(r[c.dev_name]),
    deviceVendor: str(r[c.dev_vendor]),
    deviceSite: str(r[c.dev_site]),
    flowRefs: flowRefsOf(r[c.flow_refs]),
    devices: num(r[c.devices]),
    series: seriesOf(r, c),
  }));
}
