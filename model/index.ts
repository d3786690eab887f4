export * from './dns-name.js';
export * from './errors.js';
export * from './flow-fields.js';
export * from './flow-format.js';
export * from './ip-address.js';
export * from './new-flow.js';
export * from './problem-log.js';
