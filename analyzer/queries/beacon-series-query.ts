/**
 * The connection series of every (device, peer key) pair outside the local networks with at least
 * `{minConnections:UInt32}` connections started by the device in the window: start and end times and
 * bytes out, sorted by start, capped at 86 400 per pair (RITA's cap; a pair above it is a strobe, not a
 * beacon). Scoring runs in JS (detectors/beacon-score.ts) over these arrays. A pair with fewer
 * connections still comes when one of its flows carries a heartbeat-like packet timing of its own
 * (`sessions`: ≥ 5 device packets, median gap ≥ 1 s): a P2P keep-alive on one long UDP flow.
 *
 * Measured by the issue: grouping every pair of 10 million flows with sorted times in chDB ≈ 0.1 s.
 */

import { SESSION_MIN_GAP_MS, SESSION_MIN_PACKETS, type SessionTiming } from '../detectors/beacon-score.js';
import type { CompiledRules } from '../rules/compiled-rules.js';
import {
  type AnalysisWindow,
  DEV_TEXT,
  FLOW_REFS_OF_GROUP,
  FLOW_VIEW_SQL,
  GROUP_DEVICE,
  GROUP_PEER_PLACE,
  GROUP_VOLUME,
  num,
  PEER_IPS_OF_GROUP,
  PEER_KEY_OF_GROUP,
  type QueryRunner,
  viewParams,
} from './flow-view.js';
import { flowRefsOf, type PeerSummary } from './peer-summary-query.js';

export const BEACON_SERIES_SQL = `
SELECT
  ${DEV_TEXT} AS device_ip,
  ${PEER_KEY_OF_GROUP} AS peer_key,
  anyIf(pname, pname != '') AS best_name,
  ${PEER_IPS_OF_GROUP} AS peer_ips,
  arraySort(groupUniqArray(10)(pport)) AS ports,
  ${GROUP_PEER_PLACE},
  ${GROUP_DEVICE},
  ${GROUP_VOLUME},
  arraySort(groupArray(86400)((toUnixTimestamp64Milli(start), toUnixTimestamp64Milli(end), bytes_out))) AS series,
  arraySort(groupArrayIf(1000)(
    (toUnixTimestamp64Milli(start), toUnixTimestamp64Milli(end), pkts_out, gap_median_out, gap_mad_out),
    pkts_out >= {minSessionPackets:UInt32} AND gap_median_out >= {minSessionGapMs:UInt32})) AS sessions,
  ${FLOW_REFS_OF_GROUP} AS flow_refs
FROM (${FLOW_VIEW_SQL})
WHERE NOT peer_local AND NOT inbound AND NOT protocol_only
GROUP BY dev, name_key, ip_key
HAVING flows >= {minConnections:UInt32} OR notEmpty(sessions)
ORDER BY device_ip, peer_key`;

export interface BeaconSeries {
  deviceIp: string;
  peerKey: string;
  peerName: string | undefined;
  peerIps: string[];
  ports: number[];
  country: string | undefined;
  asn: number | undefined;
  asOrg: string | undefined;
  deviceName: string | undefined;
  deviceVendor: string | undefined;
  deviceSite: string | undefined;
  flows: number;
  bytesOut: number;
  bytesIn: number;
  startsMs: number[];
  endsMs: number[];
  bytes: number[];
  /** Flows whose own packet timing may hold a heartbeat (captures only: per-flow gap summaries). */
  sessions: SessionTiming[];
  flowRefs: PeerSummary['flowRefs'];
}

const str = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);

export async function queryBeaconSeries(
  db: QueryRunner,
  rules: CompiledRules,
  w: AnalysisWindow,
  minConnections: number,
): Promise<BeaconSeries[]> {
  const rows = await db.rows<Record<string, unknown>>(BEACON_SERIES_SQL, {
    ...viewParams(rules, w),
    minConnections,
    minSessionPackets: SESSION_MIN_PACKETS,
    minSessionGapMs: SESSION_MIN_GAP_MS,
  });
  return rows.map((r) => {
    const series = (r.series as unknown[][]) ?? [];
    return {
      deviceIp: String(r.device_ip),
      peerKey: String(r.peer_key),
      peerName: str(r.best_name),
      peerIps: (r.peer_ips as string[]) ?? [],
      ports: ((r.ports as unknown[]) ?? []).map(num),
      country: str(r.country),
      asn: num(r.asn) || undefined,
      asOrg: str(r.as_org),
      deviceName: str(r.dev_name),
      deviceVendor: str(r.dev_vendor),
      deviceSite: str(r.dev_site),
      flows: num(r.flows),
      bytesOut: num(r.sum_out),
      bytesIn: num(r.sum_in),
      startsMs: series.map((t) => num(t[0])),
      endsMs: series.map((t) => num(t[1])),
      bytes: series.map((t) => num(t[2])),
      sessions: ((r.sessions as unknown[][]) ?? []).map((t) => ({
        startMs: num(t[0]),
        endMs: num(t[1]),
        packets: num(t[2]),
        gapMedianMs: num(t[3]),
        gapMadMs: num(t[4]),
      })),
      flowRefs: flowRefsOf(r.flow_refs),
    };
  });
}
