import { hostname } from 'node:os';
import { join, resolve } from 'node:path';
import { Readable } from 'node:stream';
import type { ClickHouseClient } from '@clickhouse/client';
import { StoreError } from '../model/index.js';
import { type DataDirLock, lockDataDir } from './data-dir-lock.js';
import { InsertFiles } from './insert-files.js';
import { type MigrationReport, migrate, SCHEMA_VERSION } from './migrations.js';
import { DEFAULT_TTL_DAYS, type SchemaOptions } from './schema.js';

/** Where the store lives. Environment variables are resolved by the caller (cli/api), not here. */
export interface StoreOptions {
  /** Embedded chDB data directory (default `./camwatch-data`); ignored when `url` is set. */
  dataDir?: string | undefined;
  /** ClickHouse server HTTP(S) URL; when set, the server is used instead of chDB. */
  url?: string | undefined;
  user?: string | undefined;
  password?: string | undefined;
  /** Database (server mode; the embedded store uses `default`). */
  database?: string | undefined;
  /** Cluster name: replicated + distributed tables ON CLUSTER (server mode only). */
  cluster?: string | undefined;
  /** Retention of flows and DNS names in days (default 90; 0 keeps everything). */
  ttlDays?: number | undefined;
  /** Migrate only up to this version (tests of upgrades); default: the newest. */
  migrateTo?: number | undefined;
  /** Remove the rows of ingests a dead process left `running` (default true). */
  recover?: boolean | undefined;
}

export const DEFAULT_DATA_DIR = 'camwatch-data';

/**
 * An open store: the official client plus the few operations the writers and the ledger need.
 * Every value reaches SQL as a `{name:Type}` parameter. `close()` releases the data directory.
 */
export interface Store {
  readonly kind: 'chdb' | 'server';
  readonly client: ClickHouseClient;
  readonly schema: SchemaOptions;
  /** The embedded data directory (absolute), or undefined for a server. */
  readonly dataDir: string | undefined;
  /** A short name for messages: the data dir or the URL without credentials. */
  readonly where: string;
  /** `host:pid` written into the ledger so a server store knows whose ingests are dead. */
  readonly owner: string;
  /** What opening did to the schema. */
  readonly migration: MigrationReport;
  command(sql: string, params?: Record<string, unknown>): Promise<void>;
  rows<T>(sql: string, params?: Record<string, unknown>): Promise<T[]>;
  /**
   * The result as arrays in the order of `names` (JSONCompactEachRowWithNames): for large results,
   * where writing and parsing every column name on every row costs. Measured on the analysis' peer
   * summary (28 654 rows): 29.4 → 20.5 MB of JSON, 1.55–1.75 → 1.37–1.40 CPU-s engine and parse.
   */
  compactRows(sql: string, params?: Record<string, unknown>): Promise<CompactRows>;
  /** JSONEachRow insert of small row sets (ledger, names, inventory). */
  insertJson(table: string, rows: readonly object[]): Promise<void>;
  /**
   * Inserts one Native-format block given as consecutive pieces (`chunks`). `structure` lists the
   * columns with their types. The pieces are copied (to a file or a request body) before this
   * returns, so the caller may reuse them at once; `done` settles when the engine has the rows.
   */
  insertNative(
    table: string,
    structure: string,
    columns: readonly string[],
    chunks: readonly Uint8Array[],
  ): InsertHandle;
  close(): Promise<void>;
}

export interface CompactRows {
  names: string[];
  rows: unknown[][];
}

export interface InsertHandle {
  readonly done: Promise<void>;
}

/** Allows one batch to span old captures: ClickHouse refuses more than 100 day-partitions by default. */
const INSERT_SETTINGS = { max_partitions_per_insert_block: '0' };

let openEmbeddedDir: string | undefined;

function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    u.password = '';
    u.username = '';
    return u.toString();
  } catch {
    return url;
  }
}

function storeError(where: string, what: string, cause: unknown): StoreError {
  const msg = cause instanceof Error ? cause.message : String(cause);
  return new StoreError('CW_ERR_STORE_QUERY', `${where}: ${what} failed: ${msg.split('\n')[0]}`, { cause });
}

/**
 * Opens the store: chDB in `dataDir` (taking its lock) or the server at `url`; applies pending
 * migrations; removes rows of ingests a dead process left running. Fails with
 * CW_ERR_STORE_LOCKED, CW_ERR_STORE_UNAVAILABLE or CW_ERR_STORE_SCHEMA_NEWER.
 */
export async function openStore(opts: StoreOptions = {}): Promise<Store> {
  const { createClient, ClickHouseLogLevel } = await import('@clickhouse/client');
  const ttlDays = opts.ttlDays ?? DEFAULT_TTL_DAYS;
  let client: ClickHouseClient;
  let lock: DataDirLock | undefined;
  let dataDir: string | undefined;
  let where: string;
  let kind: Store['kind'];
  let database: string;
  let insertFiles: InsertFiles | undefined;
  let rawJsonInsert: ((table: string, body: Buffer) => Promise<void>) | undefined;

  if (opts.url) {
    kind = 'server';
    database = opts.database ?? 'default';
    where = redactUrl(opts.url);
    // The client's own logger would print each failure a second time; ours name the store.
    const base = {
      url: opts.url,
      username: opts.user,
      password: opts.password,
      log: { level: ClickHouseLogLevel.OFF },
    };
    try {
      if (database !== 'default') {
        const admin = createClient(base);
        try {
          await admin.command({ query: `CREATE DATABASE IF NOT EXISTS \`${database.replace(/`/g, '``')}\`` });
        } finally {
          await admin.close();
        }
      }
      client = createClient({ ...base, database });
      const ping = await client.ping();
      if (!ping.success) throw ping.error;
    } catch (cause) {
      throw new StoreError(
        'CW_ERR_STORE_UNAVAILABLE',
        `ClickHouse server ${where} cannot be reached (${(cause as Error).message})`,
        { cause },
      );
    }
  } else {
    if (opts.cluster) throw new StoreError('CW_ERR_STORE_UNAVAILABLE', 'cluster mode needs a server URL');
    kind = 'chdb';
    database = 'default';
    dataDir = resolve(opts.dataDir ?? DEFAULT_DATA_DIR);
    where = dataDir;
    if (openEmbeddedDir !== undefined && openEmbeddedDir !== dataDir) {
      throw new StoreError(
        'CW_ERR_STORE_LOCKED',
        `this process already has the embedded store ${openEmbeddedDir} open; chDB binds one data directory per process`,
      );
    }
    lock = lockDataDir(dataDir);
    try {
      const { createChdbConnection } = await import('chdb/connection');
      // chdb types the connection against its own copy of @clickhouse/client-common: same shape.
      type Conn = NonNullable<NonNullable<Parameters<typeof createClient>[0]>['connection']>;
      const conn = createChdbConnection({ path: dataDir });
      client = createClient({ connection: conn as unknown as Conn });
      // An insert carrying its rows inline (`INSERT … FORMAT X <rows>`, `INSERT … VALUES`, and
      // chDB's own rawInsert) fails when the process's standard input is a pipe with data
      // ("both inlined and external data": `camwatch ingest -`). Rows therefore go through a
      // file, read with the target table's own structure (`file()` in INSERT … SELECT takes it).
      rawJsonInsert = async (table, body) => {
        const file = insertFiles!.write([body]);
        try {
          await client.command({
            query: `INSERT INTO ${table} SELECT * FROM file({path:String}, 'JSONEachRow')`,
            query_params: { path: file.path },
          });
        } finally {
          file.release();
        }
      };
    } catch (cause) {
      lock.release();
      throw new StoreError(
        'CW_ERR_STORE_UNAVAILABLE',
        `${dataDir}: cannot start chDB (${(cause as Error).message})`,
        {
          cause,
        },
      );
    }
    openEmbeddedDir = dataDir;
    insertFiles = new InsertFiles(join(dataDir, 'camwatch-tmp'));
  }

  const schema: SchemaOptions = { database, cluster: opts.cluster, ttlDays };
  const c = client;
  /** A failed statement, named by its first line. */
  const failed = (sql: string, cause: unknown): StoreError =>
    storeError(where, sql.split('\n')[0].slice(0, 80), cause);
  const command = async (sql: string, params?: Record<string, unknown>): Promise<void> => {
    try {
      await c.command({ query: sql, query_params: params });
    } catch (cause) {
      throw failed(sql, cause);
    }
  };
  const rows = async <T>(sql: string, params?: Record<string, unknown>): Promise<T[]> => {
    try {
      const rs = await c.query({ query: sql, query_params: params, format: 'JSONEachRow' });
      return (await rs.json()) as T[];
    } catch (cause) {
      throw failed(sql, cause);
    }
  };

  const compactRows = async (sql: string, params?: Record<string, unknown>): Promise<CompactRows> => {
    try {
      const rs = await c.query({ query: sql, query_params: params, format: 'JSONCompactEachRowWithNames' });
      const [names, ...body] = (await rs.json()) as unknown[][];
      return { names: (names ?? []) as string[], rows: body };
    } catch (cause) {
      throw failed(sql, cause);
    }
  };

  let closed = false;
  const store: Store = {
    kind,
    client,
    schema,
    dataDir,
    where,
    owner: `${hostname()}:${process.pid}`,
    migration: { from: 0, to: 0, applied: [], addedColumns: [] },
    command,
    rows,
    compactRows,
    async insertJson(table, values) {
      if (values.length === 0) return;
      try {
        if (rawJsonInsert) {
          await rawJsonInsert(table, Buffer.from(values.map((v) => JSON.stringify(v)).join('\n')));
        } else {
          await c.insert({ table, values: values as object[], format: 'JSONEachRow' });
        }
      } catch (cause) {
        throw storeError(where, `insert into ${table}`, cause);
      }
    },
    insertNative(table, structure, columns, chunks) {
      const cols = columns.join(', ');
      if (insertFiles) {
        const file = insertFiles.write(chunks);
        const done = (async () => {
          try {
            await c.command({
              query: `INSERT INTO ${table} (${cols}) SELECT * FROM file({path:String}, 'Native', {structure:String})`,
              query_params: { path: file.path, structure },
              clickhouse_settings: INSERT_SETTINGS,
            });
          } catch (cause) {
            throw storeError(where, `insert into ${table}`, cause);
          } finally {
            file.release();
          }
        })();
        return { done };
      }
      // Server: the same bytes as an HTTP body. The copy lets the caller reuse its buffers at once.
      const body = Buffer.concat(chunks);
      const done = (async () => {
        try {
          // exec, not insert: the client's insert treats a stream of a format it does not know
          // as JSON rows; exec sends the bytes as they are.
          const res = await c.exec({
            query: `INSERT INTO ${table} (${cols}) FORMAT Native`,
            values: Readable.from([body], { objectMode: false }),
            clickhouse_settings: INSERT_SETTINGS,
          });
          res.stream.resume();
          await new Promise<void>((ok, fail) => {
            res.stream.once('end', ok);
            res.stream.once('close', ok);
            res.stream.once('error', fail);
          });
        } catch (cause) {
          throw storeError(where, `insert into ${table}`, cause);
        }
      })();
      return { done };
    },
    async close() {
      if (closed) return;
      closed = true;
      try {
        await c.close();
      } finally {
        insertFiles?.clear();
        if (kind === 'chdb') openEmbeddedDir = undefined;
        lock?.release();
      }
    },
  };

  try {
    const report = await migrate(store, schema, opts.migrateTo ?? SCHEMA_VERSION);
    (store as { migration: MigrationReport }).migration = report;
    if (kind === 'chdb') {
      const { tuneEmbeddedMerges } = await import('./merge-tuning.js');
      await tuneEmbeddedMerges(store);
    }
    if (opts.recover !== false) {
      const { recoverIncomplete } = await import('./ingest-ledger.js');
      await recoverIncomplete(store);
    }
  } catch (e) {
    await store.close();
    throw e;
  }
  return store;
}
