import { FLOW_FIELDS, type Flow, type FlowField } from './flow-fields.js';

/** The value a required field has until its reader sets it. */
function requiredDefault(f: FlowField): string {
  return f.kind === 'timeMs' || f.kind === 'uint' ? '0' : "''";
}

/**
 * A new Flow with every field of the table as its own key, in table order: required fields 0 or
 * '' until set, optional ones undefined (absent, as the writers and the store read them). Every
 * reader starts its records here and later stages only assign, so every flow in the process has
 * one hidden class. Property loads on one class are ~1 ns; the store's encoder, which reads all
 * 57 fields of each flow, met 15 classes on a capture's flows (each mix of metadata and
 * enrichment its own), its loads went megamorphic, and a flow took ~0.95 µs to encode against
 * 0.67 µs on one class (store/README.md, "One hidden class for every flow").
 *
 * Generated from the field table, so a new field is in every flow without an edit here; one
 * literal, so V8 clones a boilerplate instead of adding keys one by one.
 */
export const newFlow: (sourceFormat: string, sourceFile?: string, sourceRecord?: number) => Flow =
  new Function(
    'sourceFormat',
    'sourceFile',
    'sourceRecord',
    `return {\n${FLOW_FIELDS.map((f) => {
      const value =
        f.name === 'sourceFormat' || f.name === 'sourceFile' || f.name === 'sourceRecord'
          ? f.name
          : f.required
            ? requiredDefault(f)
            : 'undefined';
      return `  ${f.name}: ${value},`;
    }).join('\n')}\n};`,
  ) as (sourceFormat: string, sourceFile?: string, sourceRecord?: number) => Flow;
