/**
 * Devices and their peers, read from `flows` (device side after enrichment), and the evidence of one
 * alert (its flows and the peer's passive-DNS names). To move into store/ as named queries.
 */
import type { Store } from '../../store/index.js';

const ipText = (col: string): string => `replaceRegexpOne(IPv6NumToString(${col}), '^::ffff:', '')`;

export interface DeviceSummary {
  ip: string;
  name: string;
  vendor: string;
  site: string;
  firstSeen: number;
  lastSeen: number;
  flows: number;
  peers: number;
  bytesOut: number;
  openAlerts: number;
}

export async function listDevices(
  store: Store,
  q: { site?: string | undefined; limit: number; offset: number },
): Promise<DeviceSummary[]> {
  const p: Record<string, unknown> = { limit: q.limit, offset: q.offset };
  const siteWhere = q.site ? ' AND device_site = {site:String}' : '';
  if (q.site) p.site = q.site;
  const rows = await store.rows<Record<string, string | number>>(
    `SELECT ${ipText('d.dev')} AS ip, d.name, d.vendor, d.site, d.first_ms, d.last_ms, d.flows, d.peers, d.bytes_out,
            toString(ifNull(a.n, 0)) AS open_alerts
     FROM (
       SELECT device_ip AS dev, anyLast(device_name) AS name, anyLast(device_vendor) AS vendor,
              anyLast(device_site) AS site, toUnixTimestamp64Milli(min(start)) AS first_ms,
              toUnixTimestamp64Milli(max(end)) AS last_ms, toString(count()) AS flows,
              toString(uniqExact(peer_ip)) AS peers,
              toString(sum(if(device_side = 'resp', resp_bytes, orig_bytes))) AS bytes_out
       FROM flows WHERE device_side NOT IN ('none', '')${siteWhere}
       GROUP BY device_ip
     ) AS d
     LEFT JOIN (
       SELECT device_ip, count() AS n FROM alerts FINAL WHERE status IN ('open', 'acknowledged') GROUP BY device_ip
     ) AS a ON a.device_ip = d.dev
     ORDER BY d.last_ms DESC, ip LIMIT {limit:UInt32} OFFSET {offset:UInt32}`,
    p,
  );
  return rows.map((r) => ({
    ip: String(r.ip),
    name: String(r.name),
    vendor: String(r.vendor),
    site: String(r.site),
    firstSeen: Number(r.first_ms),
    lastSeen: Number(r.last_ms),
    flows: Number(r.flows),
    peers: Number(r.peers),
    bytesOut: Number(r.bytes_out),
    openAlerts: Number(r.open_alerts),
  }));
}

export interface PeerSummaryRow {
  peerIp: string;
  names: string[];
  country: string;
  asn: number;
  asOrg: string;
  ports: number[];
  flows: number;
  bytesOut: number;
  bytesIn: number;
  firstSeen: number;
  lastSeen: number;
}

export async function devicePeers(
  store: Store,
  ip: string,
  sinceMs: number,
  untilMs: number,
  limit: number,
): Promise<PeerSummaryRow[]> {
  const rows = await store.rows<Record<string, unknown>>(
    `SELECT ${ipText('peer_ip')} AS peer, arrayFilter(x -> x != '', groupUniqArray(10)(peer_name)) AS names,
            anyLast(peer_country) AS country, anyLast(peer_asn) AS asn, anyLast(peer_as_org) AS as_org,
            groupUniqArray(10)(peer_port) AS ports, toString(count()) AS flows,
            toString(sum(if(device_side = 'resp', resp_bytes, orig_bytes))) AS bytes_out,
            toString(sum(if(device_side = 'resp', orig_bytes, resp_bytes))) AS bytes_in,
            toUnixTimestamp64Milli(min(start)) AS first_ms, toUnixTimestamp64Milli(max(end)) AS last_ms
     FROM flows
     WHERE device_ip = toIPv6({ip:String}) AND device_side NOT IN ('none', '')
       AND start >= fromUnixTimestamp64Milli({since:Int64}) AND start < fromUnixTimestamp64Milli({until:Int64})
     GROUP BY peer_ip ORDER BY sum(if(device_side = 'resp', resp_bytes, orig_bytes)) DESC, peer LIMIT {limit:UInt32}`,
    { ip, since: Math.floor(sinceMs), until: Math.ceil(untilMs), limit },
  );
  return rows.map((r) => ({
    peerIp: String(r.peer),
    names: (r.names as string[]) ?? [],
    country: String(r.country ?? ''),
    asn: Number(r.asn ?? 0),
    asOrg: String(r.as_org ?? ''),
    ports: ((r.ports as number[]) ?? []).map(Number).sort((a, b) => a - b),
    flows: Number(r.flows),
    bytesOut: Number(r.bytes_out),
    bytesIn: Number(r.bytes_in),
    firstSeen: Number(r.first_ms),
    lastSeen: Number(r.last_ms),
  }));
}

export interface EvidenceFlow {
  start: number;
  end: number;
  proto: number;
  origIp: string;
  origPort: number;
  respIp: string;
  respPort: number;
  origBytes: number;
  respBytes: number;
  communityId: string;
  sourceFile: string;
  sourceRecord: number;
  peerName: string;
}

/** Up to `limit` flows between the device and the peer address in the alert's time range. */
export async function evidenceFlows(
  store: Store,
  a: { deviceIp: string; peerIp?: string | undefined; firstSeen: number; lastSeen: number },
  limit = 20,
): Promise<EvidenceFlow[]> {
  const p: Record<string, unknown> = {
    dev: a.deviceIp,
    since: Math.floor(a.firstSeen),
    until: Math.ceil(a.lastSeen) + 1,
    limit,
  };
  let peer = '';
  if (a.peerIp) {
    peer =
      ' AND (peer_ip = toIPv6({peer:String}) OR resp_ip = toIPv6({peer:String}) OR orig_ip = toIPv6({peer:String}))';
    p.peer = a.peerIp;
  }
  const rows = await store.rows<Record<string, unknown>>(
    `SELECT toUnixTimestamp64Milli(start) AS s, toUnixTimestamp64Milli(end) AS e, proto,
            ${ipText('orig_ip')} AS oip, orig_port, ${ipText('resp_ip')} AS rip, resp_port,
            toString(orig_bytes) AS ob, toString(resp_bytes) AS rb, community_id, source_file,
            toString(source_record) AS sr, peer_name
     FROM flows
     WHERE (device_ip = toIPv6({dev:String}) OR orig_ip = toIPv6({dev:String}))${peer}
       AND start >= fromUnixTimestamp64Milli({since:Int64}) AND start < fromUnixTimestamp64Milli({until:Int64})
     ORDER BY start LIMIT {limit:UInt32}`,
    p,
  );
  return rows.map((r) => ({
    start: Number(r.s),
    end: Number(r.e),
    proto: Number(r.proto),
    origIp: String(r.oip),
    origPort: Number(r.orig_port),
    respIp: String(r.rip),
    respPort: Number(r.resp_port),
    origBytes: Number(r.ob),
    respBytes: Number(r.rb),
    communityId: String(r.community_id),
    sourceFile: String(r.source_file),
    sourceRecord: Number(r.sr),
    peerName: String(r.peer_name),
  }));
}

export interface PassiveName {
  name: string;
  type: string;
  firstSeen: number;
  lastSeen: number;
  count: number;
}

/** Names the peer address was resolved from (passive DNS). */
export async function namesOfAddress(store: Store, address: string, limit = 20): Promise<PassiveName[]> {
  const rows = await store.rows<Record<string, unknown>>(
    `SELECT name, any(type) AS type, toUnixTimestamp64Milli(min(first_seen)) AS f, toUnixTimestamp64Milli(max(last_seen)) AS l,
            toString(sum(count)) AS n
     FROM dns_names WHERE address = {a:String} GROUP BY name ORDER BY l DESC LIMIT {limit:UInt32}`,
    { a: address, limit },
  );
  return rows.map((r) => ({
    name: String(r.name),
    type: String(r.type),
    firstSeen: Number(r.f),
    lastSeen: Number(r.l),
    count: Number(r.n),
  }));
}

/** The time range of one ingest's flows (the analysis window after an upload). */
export async function ingestWindow(
  store: Store,
  ingestId: string,
): Promise<{ sinceMs: number; untilMs: number } | undefined> {
  const rows = await store.rows<{ n: string; lo: string | number; hi: string | number }>(
    'SELECT toString(count()) AS n, toUnixTimestamp64Milli(min(start)) AS lo, toUnixTimestamp64Milli(max(start)) AS hi FROM flows WHERE ingest_id = {id:String}',
    { id: ingestId },
  );
  const r = rows[0];
  if (!r || Number(r.n) === 0) return undefined;
  return { sinceMs: Number(r.lo), untilMs: Number(r.hi) + 1 };
}
