/**
 * The device inventory as the flows show it (the device side after enrichment): one row per camera
 * with its open alerts, and one camera's peers over a time range.
 */
import { OPEN_STATUSES } from './alert-rows.js';
import { ipTextSql } from './clickhouse-text.js';
import type { Store } from './connection.js';

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
  const p: Record<string, unknown> = { limit: q.limit, offset: q.offset, open: OPEN_STATUSES };
  const siteWhere = q.site ? ' AND device_site = {site:String}' : '';
  if (q.site) p.site = q.site;
  const rows = await store.rows<Record<string, string | number>>(
    `SELECT ${ipTextSql('d.dev')} AS ip, d.name, d.vendor, d.site, d.first_ms, d.last_ms, d.flows, d.peers, d.bytes_out,
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
       SELECT device_ip, count() AS n FROM alerts FINAL WHERE status IN {open:Array(String)} GROUP BY device_ip
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
    `SELECT ${ipTextSql('peer_ip')} AS peer, arrayFilter(x -> x != '', groupUniqArray(10)(peer_name)) AS names,
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
