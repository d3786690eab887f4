/**
 * New peers: (device, peer key) pairs outside the local networks seen in the window but never in the
 * device's baseline. The baseline is, by default, a learned one (`camwatch baseline learn`, the
 * `baselines` table): the most recently learned baseline that covers the device, or the one named. A
 * device no learned baseline covers gets no new peers (it was not there to learn from: every peer would
 * be "new"). Asked for a period instead, the baseline is the stored flows of that period, as before
 * learned baselines existed — they age out with the store's TTL, so that only works for recent periods.
 */

import type { CompiledRules } from '../rules/compiled-rules.js';
import {
  ANALYSIS_VIEW_SQL,
  type AnalysisWindow,
  DEV_TEXT,
  flowViewSql,
  type LocalPeers,
  num,
  PEER_KEY_OF_GROUP,
  type QueryRunner,
  queryLocalPeers,
  viewParams,
} from './flow-view.js';

/** What the window is compared with: a learned baseline (`name` absent: the newest per device) or a period. */
export type NewPeerBaseline = { name?: string | undefined } | AnalysisWindow;

const NEW_PEER_WHERE = 'NOT peer_local AND NOT inbound AND NOT protocol_only';

/** Against the stored flows of the period `[{baselineSinceMs}, {baselineUntilMs})`. */
export const NEW_PEER_PERIOD_SQL = `
SELECT ${DEV_TEXT} AS device_ip, ${PEER_KEY_OF_GROUP} AS peer_key, count() AS flows,
  toUnixTimestamp64Milli(min(start)) AS first_ms
FROM (${ANALYSIS_VIEW_SQL})
WHERE ${NEW_PEER_WHERE}
  AND dev IN (SELECT dev FROM (${flowViewSql('baselineSinceMs', 'baselineUntilMs')}))
  AND (dev, name_key, ip_key) NOT IN (
    SELECT dev, name_key, ip_key FROM (${flowViewSql('baselineSinceMs', 'baselineUntilMs')}) WHERE NOT peer_local
  )
GROUP BY dev, name_key, ip_key
ORDER BY device_ip, peer_key`;

/**
 * Against learned baselines: per device, the newest entry (by learning time) that lists it, or the
 * entry named `{baseline:String}` when it is not empty. The peer rows compared are those of the
 * baseline chosen for that device only.
 */
export const NEW_PEER_LEARNED_SQL = `
WITH chosen AS (
  SELECT bdev, argMax(name, learned_at) AS bname,
    toUnixTimestamp64Milli(argMax(since, learned_at)) AS bsince_ms,
    toUnixTimestamp64Milli(argMax(until, learned_at)) AS buntil_ms
  FROM (
    SELECT name, since, until, learned_at, arrayJoin(devices) AS bdev
    FROM (SELECT * FROM baseline_entries ORDER BY name, version DESC LIMIT 1 BY name)
    WHERE {baseline:String} = '' OR name = {baseline:String}
  )
  GROUP BY bdev
)
SELECT ${DEV_TEXT} AS device_ip, ${PEER_KEY_OF_GROUP} AS peer_key, count() AS flows,
  toUnixTimestamp64Milli(min(start)) AS first_ms,
  any(bname) AS baseline, any(bsince_ms) AS baseline_since_ms, any(buntil_ms) AS baseline_until_ms
FROM (${ANALYSIS_VIEW_SQL}) AS v
INNER JOIN chosen ON v.dev = chosen.bdev
WHERE ${NEW_PEER_WHERE}
  AND (dev, name_key, ip_key) NOT IN (
    SELECT device_ip, peer_name, peer_ip FROM baselines WHERE (name, device_ip) IN (SELECT bname, bdev FROM chosen)
  )
GROUP BY dev, name_key, ip_key
ORDER BY device_ip, peer_key`;

export interface NewPeer {
  deviceIp: string;
  peerKey: string;
  flows: number;
  firstMs: number;
  /** The baseline the pair is new against: a learned one has a name. */
  baseline: { name?: string; sinceMs: number; untilMs: number };
}

export async function queryNewPeers(
  db: QueryRunner,
  rules: CompiledRules,
  w: AnalysisWindow,
  baseline: NewPeerBaseline = {},
  localPeers?: LocalPeers,
): Promise<NewPeer[]> {
  const windowParams = async () => ({
    ...viewParams(rules, w),
    localPeers: localPeers ?? (await queryLocalPeers(db, rules, w)),
  });
  if ('sinceMs' in baseline) {
    const rows = await db.rows<Record<string, unknown>>(NEW_PEER_PERIOD_SQL, {
      ...(await windowParams()),
      baselineSinceMs: Math.floor(baseline.sinceMs),
      baselineUntilMs: Math.ceil(baseline.untilMs),
    });
    return rows.map((r) => ({
      deviceIp: String(r.device_ip),
      peerKey: String(r.peer_key),
      flows: num(r.flows),
      firstMs: num(r.first_ms),
      baseline: { sinceMs: baseline.sinceMs, untilMs: baseline.untilMs },
    }));
  }
  const name = baseline.name ?? '';
  // no learned baseline to compare with (a new store, an unknown name): answer without reading the window
  const [have] = await db.rows<Record<string, unknown>>(
    "SELECT count() AS n FROM baseline_entries WHERE {baseline:String} = '' OR name = {baseline:String}",
    { baseline: name },
  );
  if (num(have?.n) === 0) return [];
  const rows = await db.rows<Record<string, unknown>>(NEW_PEER_LEARNED_SQL, {
    ...(await windowParams()),
    baseline: name,
  });
  return rows.map((r) => ({
    deviceIp: String(r.device_ip),
    peerKey: String(r.peer_key),
    flows: num(r.flows),
    firstMs: num(r.first_ms),
    baseline: {
      name: String(r.baseline),
      sinceMs: num(r.baseline_since_ms),
      untilMs: num(r.baseline_until_ms),
    },
  }));
}
