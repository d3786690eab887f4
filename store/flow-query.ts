import { FLOW_FIELDS, type Flow, type FlowField } from '../model/index.js';
import type { Store } from './connection.js';

/** SELECT expression of a field, giving JSON the reader below turns back into the Flow value. */
function selectExpr(f: FlowField): string {
  if (f.kind === 'timeMs') return `toUnixTimestamp64Milli(${f.column}) AS ${f.column}`;
  if (f.kind === 'ip') return `IPv6NumToString(${f.column}) AS ${f.column}`;
  return f.column;
}

const SELECT_LIST = FLOW_FIELDS.map(selectExpr).join(', ');
const MAPPED_V4 = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/;

/**
 * A stored row back to a Flow: the defaults of optional fields become absent (the rule in
 * store/schema.ts); IPv4-mapped addresses become dotted IPv4 again.
 */
export function rowToFlow(row: Record<string, unknown>): Flow {
  const out: Record<string, unknown> = {};
  for (const f of FLOW_FIELDS) {
    const raw = row[f.column];
    let v: unknown;
    switch (f.kind) {
      case 'timeMs':
      case 'uint':
        v = Number(raw);
        if (!f.required && v === 0) v = undefined;
        break;
      case 'ip': {
        const s = String(raw);
        const m = MAPPED_V4.exec(s);
        v = m ? m[1] : s;
        if (!f.required && v === '::') v = undefined;
        break;
      }
      case 'strings':
        v = raw as string[];
        if (!f.required && (v as string[]).length === 0) v = undefined;
        break;
      default:
        v = String(raw);
        if (!f.required && v === '') v = undefined;
    }
    if (v !== undefined) out[f.name] = v;
  }
  return out as Flow;
}

export interface FlowFilter {
  ingestId?: string | undefined;
  limit?: number | undefined;
}

/** Stored flows in (device, start) order, as Flow records (tests, exports, evidence). */
export async function readFlows(store: Store, filter: FlowFilter = {}): Promise<Flow[]> {
  const params: Record<string, unknown> = {};
  let sql = `SELECT ${SELECT_LIST} FROM flows`;
  if (filter.ingestId !== undefined) {
    sql += ' WHERE ingest_id = {id:String}';
    params.id = filter.ingestId;
  }
  sql += ' ORDER BY device_ip, start, orig_ip, orig_port, source_record';
  if (filter.limit !== undefined) {
    sql += ' LIMIT {limit:UInt64}';
    params.limit = filter.limit;
  }
  const rows = await store.rows<Record<string, unknown>>(sql, params);
  return rows.map(rowToFlow);
}

/** Row count of `flows`, optionally of one ingest. */
export async function countFlows(store: Store, filter: { ingestId?: string } = {}): Promise<number> {
  const r = await store.rows<{ n: string | number }>(
    `SELECT count() AS n FROM flows${filter.ingestId !== undefined ? ' WHERE ingest_id = {id:String}' : ''}`,
    filter.ingestId !== undefined ? { id: filter.ingestId } : undefined,
  );
  return Number(r[0]?.n ?? 0);
}
