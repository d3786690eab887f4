/**
 * One row per (device, peer key) for every peer OUTSIDE the local networks the camera itself started
 * talking to, in the window: counts, bytes, time range, names, addresses, ports, place, and a few flows
 * to pivot on. The egress, vendor-cloud/p2p, watch-list and volume detectors judge these rows with the
 * compiled rules in JS (rules change without re-ingesting, and a rule change takes effect on the next run).
 */

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

export const PEER_SUMMARY_SQL = `
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
  ${FLOW_REFS_OF_GROUP} AS flow_refs
FROM (${FLOW_VIEW_SQL})
WHERE NOT peer_local AND NOT inbound AND NOT protocol_only
GROUP BY dev, name_key, ip_key
ORDER BY device_ip, peer_key`;

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

export async function queryPeerSummaries(
  db: QueryRunner,
  rules: CompiledRules,
  w: AnalysisWindow,
): Promise<PeerSummary[]> {
  const rows = await db.rows<Record<string, unknown>>(PEER_SUMMARY_SQL, viewParams(rules, w));
  return rows.map((r) => ({
    deviceIp: String(r.device_ip),
    peerKey: String(r.peer_key),
    peerName: str(r.best_name),
    names: (r.names as string[]) ?? [],
    nameSource: str(r.name_source),
    peerIps: (r.peer_ips as string[]) ?? [],
    ports: ((r.ports as unknown[]) ?? []).map(num),
    protos: ((r.protos as unknown[]) ?? []).map(num),
    flows: num(r.flows),
    bytesOut: num(r.sum_out),
    bytesIn: num(r.sum_in),
    firstMs: num(r.first_ms),
    lastMs: num(r.last_ms),
    longestMs: num(r.longest_ms),
    longestPackets: num(r.longest_pkts),
    country: str(r.country),
    asn: num(r.asn) || undefined,
    asOrg: str(r.as_org),
    peerClass: str(r.best_class),
    deviceName: str(r.dev_name),
    deviceVendor: str(r.dev_vendor),
    deviceSite: str(r.dev_site),
    flowRefs: flowRefsOf(r.flow_refs),
  }));
}
