/**
 * Versioned schema migrations, applied in order when a store opens. Every statement is idempotent
 * (IF NOT EXISTS), so a migration interrupted half way is simply run again; a migration counts as
 * applied once its row is in `schema_migrations`. A store whose newest migration is above the
 * newest this code knows is refused (CW_ERR_STORE_SCHEMA_NEWER): an old camwatch must not write
 * rows a newer schema does not expect.
 *
 * Adding a migration: append an entry with the next version; never edit or reorder applied ones.
 * Adding a Flow field needs no hand-written migration: `reconcileFlowColumns` adds every column of
 * the field table that `flows` lacks (it never drops or retypes one; do that in a migration).
 */
import { FLOW_FIELDS, StoreError } from '../model/index.js';
import {
  ALERT_HISTORY_TABLE,
  ALERTS_TABLE,
  addColumnsSql,
  alertColumnsAddedIn,
  BASELINE_ENTRIES_TABLE,
  BASELINES_TABLE,
  createTableSql,
  DEFAULT_TTL_DAYS,
  DEVICES_TABLE,
  DNS_NAMES_TABLE,
  flowColumn,
  flowsTable,
  INGESTS_TABLE,
  ident,
  localName,
  MIGRATIONS_TABLE,
  type SchemaOptions,
} from './schema.js';

export interface Migration {
  readonly version: number;
  readonly name: string;
  statements(o: SchemaOptions): string[];
  /**
   * A rebuild of a table that earlier migrations now create in its final shape: whether this store
   * still needs the statements (a store they created does not, and `schemaSql` leaves them out).
   * It may finish what an interrupted run left behind.
   */
  pending?(db: SqlRunner, o: SchemaOptions): Promise<boolean>;
}

/** The flows sorting key before migration 6, as `system.tables` spells it. */
const FLOWS_KEY_BEFORE_6 = 'device_ip, start';
/** Where migration 6 builds the re-sorted flows before swapping it in. */
const RESORTED_FLOWS = 'flows_resorted';

const onCluster = (o: SchemaOptions): string => (o.cluster ? ` ON CLUSTER ${ident(o.cluster)}` : '');

/** Drops migration 6's copy (its Distributed table too in cluster mode). */
function dropResortedSql(o: SchemaOptions): string[] {
  const names = o.cluster ? [RESORTED_FLOWS, localName(RESORTED_FLOWS, o)] : [RESORTED_FLOWS];
  // SYNC: the disk space (and a replica's path) is free when the statement returns, not minutes later.
  return names.map((n) => `DROP TABLE IF EXISTS ${ident(o.database)}.${ident(n)}${onCluster(o)} SYNC`);
}

/**
 * Migration 6's statements: a copy of `flows` (its own columns, whatever version added them, so
 * `SELECT *` lines up) under the current sorting key, filled, swapped in, the old one dropped. Every
 * step leaves all the rows in `flows`, so a run interrupted before the swap is simply run again
 * (`resortFlowsPending` cleans up after one interrupted after it). In cluster mode the copy's
 * Distributed table shards the rows as `flows` does, so each shard's rows go to its own copy. Cost:
 * one copy of the table while the store opens (10 M flows: ~11 s on 2 cores), and its disk space
 * twice over until the old table is dropped.
 */
function resortFlowsSql(o: SchemaOptions): string[] {
  const db = ident(o.database);
  const flows = `${db}.${ident(localName('flows', o))}`;
  const copy = `${db}.${ident(RESORTED_FLOWS)}`;
  const [local, ...distributed] = createTableSql({ ...flowsTable(), name: RESORTED_FLOWS }, o);
  // The generated column list replaced by `AS flows`: the engine, key, TTL and settings stay.
  const localAsFlows = local.replace(/\n\([\s\S]*\n\)\nENGINE = /, ` AS ${flows}\nENGINE = `);
  const fill = o.cluster
    ? `INSERT INTO ${copy} SELECT * FROM ${db}.${ident('flows')} SETTINGS insert_distributed_sync = 1`
    : `INSERT INTO ${copy} SELECT * FROM ${flows}`;
  return [
    ...dropResortedSql(o),
    localAsFlows,
    ...distributed,
    fill,
    `EXCHANGE TABLES ${flows} AND ${db}.${ident(localName(RESORTED_FLOWS, o))}${onCluster(o)}`,
    ...dropResortedSql(o),
  ];
}

/**
 * Whether `flows` still has the old sorting key. A copy left by a run interrupted after the swap
 * holds the old rows: dropped here, since `flows` has them all.
 */
async function resortFlowsPending(db: SqlRunner, o: SchemaOptions): Promise<boolean> {
  const tables = await db.rows<{ name: string; sorting_key: string }>(
    'SELECT name, sorting_key FROM system.tables WHERE database = {db:String} AND name IN {names:Array(String)}',
    { db: o.database, names: [localName('flows', o), localName(RESORTED_FLOWS, o)] },
  );
  const flows = tables.find((t) => t.name === localName('flows', o));
  if (flows?.sorting_key === FLOWS_KEY_BEFORE_6) return true;
  if (tables.length > 1) for (const sql of dropResortedSql(o)) await db.command(sql);
  return false;
}

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'flows and the ingest ledger',
    statements: (o) => [...createTableSql(flowsTable(), o), ...createTableSql(INGESTS_TABLE, o)],
  },
  {
    version: 2,
    name: 'passive DNS and the device inventory',
    statements: (o) => [...createTableSql(DNS_NAMES_TABLE, o), ...createTableSql(DEVICES_TABLE, o)],
  },
  {
    version: 3,
    name: 'alerts',
    statements: (o) => createTableSql({ ...ALERTS_TABLE, columns: alertColumnsAddedIn(3) }, o),
  },
  {
    version: 4,
    name: 'alert triage and display columns, alert history',
    statements: (o) => [
      ...addColumnsSql('alerts', alertColumnsAddedIn(4), o),
      ...createTableSql(ALERT_HISTORY_TABLE, o),
    ],
  },
  {
    version: 5,
    name: 'learned baselines',
    statements: (o) => [...createTableSql(BASELINES_TABLE, o), ...createTableSql(BASELINE_ENTRIES_TABLE, o)],
  },
  {
    // The analysis reads a device's outbound flows apart from the inbound ones (store/schema.ts).
    version: 6,
    name: 'flows sorted by device side first',
    statements: resortFlowsSql,
    pending: resortFlowsPending,
  },
];

export const SCHEMA_VERSION: number = MIGRATIONS[MIGRATIONS.length - 1].version;

/** What the migration runner needs from a store: run a statement, read rows. */
export interface SqlRunner {
  command(sql: string, params?: Record<string, unknown>): Promise<void>;
  rows<T>(sql: string, params?: Record<string, unknown>): Promise<T[]>;
}

export interface MigrationReport {
  from: number;
  to: number;
  applied: number[];
  addedColumns: string[];
}

/** All statements of a fresh schema, for review and for cluster operators who run DDL by hand. */
export function schemaSql(o: SchemaOptions): string[] {
  const fresh = MIGRATIONS.filter((m) => !m.pending);
  return [...createTableSql(MIGRATIONS_TABLE, o), ...fresh.flatMap((m) => m.statements(o))];
}

/** The text of store/schema.sql: the single-node schema at the default retention. */
export function schemaFileText(): string {
  const head =
    '-- Generated from model/flow-fields.ts and store/schema.ts by store/migrations.ts (schemaFileText); do not edit.\n' +
    '-- Regenerate: CAMWATCH_UPDATE_GENERATED=1 npx vitest run test/store/schema.test.ts\n';
  const body = schemaSql({ database: 'default', ttlDays: DEFAULT_TTL_DAYS }).map((s) => `${s};\n`);
  return `${head}\n${body.join('\n')}`;
}

/**
 * Brings the store to `upTo` (default: the newest version). Refuses a store that is newer than
 * this code. Then adds any flows column the field table has and the table lacks.
 */
export async function migrate(
  db: SqlRunner,
  o: SchemaOptions,
  upTo = SCHEMA_VERSION,
): Promise<MigrationReport> {
  for (const sql of createTableSql(MIGRATIONS_TABLE, o)) await db.command(sql);
  const rows = await db.rows<{ v: number | string }>(
    `SELECT max(version) AS v FROM ${localName('schema_migrations', o)}`,
  );
  const from = Number(rows[0]?.v ?? 0);
  if (from > SCHEMA_VERSION) {
    throw new StoreError(
      'CW_ERR_STORE_SCHEMA_NEWER',
      `the store's schema is version ${from}, newer than this camwatch understands (${SCHEMA_VERSION}): ` +
        'upgrade camwatch, or use another data directory / database',
    );
  }
  const applied: number[] = [];
  for (const m of MIGRATIONS) {
    if (m.version <= from || m.version > upTo) continue;
    if (!m.pending || (await m.pending(db, o))) for (const sql of m.statements(o)) await db.command(sql);
    await db.command(
      // INSERT … SELECT, not VALUES: no inline data, which chDB would mix with a piped stdin.
      `INSERT INTO ${localName('schema_migrations', o)} (version, name, applied_at) ` +
        'SELECT {v:UInt32}, {n:String}, now64(3)',
      { v: m.version, n: m.name },
    );
    applied.push(m.version);
  }
  const addedColumns = await reconcileFlowColumns(db, o);
  return { from, to: Math.max(from, ...applied), applied, addedColumns };
}

/** Adds the field-table columns `flows` lacks; returns their names. */
export async function reconcileFlowColumns(db: SqlRunner, o: SchemaOptions): Promise<string[]> {
  const have = await db.rows<{ name: string }>(
    'SELECT name FROM system.columns WHERE database = {db:String} AND table = {t:String}',
    { db: o.database, t: localName('flows', o) },
  );
  if (have.length === 0) return [];
  const names = new Set(have.map((r) => r.name));
  const missing = FLOW_FIELDS.filter((f) => !names.has(f.column)).map(flowColumn);
  for (const sql of addColumnsSql('flows', missing, o)) await db.command(sql);
  return missing.map((c) => c.name);
}
