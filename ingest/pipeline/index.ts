export { jsonlFlowReader, jsonToFlow } from './jsonl-flow-reader.js';
export {
  type IngestOptions,
  type IngestProgress,
  type IngestResult,
  runIngest,
  sha256File,
} from './run-ingest.js';
