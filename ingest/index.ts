/**
 * The readers' front door: formats, detection, inputs. Enrichment (`ingest/enrich/index.js`) and the
 * store pipeline (`ingest/pipeline/index.js`) have their own, so that `camwatch flows` does not load
 * the MMDB reader and the ClickHouse client it never uses (start-up time counts in every run).
 */
export type { CaptureOptions } from './capture/capture-reader.js';
export { DEFAULT_FLOW_TABLE_OPTIONS, type FlowTableOptions } from './flow/flow-table.js';
export { chooseReader, FORMAT_READERS, readerFor } from './formats.js';
export { type OpenedInput, openInput } from './input/open-input.js';
export { DEFAULT_META_OPTIONS, type MetaOptions, mergeDnsNames } from './meta/index.js';
export { expandInputs, type InputResult, type ReadInputsOptions, readInputs } from './read-inputs.js';
export type { FormatReader, IngestBatch, ReadContext, ReadStats } from './reader.js';
export { newReadStats } from './reader.js';
