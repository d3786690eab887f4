/** The store's front door: other folders import only from here. */
export { type AlertEvidenceFlow, evidenceFlows, namesOfAddress, type PassiveName } from './alert-evidence.js';
export { ALERT_FIELDS, type AlertField } from './alert-fields.js';
export { type AlertHistoryAction, type AlertHistoryEntry, readAlertHistory } from './alert-history.js';
export {
  ALERT_SORTS,
  type AlertPage,
  type AlertQuery,
  type AlertSort,
  type AlertSortField,
  listAlerts,
  parseAlertSort,
} from './alert-list.js';
export { getAlert, openAlertCounts } from './alert-query.js';
export {
  ALERT_STATUSES,
  type AlertRecord,
  type AlertStatus,
  type AlertTriage,
  CLOSE_REASONS,
  type StoredAlert,
} from './alert-rows.js';
export { insertNewAlerts, type SaveAlertsResult, saveAlerts } from './alert-save.js';
export { type TriageChange, triageAlert } from './alert-triage.js';
export { alertWriteGeneration } from './alert-writes.js';
export {
  type BaselineEntry,
  type BaselinePeer,
  deleteBaselineRows,
  findBaseline,
  listBaselines,
  readBaselinePeers,
  requireBaseline,
  saveBaselineEntry,
} from './baseline-store.js';
export {
  type CompactRows,
  DEFAULT_DATA_DIR,
  type InsertHandle,
  openStore,
  type Store,
  type StoreOptions,
} from './connection.js';
export { LOCK_FILE } from './data-dir-lock.js';
export { type DeviceSummary, devicePeers, listDevices, type PeerSummaryRow } from './device-queries.js';
export { readDnsNames, writeDnsNames } from './dns-name-writer.js';
export { FLOW_INSERT_COLUMNS, FLOW_NATIVE_STRUCTURE, FlowBlock } from './flow-encoder.js';
export { countFlows, type FlowFilter, readFlows, rowToFlow } from './flow-query.js';
export {
  FlowWriter,
  type FlowWriterOptions,
  MAX_INSERT_ROWS,
  MIN_INSERT_ROWS,
  writeFlows,
} from './flow-writer.js';
export {
  deleteIngestRows,
  failIngest,
  type IngestFilter,
  type IngestRecord,
  type IngestStatus,
  ingestStoreError,
  listIngests,
  recoverIncomplete,
  saveIngest,
} from './ingest-ledger.js';
export { ingestWindow } from './ingest-window.js';
export {
  MIGRATIONS,
  type Migration,
  type MigrationReport,
  migrate,
  SCHEMA_VERSION,
  schemaFileText,
  schemaSql,
} from './migrations.js';
export {
  ALERT_HISTORY_TABLE,
  ALERTS_TABLE,
  BASELINE_ENTRIES_TABLE,
  BASELINES_TABLE,
  createTableSql,
  DEFAULT_TTL_DAYS,
  DEVICES_TABLE,
  DNS_NAMES_TABLE,
  flowsTable,
  INGESTS_TABLE,
  type SchemaOptions,
  type TableDef,
} from './schema.js';
