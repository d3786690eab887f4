import type { DnsName } from '../model/index.js';
import { dateTime64Text } from './clickhouse-text.js';
import type { Store } from './connection.js';

/**
 * Writes passive-DNS observations. They are few next to flows (one per distinct answer), so the
 * plain JSONEachRow insert is fast enough and keeps this writer obvious.
 */
export async function writeDnsNames(
  store: Store,
  names: readonly DnsName[],
  ingestId?: string,
): Promise<void> {
  if (names.length === 0) return;
  await store.insertJson(
    'dns_names',
    names.map((n) => ({
      client: n.client || '::',
      name: n.name,
      address: n.address,
      type: n.type,
      ttl: n.ttl,
      first_seen: dateTime64Text(n.firstSeen),
      last_seen: dateTime64Text(n.lastSeen),
      count: n.count,
      source_format: n.sourceFormat,
      source_file: n.sourceFile ?? '',
      ingest_id: ingestId ?? n.ingestId ?? '',
    })),
  );
}

interface DnsRow {
  client: string;
  name: string;
  address: string;
  type: string;
  ttl: number | string;
  first_ms: number | string;
  last_ms: number | string;
  count: number | string;
  source_format: string;
  source_file: string;
  ingest_id: string;
}

/** Passive-DNS rows, optionally of one ingest, in (address, name) order. */
export async function readDnsNames(store: Store, filter: { ingestId?: string } = {}): Promise<DnsName[]> {
  const rows = await store.rows<DnsRow>(
    'SELECT client, name, address, type, ttl, toUnixTimestamp64Milli(first_seen) AS first_ms, ' +
      'toUnixTimestamp64Milli(last_seen) AS last_ms, count, source_format, source_file, ingest_id ' +
      `FROM dns_names ${filter.ingestId !== undefined ? 'WHERE ingest_id = {id:String} ' : ''}` +
      'ORDER BY address, name, first_seen',
    filter.ingestId !== undefined ? { id: filter.ingestId } : undefined,
  );
  return rows.map((r) => {
    const n: DnsName = {
      client: r.client.replace(/^::ffff:(\d+\.\d+\.\d+\.\d+)$/, '$1'),
      name: r.name,
      address: r.address,
      type: r.type,
      ttl: Number(r.ttl),
      firstSeen: Number(r.first_ms),
      lastSeen: Number(r.last_ms),
      count: Number(r.count),
      sourceFormat: r.source_format,
    };
    if (r.source_file !== '') n.sourceFile = r.source_file;
    if (r.ingest_id !== '') n.ingestId = r.ingest_id;
    return n;
  });
}
