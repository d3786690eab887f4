import { FLOW_FIELDS, type Flow, type FlowField } from './flow-fields.js';

/** ISO-8601 UTC with milliseconds, the time form of every machine output. */
export const isoTime = (ms: number): string => new Date(Math.floor(ms)).toISOString();

function jsonValue(f: FlowField, v: unknown): unknown {
  return f.kind === 'timeMs' ? isoTime(v as number) : v;
}

/** The jsonl object of a flow: keys in field-table order, absent values omitted. */
export function flowToJson(flow: Flow): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const rec = flow as Record<string, unknown>;
  for (const f of FLOW_FIELDS) {
    const v = rec[f.name];
    if (v === undefined || v === null) continue;
    if (Array.isArray(v) && v.length === 0) continue;
    out[f.name] = jsonValue(f, v);
  }
  return out;
}

export const flowToJsonLine = (flow: Flow): string => JSON.stringify(flowToJson(flow));

export const FLOW_CSV_HEADER: string = FLOW_FIELDS.map((f) => f.name).join(',');

function csvCell(f: FlowField, v: unknown): string {
  if (v === undefined || v === null) return '';
  let s: string;
  if (f.kind === 'timeMs') s = isoTime(v as number);
  else if (Array.isArray(v)) s = v.join(' ');
  else s = String(v);
  return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/** One RFC 4180 CSV row in FLOW_CSV_HEADER order; lists are space-separated. */
export function flowToCsvRow(flow: Flow): string {
  const rec = flow as Record<string, unknown>;
  let line = '';
  for (let i = 0; i < FLOW_FIELDS.length; i++) {
    const f = FLOW_FIELDS[i];
    if (i > 0) line += ',';
    line += csvCell(f, rec[f.name]);
  }
  return line;
}
