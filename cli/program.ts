import { Command } from 'commander';
import { registerAlerts } from './commands/alerts.js';
import { registerBaseline } from './commands/baseline.js';
import { registerCollect } from './commands/collect.js';
import { registerFlows } from './commands/flows.js';
import { registerIngest } from './commands/ingest.js';
import { registerIngests } from './commands/ingests.js';
import { registerLookup } from './commands/lookup.js';
import { registerNames } from './commands/names.js';
import { registerRules } from './commands/rules.js';
import { registerScan } from './commands/scan.js';
import { registerServe } from './commands/serve.js';
import { registerToken } from './commands/token.js';
import { matchLookupRules } from './lookup-rules.js';

export function buildProgram(): Command {
  const program = new Command('camwatch')
    .description('What your IP cameras send out of the network: flows, names, places and phone-home alerts.')
    .version('0.1.0');
  registerScan(program);
  registerAlerts(program);
  registerBaseline(program);
  registerCollect(program);
  registerFlows(program);
  registerIngest(program);
  registerIngests(program);
  registerLookup(program, { matchRules: matchLookupRules });
  registerNames(program);
  registerRules(program);
  registerServe(program);
  registerToken(program);
  return program;
}
