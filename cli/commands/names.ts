import type { Command } from 'commander';
import { flowTableOptionsHelp, type ReadFlagValues } from '../read-flags.js';

export interface NamesFlags extends ReadFlagValues {
  format: 'table' | 'jsonl';
  quiet?: boolean;
}

export function registerNames(program: Command): void {
  const cmd = program
    .command('names')
    .description(
      'Print the passive-DNS table of captures or DNS logs: which client saw which name resolve to what',
    )
    .argument('<inputs...>', 'captures, Zeek dns.log files, directories, or - for standard input')
    .option('-f, --format <format>', 'table | jsonl', 'table')
    .option('-q, --quiet', 'no summary on stderr');
  flowTableOptionsHelp(cmd);
  cmd.action(async (inputs: string[], flags: NamesFlags) => {
    const { runNames } = await import('./names-run.js');
    process.exitCode = await runNames(inputs, flags);
  });
}
