import { FLOW_FIELDS, type Flow, type FlowField } from './flow-fields.js';

/** ISO-8601 UTC with milliseconds, the time form of every machine output. */
export const isoTime = (ms: number): string => new Date(Math.floor(ms)).toISOString();

const quote = (s: string): string => JSON.stringify(s);
const csvText = (s: string): string => (/[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s);

/**
 * The writers are compiled once from the field table into straight-line functions with a fixed
 * property access per field. A generic loop over the table with `flow[field.name]` measured 22 µs
 * per flow (megamorphic keyed loads and a dictionary-mode result object); the compiled form is
 * about 1 µs.
 */
function compile<T>(
  body: string,
): (flow: Flow, iso: typeof isoTime, q: typeof quote, c: typeof csvText) => T {
  return new Function('f', 'iso', 'q', 'c', body) as never;
}

const prop = (f: FlowField): string => `f[${JSON.stringify(f.name)}]`;

// Every part starts with its comma and the first is cut at the end: a `s.length > 1` test per field
// had no type feedback until a flow first carried that field, and its first use threw the optimized
// writer away (V8 "insufficient type feedback for compare operation").
function jsonPart(f: FlowField): string {
  const key = `,${JSON.stringify(f.name)}:`;
  const v = prop(f);
  switch (f.kind) {
    case 'timeMs':
      return `v = ${v}; if (v != null) s += '${key}"' + iso(v) + '"';`;
    case 'uint':
      return `v = ${v}; if (v != null) s += '${key}' + v;`;
    case 'strings':
      return `v = ${v}; if (v != null && v.length > 0) s += '${key}' + JSON.stringify(v);`;
    default:
      return `v = ${v}; if (v != null) s += '${key}' + q(v);`;
  }
}

const jsonLine = compile<string>(
  `let s = ''; let v;\n${FLOW_FIELDS.map(jsonPart).join('\n')}\nreturn '{' + s.slice(1) + '}';`,
);

/** One jsonl line of a flow (no newline): keys in field-table order, absent values and empty lists omitted. */
export const flowToJsonLine = (flow: Flow): string => jsonLine(flow, isoTime, quote, csvText);

/** The jsonl object of a flow, for APIs that want an object rather than text. */
export const flowToJson = (flow: Flow): Record<string, unknown> => JSON.parse(flowToJsonLine(flow));

export const FLOW_CSV_HEADER: string = FLOW_FIELDS.map((f) => f.name).join(',');

function csvPart(f: FlowField, i: number): string {
  const sep = i > 0 ? "s += ',';" : '';
  const v = prop(f);
  switch (f.kind) {
    case 'timeMs':
      return `${sep} v = ${v}; if (v != null) s += iso(v);`;
    case 'uint':
      return `${sep} v = ${v}; if (v != null) s += v;`;
    case 'strings':
      return `${sep} v = ${v}; if (v != null) s += c(v.join(' '));`;
    default:
      return `${sep} v = ${v}; if (v != null) s += c(v);`;
  }
}

const csvRow = compile<string>(`let s = ''; let v;\n${FLOW_FIELDS.map(csvPart).join('\n')}\nreturn s;`);

/** One RFC 4180 CSV row in FLOW_CSV_HEADER order; lists are space-separated. */
export const flowToCsvRow = (flow: Flow): string => csvRow(flow, isoTime, quote, csvText);
