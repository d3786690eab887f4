/**
 * The store's tables, as data, and the DDL generated from them. The `flows` columns come from the
 * one field table (model/flow-fields.ts); nothing here re-lists a Flow field by hand.
 *
 * Absent values (the rule every reader of `flows` relies on): columns are not Nullable (Nullable
 * costs a second column and is not allowed in the sorting key); an absent optional field is stored
 * as its type's default and a default reads back as absent:
 *   string / mac / LowCardinality(String) → ''      uint → 0      ip → '::'
 *   strings → []                                   timeMs → 1970-01-01 00:00:00.000
 * So an optional counter that really was 0 (tcpFlags 0, peerPort 0 of an ICMP peer) reads back as
 * absent. Required fields are always returned, defaults included.
 */
import { FLOW_FIELDS, type FlowField } from '../model/index.js';
import { ALERT_FIELDS, type AlertField } from './alert-fields.js';

export interface SchemaOptions {
  /** Database the tables live in ('default' for the embedded store). */
  readonly database: string;
  /** Cluster name: ReplicatedMergeTree `*_local` tables plus Distributed ones, all `ON CLUSTER`. */
  readonly cluster?: string | undefined;
  /** Retention of flows and passive-DNS rows in days after they were stored; 0 keeps them forever. */
  readonly ttlDays: number;
}

export const DEFAULT_TTL_DAYS = 90;

export interface ColumnDef {
  readonly name: string;
  readonly type: string;
  readonly codec?: string | undefined;
  /** DEFAULT expression, for store-only columns the writers do not send. */
  readonly default?: string | undefined;
}

export interface TableDef {
  readonly name: string;
  readonly columns: readonly ColumnDef[];
  readonly engine: 'MergeTree' | 'ReplacingMergeTree';
  /** Version column of a ReplacingMergeTree. */
  readonly version?: string;
  readonly partitionBy?: string;
  readonly orderBy: string;
  /** Column the retention TTL counts from; none for ledgers and inventories. */
  readonly ttlColumn?: string;
  /** Sharding key of the Distributed table in cluster mode. */
  readonly shardBy: string;
  /** MergeTree settings. */
  readonly settings?: Readonly<Record<string, number>>;
}

/** The ClickHouse column of a Flow field. */
export function flowColumn(f: FlowField): ColumnDef {
  return { name: f.column, type: f.chType, codec: f.codec };
}

/** `flows`: one row per conversation, partitioned by day, sorted for per-device time ranges. */
export function flowsTable(): TableDef {
  return {
    name: 'flows',
    columns: [...FLOW_FIELDS.map(flowColumn), INSERTED_AT],
    engine: 'MergeTree',
    partitionBy: 'toYYYYMMDD(start)',
    // Analyst and detector queries are "this device (or all devices), this time range": the device
    // keeps one camera's rows together; start after it makes the range a slice of it. The side first
    // (three values: a device lookup is three ranges) keeps what the cameras opened apart from what
    // was opened to them: the per-pair detectors read only the first. Measured on 10 M flows
    // (bench/analysis-bench.ts): the peer summary read 13.4 M rows and 130 MB instead of 20 M and
    // 320 MB. Stores made before migration 6 are re-sorted by it.
    orderBy: '(device_side, device_ip, start)',
    ttlColumn: 'inserted_at',
    shardBy: 'cityHash64(device_ip)',
    // Insert parts stay "compact" (one file) until merges make them big: a 50k-row batch as a
    // "wide" part is ~130 files, and inserts measured 4-6x slower that way on this disk
    // (50k rows: 500-800 ms wide, 80-120 ms compact). Big merged parts are wide, as queries like.
    settings: { min_bytes_for_wide_part: 128 * 1024 * 1024 },
  };
}

const T = "DateTime64(3, 'UTC')";

/**
 * When a row was stored: the retention TTL counts from here, not from the flow's start. A TTL on
 * `start` deletes rows already at insert time when they are older than the retention, so a capture
 * from last year loaded for an incident stored nothing (seen with a 2011 test capture). Retention
 * by insertion keeps what an analyst loads for the configured days, whatever its age.
 */
const INSERTED_AT: ColumnDef = {
  name: 'inserted_at',
  type: "DateTime('UTC')",
  default: 'now()',
  codec: 'ZSTD(1)',
};

/** `ingests`: the ledger, one row per state change of an ingest (latest `version` wins). */
export const INGESTS_TABLE: TableDef = {
  name: 'ingests',
  columns: [
    { name: 'id', type: 'String' },
    { name: 'version', type: 'UInt64' },
    { name: 'sha256', type: 'String' },
    { name: 'file', type: 'String' },
    { name: 'format', type: 'LowCardinality(String)' },
    { name: 'status', type: 'LowCardinality(String)' },
    { name: 'records', type: 'UInt64' },
    { name: 'flows', type: 'UInt64' },
    { name: 'names', type: 'UInt64' },
    { name: 'rejected', type: 'UInt64' },
    { name: 'bytes', type: 'UInt64' },
    { name: 'started_at', type: T },
    { name: 'finished_at', type: T },
    { name: 'error', type: 'String' },
    { name: 'owner', type: 'String' },
  ],
  engine: 'ReplacingMergeTree',
  version: 'version',
  orderBy: 'id',
  shardBy: 'cityHash64(id)',
};

/** `dns_names`: passive DNS (model/dns-name.ts), looked up by address to name peers. */
export const DNS_NAMES_TABLE: TableDef = {
  name: 'dns_names',
  columns: [
    { name: 'client', type: 'IPv6' },
    { name: 'name', type: 'String' },
    { name: 'address', type: 'String' },
    { name: 'type', type: 'LowCardinality(String)' },
    { name: 'ttl', type: 'UInt32' },
    { name: 'first_seen', type: T, codec: 'DoubleDelta, ZSTD(1)' },
    { name: 'last_seen', type: T },
    { name: 'count', type: 'UInt64' },
    { name: 'source_format', type: 'LowCardinality(String)' },
    { name: 'source_file', type: 'LowCardinality(String)' },
    { name: 'ingest_id', type: 'LowCardinality(String)' },
    INSERTED_AT,
  ],
  engine: 'MergeTree',
  partitionBy: 'toYYYYMMDD(first_seen)',
  orderBy: '(address, name, first_seen)',
  ttlColumn: 'inserted_at',
  shardBy: 'cityHash64(address)',
};

/** `devices`: the inventory (latest `version` per address wins). */
export const DEVICES_TABLE: TableDef = {
  name: 'devices',
  columns: [
    { name: 'ip', type: 'IPv6' },
    { name: 'version', type: 'UInt64' },
    { name: 'mac', type: 'String' },
    { name: 'name', type: 'String' },
    { name: 'vendor', type: 'LowCardinality(String)' },
    { name: 'model', type: 'LowCardinality(String)' },
    { name: 'site', type: 'LowCardinality(String)' },
    { name: 'tags', type: 'Array(String)' },
    { name: 'first_seen', type: T },
    { name: 'last_seen', type: T },
    { name: 'updated_at', type: T },
  ],
  engine: 'ReplacingMergeTree',
  version: 'version',
  orderBy: 'ip',
  shardBy: 'cityHash64(ip)',
};

/** The ClickHouse column of an alert field. */
export function alertColumn(f: AlertField): ColumnDef {
  return { name: f.column, type: f.chType };
}

/** The `alerts` columns a migration added (3 created the table). */
export const alertColumnsAddedIn = (version: number): ColumnDef[] =>
  ALERT_FIELDS.filter((f) => f.since === version).map(alertColumn);

/**
 * `alerts`: one row per write of an alert; a triage change or a re-analysis writes the whole row
 * again with a higher `version`, and readers take the newest (FINAL). Columns: store/alert-fields.ts.
 */
export const ALERTS_TABLE: TableDef = {
  name: 'alerts',
  columns: ALERT_FIELDS.map(alertColumn),
  engine: 'ReplacingMergeTree',
  version: 'version',
  orderBy: 'id',
  shardBy: 'cityHash64(id)',
};

/**
 * `alert_history`: append-only, one row per triage change, comment, creation or reopening of an
 * alert; `seq` orders the entries of one write. Never updated, never expires (an audit trail).
 */
export const ALERT_HISTORY_TABLE: TableDef = {
  name: 'alert_history',
  columns: [
    { name: 'alert_id', type: 'String' },
    { name: 'at', type: T },
    { name: 'actor', type: 'String' },
    { name: 'action', type: 'LowCardinality(String)' },
    { name: 'field', type: 'LowCardinality(String)' },
    { name: 'old', type: 'String' },
    { name: 'new', type: 'String' },
    { name: 'version', type: 'UInt64' },
    { name: 'seq', type: 'UInt32' },
  ],
  engine: 'MergeTree',
  orderBy: '(alert_id, at)',
  shardBy: 'cityHash64(alert_id)',
};

/**
 * `baselines`: learned baselines (`camwatch baseline learn`), one row per baseline, device and peer
 * (name first, address second: `peer_name` or `peer_ip`), protocol, port and who initiated — the
 * peer's port when the device did, the device's own port when a (local) peer did. No TTL: a baseline
 * is what outlives the flows it was learned from.
 */
export const BASELINES_TABLE: TableDef = {
  name: 'baselines',
  columns: [
    { name: 'name', type: 'LowCardinality(String)' },
    { name: 'device_ip', type: 'IPv6' },
    { name: 'peer_name', type: 'String' },
    { name: 'peer_ip', type: 'IPv6' },
    { name: 'peer_ips', type: 'Array(IPv6)' },
    { name: 'proto', type: 'UInt8' },
    { name: 'port', type: 'UInt16' },
    { name: 'initiated', type: 'LowCardinality(String)' },
    { name: 'local', type: 'UInt8' },
    { name: 'flows', type: 'UInt64' },
    { name: 'bytes_out', type: 'UInt64' },
    { name: 'bytes_in', type: 'UInt64' },
    { name: 'first_seen', type: T },
    { name: 'last_seen', type: T },
    { name: 'device_name', type: 'String' },
    { name: 'device_vendor', type: 'LowCardinality(String)' },
    { name: 'device_site', type: 'LowCardinality(String)' },
  ],
  engine: 'MergeTree',
  orderBy: '(name, device_ip, peer_name, peer_ip, proto, port)',
  shardBy: 'cityHash64(device_ip)',
};

/** `baseline_entries`: one entry per learned baseline (latest `version` wins): period, devices, counts. */
export const BASELINE_ENTRIES_TABLE: TableDef = {
  name: 'baseline_entries',
  columns: [
    { name: 'name', type: 'String' },
    { name: 'version', type: 'UInt64' },
    { name: 'since', type: T },
    { name: 'until', type: T },
    { name: 'device_filter', type: 'Array(String)' },
    { name: 'devices', type: 'Array(IPv6)' },
    { name: 'peers', type: 'UInt64' },
    { name: 'rows', type: 'UInt64' },
    { name: 'flows', type: 'UInt64' },
    { name: 'learned_at', type: T },
  ],
  engine: 'ReplacingMergeTree',
  version: 'version',
  orderBy: 'name',
  shardBy: 'cityHash64(name)',
};

/** `schema_migrations`: one row per applied migration. */
export const MIGRATIONS_TABLE: TableDef = {
  name: 'schema_migrations',
  columns: [
    { name: 'version', type: 'UInt32' },
    { name: 'name', type: 'String' },
    { name: 'applied_at', type: T },
  ],
  engine: 'ReplacingMergeTree',
  orderBy: 'version',
  shardBy: 'version',
};

/** A ClickHouse identifier, back-quoted. Names here come from code, never from users. */
export const ident = (name: string): string => `\`${name.replace(/`/g, '``')}\``;

/** A string literal (for the few places the grammar takes no `{param:Type}`). */
export const literal = (s: string): string => `'${s.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;

const onCluster = (o: SchemaOptions): string => (o.cluster ? ` ON CLUSTER ${ident(o.cluster)}` : '');

/** The table that holds the rows (the `_local` one in cluster mode): target of DELETE and ALTER. */
export const localName = (name: string, o: SchemaOptions): string => (o.cluster ? `${name}_local` : name);

export function columnSql(c: ColumnDef): string {
  return `${ident(c.name)} ${c.type}${c.default ? ` DEFAULT ${c.default}` : ''}${c.codec ? ` CODEC(${c.codec})` : ''}`;
}

function engineSql(t: TableDef, o: SchemaOptions): string {
  const args: string[] = [];
  if (o.cluster) args.push(`'/clickhouse/tables/{shard}/${o.database}/${t.name}_local'`, "'{replica}'");
  if (t.version) args.push(t.version);
  const name = `${o.cluster ? 'Replicated' : ''}${t.engine}`;
  return args.length ? `${name}(${args.join(', ')})` : name;
}

/**
 * CREATE statements of a table: one in single-node mode; in cluster mode the replicated `_local`
 * table and the Distributed table over it, both ON CLUSTER.
 */
export function createTableSql(t: TableDef, o: SchemaOptions): string[] {
  const db = ident(o.database);
  const local = localName(t.name, o);
  const lines = [
    `CREATE TABLE IF NOT EXISTS ${db}.${ident(local)}${onCluster(o)}\n(`,
    t.columns.map((c) => `    ${columnSql(c)}`).join(',\n'),
    `)\nENGINE = ${engineSql(t, o)}`,
  ];
  if (t.partitionBy) lines.push(`PARTITION BY ${t.partitionBy}`);
  lines.push(`ORDER BY ${t.orderBy}`);
  if (t.ttlColumn && o.ttlDays > 0) lines.push(`TTL ${t.ttlColumn} + INTERVAL ${o.ttlDays} DAY`);
  if (t.settings) {
    lines.push(
      `SETTINGS ${Object.entries(t.settings)
        .map(([k, v]) => `${k} = ${v}`)
        .join(', ')}`,
    );
  }
  const out = [lines.join('\n')];
  if (o.cluster) {
    out.push(
      `CREATE TABLE IF NOT EXISTS ${db}.${ident(t.name)}${onCluster(o)} AS ${db}.${ident(local)}\n` +
        `ENGINE = Distributed(${ident(o.cluster)}, ${db}, ${ident(local)}, ${t.shardBy})`,
    );
  }
  return out;
}

/** ALTER statements adding columns (to `_local` and the Distributed table in cluster mode). */
export function addColumnsSql(table: string, cols: readonly ColumnDef[], o: SchemaOptions): string[] {
  if (cols.length === 0) return [];
  const db = ident(o.database);
  const add = cols.map((c) => `ADD COLUMN IF NOT EXISTS ${columnSql(c)}`).join(', ');
  const out = [`ALTER TABLE ${db}.${ident(localName(table, o))}${onCluster(o)} ${add}`];
  if (o.cluster) {
    const plain = cols.map((c) => `ADD COLUMN IF NOT EXISTS ${ident(c.name)} ${c.type}`).join(', ');
    out.push(`ALTER TABLE ${db}.${ident(table)}${onCluster(o)} ${plain}`);
  }
  return out;
}
