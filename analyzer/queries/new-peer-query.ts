/**
 * New peers: (device, peer key) pairs outside the local networks seen in the window but never in the
 * baseline period `[{baselineSinceMs}, {baselineUntilMs})` for that device. A device with no flow at all
 * in the baseline is left out (it was not there to learn from: every peer would be "new").
 * The baseline is the stored flows themselves, so `camwatch baseline learn` only has to pick the period.
 */

import type { CompiledRules } from '../rules/compiled-rules.js';
import {
  type AnalysisWindow,
  DEV_TEXT,
  FLOW_VIEW_SQL,
  flowViewSql,
  num,
  PEER_KEY_OF_GROUP,
  type QueryRunner,
  viewParams,
} from './flow-view.js';

export const NEW_PEER_SQL = `
SELECT ${DEV_TEXT} AS device_ip, ${PEER_KEY_OF_GROUP} AS peer_key, count() AS flows,
  toUnixTimestamp64Milli(min(start)) AS first_ms
FROM (${FLOW_VIEW_SQL})
WHERE NOT peer_local AND NOT inbound AND NOT protocol_only
  AND dev IN (SELECT dev FROM (${flowViewSql('baselineSinceMs', 'baselineUntilMs')}))
  AND (dev, name_key, ip_key) NOT IN (
    SELECT dev, name_key, ip_key FROM (${flowViewSql('baselineSinceMs', 'baselineUntilMs')}) WHERE NOT peer_local
  )
GROUP BY dev, name_key, ip_key
ORDER BY device_ip, peer_key`;

export interface NewPeer {
  deviceIp: string;
  peerKey: string;
  flows: number;
  firstMs: number;
}

export async function queryNewPeers(
  db: QueryRunner,
  rules: CompiledRules,
  w: AnalysisWindow,
  baseline: AnalysisWindow,
): Promise<NewPeer[]> {
  const rows = await db.rows<Record<string, unknown>>(NEW_PEER_SQL, {
    ...viewParams(rules, w),
    baselineSinceMs: Math.floor(baseline.sinceMs),
    baselineUntilMs: Math.ceil(baseline.untilMs),
  });
  return rows.map((r) => ({
    deviceIp: String(r.device_ip),
    peerKey: String(r.peer_key),
    flows: num(r.flows),
    firstMs: num(r.first_ms),
  }));
}
