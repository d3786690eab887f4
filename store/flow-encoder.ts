/**
 * The Native-format encoder of `flows`, generated from the field table: one column builder per
 * field, in field order, and the block's encoder reading each field by its name. Absent values
 * become the column's default, which reads back as absent (see store/schema.ts).
 */
import { FLOW_FIELDS, type Flow, type FlowField } from '../model/index.js';
import {
  AddressWords,
  FixedColumn,
  Int64Column,
  IpColumn,
  LowCardinalityColumn,
  NativeBlock,
  type NativeColumn,
  StringColumn,
  StringsColumn,
} from './native-columns.js';

/** The column builder of a field; a field with a type not listed here fails at load. */
function fieldColumn(f: FlowField, addresses: AddressWords): NativeColumn {
  switch (f.chType) {
    case 'UInt8':
      return new FixedColumn(f.column, f.chType, (n) => new Uint8Array(n));
    case 'UInt16':
      return new FixedColumn(f.column, f.chType, (n) => new Uint16Array(n));
    case 'UInt32':
      return new FixedColumn(f.column, f.chType, (n) => new Uint32Array(n));
    case 'UInt64':
    case 'Int64':
      return new Int64Column(f.column, f.chType, false);
    case 'DateTime64(3)':
      return new Int64Column(f.column, f.chType, true);
    case 'IPv6':
      return new IpColumn(f.column, f.chType, addresses);
    case 'String':
      return new StringColumn(f.column, f.chType);
    case 'LowCardinality(String)':
      return new LowCardinalityColumn(f.column, f.chType);
    case 'Array(String)':
      return new StringsColumn(f.column, f.chType);
    default:
      throw new Error(`store/flow-encoder: no Native writer for ${f.name} (${f.chType}); add one here`);
  }
}

/** Column names in encoder order, for `INSERT INTO flows (…)`. */
export const FLOW_INSERT_COLUMNS: readonly string[] = FLOW_FIELDS.map((f) => f.column);
/** The `file()` structure of an encoded block: the table's own types, LowCardinality included. */
export const FLOW_NATIVE_STRUCTURE: string = FLOW_FIELDS.map((f) => `${f.column} ${f.chType}`).join(', ');

/** A Native block of flows (see NativeBlock), one column per field of the field table. */
export class FlowBlock extends NativeBlock<Flow> {
  constructor() {
    // The address cache is shared: a flow's device and peer are its orig and resp addresses again.
    const addresses = new AddressWords();
    super(
      FLOW_FIELDS.map((f) => fieldColumn(f, addresses)),
      FLOW_FIELDS.map((f) => f.name),
    );
  }
}
