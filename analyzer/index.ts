/**
 * The analyzer's front door: rule packs (load, check, compile, match), detector scoring, alerts and the
 * detectors' SQL. Other folders import from here only.
 */

export * from './alert.js';
export * from './analyze.js';
export * from './baseline/learn-baseline.js';
export * from './baseline/mud-export.js';
export * from './baseline/mud-profiles.js';
export * from './build-alert.js';
export * from './detectors/beacon-score.js';
export * from './detectors/destination-judge.js';
export * from './detectors/flow-checks.js';
export * from './detectors/rita-beacon.js';
export * from './explain.js';
export * from './queries/flow-view.js';
export * from './queries/new-peer-query.js';
export * from './queries/peer-summary-query.js';
export * from './queries/protocol-events-query.js';
export * from './rules/compiled-rules.js';
export * from './rules/default-rules.js';
export * from './rules/load-rules.js';
export * from './rules/lookup-matches.js';
export * from './rules/mud-file.js';
export * from './rules/mud-schema.js';
export * from './rules/read-mud.js';
export * from './rules/rule-schema.js';
export * from './rules/rule-types.js';
export * from './save-analysed-alerts.js';
