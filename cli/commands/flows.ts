import type { Command } from 'commander';
import { flowTableOptionsHelp, type ReadFlagValues } from '../read-flags.js';

export interface FlowsFlags extends ReadFlagValues {
  format: 'table' | 'jsonl' | 'csv';
  quiet?: boolean;
}

export function registerFlows(program: Command): void {
  const cmd = program
    .command('flows')
    .description('Build flows from captures or flow logs and print them')
    .argument('<inputs...>', 'capture or flow-log files, directories, or - for standard input')
    .option('-f, --format <format>', 'table | jsonl | csv', 'table')
    .option('-q, --quiet', 'no summary on stderr');
  flowTableOptionsHelp(cmd);
  cmd.action(async (inputs: string[], flags: FlowsFlags) => {
    const { runFlows } = await import('./flows-run.js');
    process.exitCode = await runFlows(inputs, flags);
  });
}
