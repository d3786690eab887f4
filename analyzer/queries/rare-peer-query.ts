/**
 * Rare peers across the fleet: peer keys outside the local networks that at most `{maxDevices:UInt32}`
 * devices contacted in the window, reported only when the fleet (devices with any flow in the window)
 * has at least `{minFleet:UInt32}` devices — in a small fleet every peer is "rare".
 */

import type { CompiledRules } from '../rules/compiled-rules.js';
import {
  type AnalysisWindow,
  DEV_TEXT,
  FLOW_VIEW_SQL,
  num,
  PEER_KEY_OF_GROUP,
  type QueryRunner,
  viewParams,
} from './flow-view.js';

export const RARE_PEER_SQL = `
SELECT device_ip, peer_key, flows, devices, fleet FROM (
  SELECT ${DEV_TEXT} AS device_ip, ${PEER_KEY_OF_GROUP} AS peer_key, count() AS flows,
    count() OVER (PARTITION BY name_key, ip_key) AS devices,
    (SELECT uniqExact(dev) FROM (${FLOW_VIEW_SQL})) AS fleet
  FROM (${FLOW_VIEW_SQL})
  WHERE NOT peer_local AND NOT inbound AND NOT protocol_only
  GROUP BY dev, name_key, ip_key
)
WHERE devices <= {maxDevices:UInt32} AND fleet >= {minFleet:UInt32}
ORDER BY device_ip, peer_key`;

export interface RarePeer {
  deviceIp: string;
  peerKey: string;
  flows: number;
  devices: number;
  fleet: number;
}

export async function queryRarePeers(
  db: QueryRunner,
  rules: CompiledRules,
  w: AnalysisWindow,
  maxDevices: number,
  minFleet: number,
): Promise<RarePeer[]> {
  const rows = await db.rows<Record<string, unknown>>(RARE_PEER_SQL, {
    ...viewParams(rules, w),
    maxDevices,
    minFleet,
  });
  return rows.map((r) => ({
    deviceIp: String(r.device_ip),
    peerKey: String(r.peer_key),
    flows: num(r.flows),
    devices: num(r.devices),
    fleet: num(r.fleet),
  }));
}
