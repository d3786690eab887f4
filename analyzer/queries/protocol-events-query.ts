/**
 * Protocol misuse over the stored flows, grouped per (device, kind, peer key). The kinds and their
 * conditions are the same as the per-flow checks (detectors/flow-checks.ts), which the ingest pipeline
 * runs on flows as they pass; this query finds them in data already stored (and scales with a cluster).
 *
 *   upnp-portmap      SOAPAction AddPortMapping (UPnP IGD), or NAT-PMP/PCP (UDP 5351)     any peer
 *   telnet-out        the device opens TCP 23 or 2323 (Mirai scanning)                    any peer
 *   ssh-out           the device opens TCP 22                                              any peer
 *   inbound-internet  a non-local peer opens a connection to the device (TCP: its start was seen;
 *                     a connection picked up midstream, Zeek's OTH, is no evidence of who opened it)
 *   dns-outside       the device sends DNS (port 53) to a non-local resolver
 *   doh               the device talks DoT/DoQ (port 853) to a non-local peer (DoH by name: vendor rules)
 *   ntp-public        the device asks a non-local NTP server (UDP 123)
 *   nat-traversal     STUN/TURN (seen, or ports 3478/3479/5349) or SSDP to a non-local peer
 *
 * Grouping: by peer key, except scans and exposure, which would otherwise raise one alert per target
 * (a Mirai-like scan touches thousands): telnet/SSH out group by the port scanned (`scan:23`),
 * inbound-internet by the camera's port that was reached (`inbound:80`), NTP by camera (`ntp`: a pool
 * hands out many servers); `peers` counts the addresses.
 */

import type { CompiledRules } from '../rules/compiled-rules.js';
import type { Detector } from '../rules/rule-types.js';
import {
  ANALYSIS_VIEW_SQL,
  type AnalysisWindow,
  DEV_TEXT,
  FLOW_REFS_OF_GROUP,
  GROUP_DEVICE,
  GROUP_PEER_PLACE,
  GROUP_VOLUME,
  type LocalPeers,
  num,
  PEER_IPS_OF_GROUP,
  PEER_TEXT,
  type QueryRunner,
  queryLocalPeers,
  viewParams,
} from './flow-view.js';
import { flowRefsOf, type PeerSummary } from './peer-summary-query.js';

/**
 * UPnP IGD control URLs (…/ctl/IPConn, …/upnp/control/WANIPConn1, …): a POST to one is a port-mapping
 * request even when a short snaplen cut the SOAPAction header off.
 */
export const UPNP_CONTROL_PATH = '(?i)/ctl/|/upnp/control|WAN(IP|PPP)Conn|IPConn';

export const PROTOCOL_KIND_SQL = `multiIf(
    positionCaseInsensitive(soap_action, 'AddPortMapping') > 0 OR (proto = 17 AND pport = 5351 AND NOT inbound)
      OR (NOT inbound AND soap_action = '' AND http_method = 'POST' AND match(http_path, '${UPNP_CONTROL_PATH}')), 'upnp-portmap',
    NOT inbound AND proto = 6 AND pport IN (23, 2323), 'telnet-out',
    NOT inbound AND proto = 6 AND pport = 22, 'ssh-out',
    inbound AND NOT peer_local AND NOT (proto = 6 AND state = 'OTH'), 'inbound-internet',
    NOT inbound AND NOT peer_local AND pport = 53 AND proto IN (6, 17), 'dns-outside',
    NOT inbound AND NOT peer_local AND pport = 853 AND proto IN (6, 17), 'doh',
    NOT inbound AND NOT peer_local AND proto = 17 AND pport = 123, 'ntp-public',
    NOT inbound AND NOT peer_local AND (stun != '' OR ssdp != '' OR pport IN (3478, 3479, 5349)), 'nat-traversal',
    '')`;

export const PROTOCOL_EVENTS_SQL = `/* camwatch: protocol-events */
SELECT
  ${DEV_TEXT} AS device_ip,
  kind,
  event_key,
  uniqExact(peer) AS peers,
  anyIf(pname, pname != '') AS best_name,
  ${PEER_IPS_OF_GROUP} AS peer_ips,
  groupUniqArrayIf(10)((${PEER_TEXT}, pname), pname != '') AS peer_names,
  arraySort(groupUniqArray(10)(pport)) AS ports,
  arraySort(groupUniqArray(10)(dport)) AS device_ports,
  ${GROUP_VOLUME},
  toUnixTimestamp64Milli(min(start)) AS first_ms,
  toUnixTimestamp64Milli(max(end)) AS last_ms,
  groupUniqArrayIf(5)(dns_query, dns_query != '') AS dns_queries,
  groupUniqArrayIf(3)(soap_action, soap_action != '') AS soap_actions,
  groupUniqArrayIf(3)(stun, stun != '') AS stun_seen,
  groupUniqArrayIf(3)(ssdp, ssdp != '') AS ssdp_seen,
  ${GROUP_PEER_PLACE},
  ${GROUP_DEVICE},
  ${FLOW_REFS_OF_GROUP} AS flow_refs
FROM (
  SELECT *, ${PROTOCOL_KIND_SQL} AS kind,
    multiIf(kind IN ('telnet-out', 'ssh-out'), concat('scan:', toString(pport)),
            kind = 'inbound-internet', concat('inbound:', toString(dport)),
            kind = 'ntp-public', 'ntp',
            row_peer_key) AS event_key
  FROM (${ANALYSIS_VIEW_SQL}))
WHERE kind != ''
GROUP BY dev, kind, event_key
ORDER BY device_ip, kind, event_key`;

export interface ProtocolEvent {
  deviceIp: string;
  kind: Detector;
  /** The peer key, or `scan:<port>` / `inbound:<device port>` for grouped kinds. */
  eventKey: string;
  /** Distinct peer addresses. */
  peers: number;
  peerName: string | undefined;
  peerIps: string[];
  /**
   * Names the peers were seen under (passive DNS, SNI), as [address, name] (up to 10): a grouped
   * event (NTP per camera) is allowed when each of its peers is, by address or by name.
   */
  peerNames: [string, string][];
  ports: number[];
  devicePorts: number[];
  flows: number;
  bytesOut: number;
  bytesIn: number;
  firstMs: number;
  lastMs: number;
  dnsQueries: string[];
  soapActions: string[];
  stun: string[];
  ssdp: string[];
  country: string | undefined;
  asn: number | undefined;
  asOrg: string | undefined;
  deviceName: string | undefined;
  deviceVendor: string | undefined;
  deviceSite: string | undefined;
  flowRefs: PeerSummary['flowRefs'];
}

const str = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);

/** `localPeers`: the window's (queryLocalPeers), when the caller has them already. */
export async function queryProtocolEvents(
  db: QueryRunner,
  rules: CompiledRules,
  w: AnalysisWindow,
  localPeers?: LocalPeers,
): Promise<ProtocolEvent[]> {
  const rows = await db.rows<Record<string, unknown>>(PROTOCOL_EVENTS_SQL, {
    ...viewParams(rules, w),
    localPeers: localPeers ?? (await queryLocalPeers(db, rules, w)),
  });
  return rows.map((r) => ({
    deviceIp: String(r.device_ip),
    kind: String(r.kind) as Detector,
    eventKey: String(r.event_key),
    peers: num(r.peers),
    peerName: str(r.best_name),
    peerIps: (r.peer_ips as string[]) ?? [],
    peerNames: (r.peer_names as [string, string][]) ?? [],
    ports: ((r.ports as unknown[]) ?? []).map(num),
    devicePorts: ((r.device_ports as unknown[]) ?? []).map(num),
    flows: num(r.flows),
    bytesOut: num(r.sum_out),
    bytesIn: num(r.sum_in),
    firstMs: num(r.first_ms),
    lastMs: num(r.last_ms),
    dnsQueries: (r.dns_queries as string[]) ?? [],
    soapActions: (r.soap_actions as string[]) ?? [],
    stun: (r.stun_seen as string[]) ?? [],
    ssdp: (r.ssdp_seen as string[]) ?? [],
    country: str(r.country),
    asn: num(r.asn) || undefined,
    asOrg: str(r.as_org),
    deviceName: str(r.dev_name),
    deviceVendor: str(r.dev_vendor),
    deviceSite: str(r.dev_site),
    flowRefs: flowRefsOf(r.flow_refs),
  }));
}
