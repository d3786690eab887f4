/**
 * The RowBinary encoder of `flows`, generated once from the field table: one straight-line
 * function with a monomorphic property read per field (a generic loop over FLOW_FIELDS with
 * `flow[name]` was slower: keyed loads and a switch per cell). Absent values become the column's
 * default, which reads back as absent (see store/schema.ts).
 */
import { FLOW_FIELDS, type Flow, type FlowField } from '../model/index.js';
import type { RowBinaryBuffer } from './row-binary.js';
import { flowsStructure, rowBinaryType } from './schema.js';

/** RowBinary writer call for a column type; a field with a type not listed here fails at load. */
function writerCall(f: FlowField, v: string): string {
  const t = rowBinaryType(f.chType);
  switch (t) {
    case 'UInt8':
      return `w.u8(${v} ?? 0)`;
    case 'UInt16':
      return `w.u16(${v} ?? 0)`;
    case 'UInt32':
      return `w.u32(${v} ?? 0)`;
    case 'UInt64':
    case 'Int64':
      return `w.i64(${v} ?? 0)`;
    case 'DateTime64(3)':
      return `w.timeMs(${v} ?? 0)`;
    case 'IPv6':
      return `w.ip(${v})`;
    case 'String':
      return `w.str(${v})`;
    case 'Array(String)':
      return `w.strs(${v})`;
    default:
      throw new Error(`store/flow-encoder: no RowBinary writer for ${f.name} (${f.chType}); add one here`);
  }
}

/** Bytes of the fixed-width part of a row, reserved once per row. */
function fixedWidth(f: FlowField): number {
  const t = rowBinaryType(f.chType);
  if (t === 'UInt8') return 1;
  if (t === 'UInt16') return 2;
  if (t === 'UInt32') return 4;
  if (t === 'IPv6') return 0; // ip() reserves its own 16 bytes
  if (t === 'String' || t === 'Array(String)') return 0;
  return 8;
}

type EncodeRows = (w: RowBinaryBuffer, flows: readonly Flow[], from: number, to: number) => void;

function compile(): EncodeRows {
  const fixed = FLOW_FIELDS.reduce((n, f) => n + fixedWidth(f), 0);
  const lines = FLOW_FIELDS.map((f) => `    ${writerCall(f, `r[${JSON.stringify(f.name)}]`)};`);
  const src = [
    'for (let i = from; i < to; i++) {',
    '    const r = flows[i];',
    `    w.ensure(${fixed});`,
    ...lines,
    '}',
  ].join('\n');
  return new Function('w', 'flows', 'from', 'to', src) as EncodeRows;
}

const encodeRows = compile();

/** Column names in encoder order, for `INSERT INTO flows (…)`. */
export const FLOW_INSERT_COLUMNS: readonly string[] = FLOW_FIELDS.map((f) => f.column);
/** The `file()` structure of an encoded batch. */
export const FLOW_ROWBINARY_STRUCTURE: string = flowsStructure();

/** Appends `flows[from..to)` to `w` as RowBinary rows of the flows insert. */
export function encodeFlows(w: RowBinaryBuffer, flows: readonly Flow[], from = 0, to = flows.length): void {
  encodeRows(w, flows, from, to);
}
