/**
 * What the API needs from the store that store/ does not have yet (to move into store/migrations.ts as
 * migration 4): triage and display columns on `alerts`, and the append-only `alert_history` table.
 * Idempotent (IF NOT EXISTS), run once when the app starts. Single-node only for now: in cluster mode
 * these need ON CLUSTER and the `_local`/Distributed pair that store/schema.ts generates.
 */
import type { Store } from '../../store/index.js';

export const ALERT_EXTRA_COLUMNS: readonly [string, string][] = [
  ['device_name', 'String'],
  ['device_vendor', 'LowCardinality(String)'],
  ['device_site', 'LowCardinality(String)'],
  ['peer_port', 'UInt16'],
  ['peer_country', 'LowCardinality(String)'],
  ['peer_asn', 'UInt32'],
  ['peer_as_org', 'String'],
  ['bytes_in', 'UInt64'],
  ['sub_scores', 'String'],
  ['assignee', 'String'],
  ['close_reason', 'String'],
];

export const ALERT_HISTORY_SQL = `CREATE TABLE IF NOT EXISTS alert_history
(
    alert_id String,
    at DateTime64(3, 'UTC'),
    actor String,
    action LowCardinality(String),
    field LowCardinality(String),
    old String,
    new String,
    version UInt64,
    seq UInt32
)
ENGINE = MergeTree
ORDER BY (alert_id, at)`;

export async function ensureApiSchema(store: Store): Promise<void> {
  const add = ALERT_EXTRA_COLUMNS.map(([n, t]) => `ADD COLUMN IF NOT EXISTS ${n} ${t}`).join(', ');
  await store.command(`ALTER TABLE alerts ${add}`);
  await store.command(ALERT_HISTORY_SQL);
}
