/**
 * The ingest ledger (`ingests`): one id per input, its SHA-256, counts and a status. A row is
 * never updated in place: each state change inserts the whole record again with a higher
 * `version`, and readers take the newest version of each id (`LIMIT 1 BY id`).
 *
 *   running ──(last batch acknowledged)──► complete
 *      └──(error, or found running at start-up by a new process)──► failed, rows deleted
 *   complete ──(replaced by --force)──► failed, rows deleted, error names the new ingest
 */
import { hostname } from 'node:os';
import { StoreError } from '../model/index.js';
import { dateTime64Text } from './clickhouse-text.js';
import type { Store } from './connection.js';
import { localName } from './schema.js';

export type IngestStatus = 'running' | 'complete' | 'failed';

/** One ingest as the ledger holds it. Times are ms since the epoch. */
export interface IngestRecord {
  id: string;
  sha256: string;
  /** The input as the user named it (`-` for standard input). */
  file: string;
  format: string;
  status: IngestStatus;
  /** Input records read (packets, lines). */
  records: number;
  /** Flow rows written. */
  flows: number;
  /** Passive-DNS rows written. */
  names: number;
  /** Bad input records skipped. */
  rejected: number;
  /** Decompressed input bytes. */
  bytes: number;
  startedAt: number;
  finishedAt: number | undefined;
  error: string | undefined;
  /** `host:pid` of the process that ran it. */
  owner: string;
}

let lastVersion = 0;
/** Strictly increasing in this process, and above any earlier process's (time-based). */
function nextVersion(): number {
  lastVersion = Math.max(lastVersion + 1, Date.now() * 1000);
  return lastVersion;
}

/** Writes the record as its newest version. */
export async function saveIngest(store: Store, r: IngestRecord): Promise<void> {
  await store.insertJson('ingests', [
    {
      id: r.id,
      version: nextVersion(),
      sha256: r.sha256,
      file: r.file,
      format: r.format,
      status: r.status,
      records: r.records,
      flows: r.flows,
      names: r.names,
      rejected: r.rejected,
      bytes: r.bytes,
      started_at: dateTime64Text(r.startedAt ?? 0),
      finished_at: dateTime64Text(r.finishedAt ?? 0),
      error: r.error ?? '',
      owner: r.owner,
    },
  ]);
}

interface IngestRow {
  id: string;
  sha256: string;
  file: string;
  format: string;
  status: string;
  records: string | number;
  flows: string | number;
  names: string | number;
  rejected: string | number;
  bytes: string | number;
  started_ms: string | number;
  finished_ms: string | number;
  error: string;
  owner: string;
}

const fromRow = (r: IngestRow): IngestRecord => ({
  id: r.id,
  sha256: r.sha256,
  file: r.file,
  format: r.format,
  status: r.status as IngestStatus,
  records: Number(r.records),
  flows: Number(r.flows),
  names: Number(r.names),
  rejected: Number(r.rejected),
  bytes: Number(r.bytes),
  startedAt: Number(r.started_ms),
  finishedAt: Number(r.finished_ms) > 0 ? Number(r.finished_ms) : undefined,
  error: r.error === '' ? undefined : r.error,
  owner: r.owner,
});

const LATEST =
  'SELECT id, sha256, file, format, status, records, flows, names, rejected, bytes, ' +
  'toUnixTimestamp64Milli(started_at) AS started_ms, toUnixTimestamp64Milli(finished_at) AS finished_ms, ' +
  'error, owner FROM (SELECT * FROM ingests ORDER BY id, version DESC LIMIT 1 BY id)';

export interface IngestFilter {
  status?: IngestStatus | undefined;
  sha256?: string | undefined;
  id?: string | undefined;
}

/** The ledger, oldest first, newest state of each ingest. */
export async function listIngests(store: Store, filter: IngestFilter = {}): Promise<IngestRecord[]> {
  const where: string[] = [];
  const params: Record<string, unknown> = {};
  if (filter.status) {
    where.push('status = {status:String}');
    params.status = filter.status;
  }
  if (filter.sha256) {
    where.push('sha256 = {sha:String}');
    params.sha = filter.sha256;
  }
  if (filter.id) {
    where.push('id = {id:String}');
    params.id = filter.id;
  }
  const sql = `${LATEST}${where.length ? ` WHERE ${where.join(' AND ')}` : ''} ORDER BY started_ms, id`;
  return (await store.rows<IngestRow>(sql, params)).map(fromRow);
}

/**
 * Deletes every row an ingest wrote (flows and passive DNS). Lightweight DELETE, waited for, so
 * the rows are gone from every query when it returns.
 */
export async function deleteIngestRows(store: Store, id: string): Promise<void> {
  const on = store.schema.cluster ? ` ON CLUSTER \`${store.schema.cluster}\`` : '';
  for (const table of ['flows', 'dns_names']) {
    await store.command(
      `DELETE FROM ${localName(table, store.schema)}${on} WHERE ingest_id = {id:String} ` +
        'SETTINGS lightweight_deletes_sync = 2',
      { id },
    );
  }
}

/** Marks an ingest failed after deleting its rows. */
export async function failIngest(store: Store, r: IngestRecord, error: string): Promise<IngestRecord> {
  await deleteIngestRows(store, r.id);
  const failed: IngestRecord = { ...r, status: 'failed', finishedAt: Date.now(), error };
  await saveIngest(store, failed);
  return failed;
}

function ownerIsDead(owner: string): boolean {
  const [host, pidText] = owner.split(':');
  const pid = Number(pidText);
  if (host !== hostname() || !Number.isInteger(pid) || pid <= 0) return false;
  if (pid === process.pid) return false;
  try {
    process.kill(pid, 0);
    return false;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'ESRCH';
  }
}

/**
 * Start-up recovery: an ingest still `running` whose process is gone (every one, for the
 * embedded store whose lock we hold; on a server, those of dead processes on this host) had its
 * rows half written. Delete them and mark it failed, so it can be redone.
 */
export async function recoverIncomplete(store: Store): Promise<IngestRecord[]> {
  const running = await listIngests(store, { status: 'running' });
  const stale = running.filter((r) => store.kind === 'chdb' || ownerIsDead(r.owner));
  const out: IngestRecord[] = [];
  for (const r of stale) {
    out.push(
      await failIngest(store, r, `interrupted (process ${r.owner} stopped before the end); rows removed`),
    );
  }
  return out;
}

/** A store error that names the ingest it interrupted. */
export function ingestStoreError(r: IngestRecord, cause: unknown): StoreError {
  const msg = cause instanceof Error ? cause.message : String(cause);
  const code = cause instanceof StoreError ? cause.code : 'CW_ERR_STORE_QUERY';
  return new StoreError(code, `ingest ${r.id} of ${r.file} failed: ${msg}`, { cause });
}
