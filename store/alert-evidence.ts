/**
 * The evidence behind one alert: its flows (device and peer in the alert's time range, with their
 * Community ID and source record) and the names the peer address resolved from (passive DNS).
 */
import { ipTextSql } from './clickhouse-text.js';
import type { Store } from './connection.js';

export interface AlertEvidenceFlow {
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
): Promise<AlertEvidenceFlow[]> {
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
            ${ipTextSql('orig_ip')} AS oip, orig_port, ${ipTextSql('resp_ip')} AS rip, resp_port,
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
