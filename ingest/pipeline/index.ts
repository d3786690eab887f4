export { jsonlFlowReader, jsonToFlow } from './jsonl-flow-reader.js';
export {
  DEFAULT_BATCH_ROWS,
  type IngestOptions,
  type IngestProgress,
  type IngestResult,
  runIngest,
  sha256File,
} from './run-ingest.js';
