/**
 * `camwatch baseline learn|list|show|export`: learned per-device baselines (the new-peer detector's
 * reference, kept after the flows age out) and their export as MUD files (RFC 8520). Flags are parsed
 * here; the work is in baseline-run.ts, imported when a subcommand runs.
 */
import type { Command } from 'commander';
import { DATA_FLAG_HELP, type StoreFlagValues } from './ingest.js';
import { usageExit } from './scan.js';

export interface BaselineLearnFlags extends StoreFlagValues {
  since: string;
  until?: string;
  device?: string[];
  name?: string;
  replace?: boolean;
  rules?: string[];
  format: string;
}

export interface BaselineListFlags extends StoreFlagValues {
  format: string;
}

export interface BaselineShowFlags extends StoreFlagValues {
  device?: string[];
  format: string;
}

export interface BaselineExportFlags extends StoreFlagValues {
  mud?: boolean;
  device?: string[];
  group?: string;
  rules?: string[];
  out?: string;
  urlBase?: string;
}

const collect = (v: string, prev: string[] | undefined): string[] => [...(prev ?? []), v];

const EXIT_HELP =
  '\nExit codes: 0 done, 1 the store or a rule pack failed, 2 bad usage (unknown name or option).';

export function registerBaseline(program: Command): void {
  const baseline = program
    .command('baseline')
    .description(
      'Learned per-device baselines: what each camera talked to in a period, kept after the flows expire',
    );
  const later = async (job: (run: typeof import('./baseline-run.js')) => Promise<number>): Promise<void> => {
    process.exitCode = await job(await import('./baseline-run.js'));
  };
  baseline
    .command('learn')
    .description('Learn each device’s peers over a period from the stored flows (name first, address second)')
    .requiredOption('--since <when>', 'start of the period: ISO date/time, or back from now (7d, 24h)')
    .option('--until <when>', 'end of the period, exclusive (default now)')
    .option('--device <ip|cidr>', 'only these devices (repeatable)', collect)
    .option('--name <name>', 'baseline name (default from the period: 20240311T0800Z-20240318T0800Z)')
    .option('--replace', 'learn again over an existing baseline of that name')
    .option(
      '--rules <path>',
      'operator rule packs: their infrastructure counts as local (repeatable)',
      collect,
    )
    .option('--data <dir>', DATA_FLAG_HELP)
    .option('-f, --format <format>', 'text | jsonl (the baseline entry)', 'text')
    .addHelpText(
      'after',
      `
The new-peer detector of camwatch scan then compares each device with the most recently learned
baseline that covers it (or --baseline NAME); a device no baseline covers gets no new-peer alerts.${EXIT_HELP}`,
    )
    .exitOverride(usageExit)
    .action((flags: BaselineLearnFlags) => later((r) => r.runBaselineLearn(flags)));
  baseline
    .command('list')
    .description('The learned baselines, most recent first: period, devices, peers, flows')
    .option('--data <dir>', DATA_FLAG_HELP)
    .option('-f, --format <format>', 'table | jsonl', 'table')
    .exitOverride(usageExit)
    .action((flags: BaselineListFlags) => later((r) => r.runBaselineList(flags)));
  baseline
    .command('show')
    .description('The peers a baseline learned, per device')
    .argument('<name>', 'baseline name (camwatch baseline list)')
    .option('--device <ip>', 'only this device (repeatable)', collect)
    .option('--data <dir>', DATA_FLAG_HELP)
    .option('-f, --format <format>', 'table | jsonl', 'table')
    .exitOverride(usageExit)
    .action((name: string, flags: BaselineShowFlags) => later((r) => r.runBaselineShow(name, flags)));
  baseline
    .command('export')
    .description(
      'Export a learned baseline as MUD files (RFC 8520), one per device or one for a device group',
    )
    .argument('[name]', 'baseline name (default: the most recently learned)')
    .option('--mud', 'MUD (RFC 8520) JSON: the only export format')
    .option('--device <ip>', 'only this device (repeatable)', collect)
    .option('--group <name>', 'one MUD file for this device group of the operator rules (--rules)')
    .option('--rules <path>', 'operator rule packs that define --group (repeatable)', collect)
    .option(
      '--out <dir>',
      'write <device>.mud.json files and <name>.mud-bindings.yaml here (default: stdout, one profile)',
    )
    .option('--url-base <url>', 'https base of the MUD URLs (default https://camwatch.invalid/mud/)')
    .option('--data <dir>', DATA_FLAG_HELP)
    .addHelpText(
      'after',
      `
With --out, the folder is a rules folder: the MUD files and the operator pack binding each MUD URL to
its devices load together with camwatch scan --rules DIR; the learned peers then raise no egress,
vendor, beacon, volume or new-peer alert.${EXIT_HELP}`,
    )
    .exitOverride(usageExit)
    .action((name: string | undefined, flags: BaselineExportFlags) =>
      later((r) => r.runBaselineExport(name, flags)),
    );
}
