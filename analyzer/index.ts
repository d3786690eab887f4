/**
 * The analyzer's front door: rule packs (load, check, compile, match), detector scoring, alerts and the
 * detectors' SQL. Other folders import from here only.
 */
export * from './rules/compiled-rules.js';
export * from './rules/default-rules.js';
export * from './rules/load-rules.js';
export * from './rules/rule-schema.js';
export * from './rules/rule-types.js';
