import { type Command, type CommanderError, InvalidArgumentError } from 'commander';
import type { IngestResult } from '../../ingest/pipeline/index.js';
import { ProgressReporter } from '../progress.js';
import { captureReaderOptions, flowTableOptionsHelp, type ReadFlagValues } from '../read-flags.js';
import { DATA_FLAG_HELP, type StoreFlagValues, storeOptionsFrom } from './ingest.js';

/** Exit codes of `camwatch scan` (and `camwatch alerts`), for scripts. */
export const SCAN_EXIT = {
  /** Scanned, nothing at or above the minimum severity. */
  clean: 0,
  /** An input could not be read, or the store, rules or a database failed. */
  error: 1,
  /** Bad usage: unknown flag value. */
  usage: 2,
  /** Alerts found (at or above the minimum severity). */
  alerts: 3,
} as const;

/**
 * Commander exits 1 on a missing argument or an unknown option; for scripts that is bad usage (2), so
 * 1 keeps meaning "an input or the store failed". Help and version still exit 0.
 */
export function usageExit(err: CommanderError): never {
  process.exit(err.exitCode !== 0 && err.code.startsWith('commander.') ? SCAN_EXIT.usage : err.exitCode);
}

export const SEVERITY_NAMES = ['info', 'low', 'medium', 'high', 'critical'] as const;

export const EXIT_CODES_HELP = `
Exit codes:
  0  no alert at or above --min-severity
  3  alerts found (printed on stdout)
  1  an input could not be read, or the store, a rule pack or a geo/ASN database failed
     (alerts of the inputs that were read are still printed)
  2  bad usage (missing input, unknown option or option value)`;

interface ScanFlags extends ReadFlagValues, StoreFlagValues {
  format: string;
  ephemeral?: boolean;
  force?: boolean;
  rules?: string[];
  vendors: boolean;
  inventory?: string;
  geoDb?: string[];
  asnDb?: string[];
  openData: boolean;
  minSeverity: string;
  quiet?: boolean;
  flows?: number;
  baseline?: string;
}

const collect = (v: string, prev: string[] | undefined): string[] => [...(prev ?? []), v];
const nonNegative = (v: string): number => {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0) throw new InvalidArgumentError('expected a whole number');
  return n;
};

export function registerScan(program: Command): void {
  const cmd = program
    .command('scan')
    .description(
      'The main job: store captures or flow logs (enriched), analyse their time window, and report which cameras phone home',
    )
    .argument('<inputs...>', 'capture or flow-log files, directories, or - for standard input')
    .option('--data <dir>', DATA_FLAG_HELP)
    .option('--ephemeral', 'use a temporary store, removed afterwards (nothing kept)')
    .option('-f, --format <format>', 'table (grouped per camera) | jsonl | csv | json', 'table')
    .option('--min-severity <level>', 'report alerts at or above: info, low, medium, high, critical', 'info')
    .option(
      '--rules <path>',
      'extra rule pack file or directory (repeatable; a policy pack replaces the default)',
      collect,
    )
    .option('--no-vendors', 'leave out the packaged vendor endpoint intelligence (rules/vendors)')
    .option('--inventory <file>', 'device inventory (YAML/JSON, or a cameras CSV)')
    .option(
      '--geo-db <file>',
      'country/city MMDB (repeatable; default $CAMWATCH_GEO_DB, then open data)',
      collect,
    )
    .option(
      '--asn-db <file>',
      'ASN MMDB or CSV (repeatable; default $CAMWATCH_ASN_DB, then open data)',
      collect,
    )
    .option('--no-open-data', 'do not use the bundled open geo/ASN data')
    .option('--force', 'ingest inputs again even when the same bytes were stored (replaces their rows)')
    .option('--flows <n>', 'flows listed per alert in the terminal report (default 3)', nonNegative)
    .option(
      '--baseline <name>',
      'new peers against this learned baseline (default: the most recent one covering each camera)',
    )
    .option('-q, --quiet', 'no progress and no summary on stderr');
  flowTableOptionsHelp(cmd);
  cmd.addHelpText(
    'after',
    `
With no configuration: inputs go into the embedded store (./camwatch-data, or --data, or $CAMWATCH_DATA;
$CAMWATCH_CLICKHOUSE_URL for a server), enriched with the open geo/ASN data; the time window of their
flows is analysed with the packaged camera policy and vendor rules; the alerts are stored (a second scan
of the same file stores nothing twice and reports the same alerts) and printed: a report grouped per
camera on a terminal, or --format jsonl|csv|json. A summary goes to stderr.

The window is judged on everything the store holds for it (a store is one monitored network); the
alerts reported are those of the cameras in the inputs. --ephemeral judges a capture alone.
${EXIT_CODES_HELP}`,
  );
  cmd.exitOverride(usageExit);
  cmd.action(async (inputs: string[], flags: ScanFlags) => {
    process.exitCode = await runScanCommand(inputs, flags);
  });
}

async function runScanCommand(inputs: string[], flags: ScanFlags): Promise<number> {
  const say = (s: string): void => {
    process.stderr.write(`camwatch scan: ${s}\n`);
  };
  if (!['table', 'jsonl', 'csv', 'json'].includes(flags.format)) {
    say(`unknown --format '${flags.format}' (table, jsonl, csv, json)`);
    return SCAN_EXIT.usage;
  }
  const minRank = (SEVERITY_NAMES as readonly string[]).indexOf(flags.minSeverity);
  if (minRank < 0) {
    say(`unknown --min-severity '${flags.minSeverity}' (${SEVERITY_NAMES.join(', ')})`);
    return SCAN_EXIT.usage;
  }
  const [{ runScan }, { mkdtempSync, rmSync }, { tmpdir }, { join }, { geoConfigFromEnv }] =
    await Promise.all([
      import('./scan-run.js'),
      import('node:fs'),
      import('node:os'),
      import('node:path'),
      import('../../ingest/enrich/index.js'),
    ]);
  const storeOpts = storeOptionsFrom(flags);
  let tempDir: string | undefined;
  if (flags.ephemeral) {
    tempDir = mkdtempSync(join(tmpdir(), 'camwatch-scan-'));
    storeOpts.dataDir = tempDir;
    storeOpts.url = undefined;
  }
  const geo = geoConfigFromEnv();
  if (flags.geoDb?.length) geo.geoDb = flags.geoDb;
  if (flags.asnDb?.length) geo.asnDb = flags.asnDb;
  if (!flags.openData) geo.openData = false;

  const tty = !flags.quiet && process.stderr.isTTY === true;
  const status = tty ? await statusLine() : undefined;
  const capture = captureReaderOptions(flags);
  let result: Awaited<ReturnType<typeof runScan>>;
  try {
    result = await runScan(inputs, {
      store: storeOpts,
      enrich: { geo, ...(flags.inventory !== undefined ? { inventoryFile: flags.inventory } : {}) },
      rules: { paths: flags.rules ?? [], noVendors: !flags.vendors },
      baseline: flags.baseline,
      format: flags.inputFormat,
      force: flags.force,
      readerOptions: { pcap: { ...capture }, pcapng: { ...capture } },
      onProgress: status?.progress,
      onPhase: status?.phase,
    });
  } catch (e) {
    status?.stop();
    say((e as Error).message);
    return SCAN_EXIT.error;
  } finally {
    status?.stop();
    if (tempDir) rmSync(tempDir, { recursive: true, force: true });
  }

  const ranks: Record<string, number> = { info: 0, low: 1, medium: 2, high: 3, critical: 4 };
  const shown = result.alerts.filter((a) => (ranks[a.alert.severity] ?? 0) >= minRank);
  const { Output } = await import('../output.js');
  const out = new Output();
  if (flags.format === 'table') {
    const { renderReport } = await import('../report/terminal-report.js');
    const colour = process.stdout.isTTY === true && !process.env.NO_COLOR;
    if (shown.length > 0) {
      await out.write(
        `${renderReport(shown, { width: Math.min(120, process.stdout.columns ?? 100), colour, flows: flags.flows })}`,
      );
      if (flags.openData && shown.some((a) => a.alert.peerAsn || a.alert.peerCountry)) {
        const { OPEN_DATA_ATTRIBUTION } = await import('../../ingest/enrich/index.js');
        await out.write(`${OPEN_DATA_ATTRIBUTION}\n`);
      }
    }
  } else {
    const w = await import('../report/alert-writers.js');
    if (flags.format === 'jsonl') await out.write(w.alertsToJsonl(shown));
    else if (flags.format === 'csv') await out.write(w.alertsToCsv(shown));
    else {
      await out.write(
        w.alertsToJsonDocument(shown, {
          inputs: result.inputs.map((r) => ({
            file: r.file,
            status: r.status,
            format: r.format,
            sha256: r.sha256,
            ingestId: r.id,
            flows: r.flows,
            error: r.error ?? null,
          })),
          windows: result.windows.map((x) => ({
            since: new Date(x.sinceMs).toISOString(),
            until: new Date(x.untilMs).toISOString(),
          })),
        }),
      );
    }
  }
  if (!flags.quiet) printSummary(result, shown.length, flags.minSeverity, say);
  if (result.inputs.some((r) => r.status === 'failed')) return SCAN_EXIT.error;
  return shown.length > 0 ? SCAN_EXIT.alerts : SCAN_EXIT.clean;
}

const utc = (ms: number): string =>
  new Date(ms)
    .toISOString()
    .replace('T', ' ')
    .replace(/\.\d{3}Z$/, ' UTC');

function printSummary(
  r: Awaited<ReturnType<typeof import('./scan-run.js').runScan>>,
  shown: number,
  minSeverity: string,
  say: (s: string) => void,
): void {
  for (const i of r.inputs) say(inputLine(i));
  const cameras = new Set(r.alerts.map((a) => a.alert.deviceIp)).size;
  const win =
    r.windows.length === 0
      ? 'no flows'
      : r.windows.length <= 3
        ? r.windows.map((w) => `${utc(w.sinceMs)} → ${utc(w.untilMs)}`).join(', ')
        : `${r.windows.length} separate time windows from ${utc(r.windows[0]!.sinceMs)} to ${utc(r.windows[r.windows.length - 1]!.untilMs)}`;
  const counts = new Map<string, number>();
  for (const a of r.alerts) counts.set(a.alert.severity, (counts.get(a.alert.severity) ?? 0) + 1);
  const bySeverity = ['critical', 'high', 'medium', 'low', 'info']
    .filter((s) => counts.has(s))
    .map((s) => `${counts.get(s)} ${s}`)
    .join(', ');
  say(`analysed ${r.flows} flows, ${win}`);
  say(
    `${r.alerts.length} alert${r.alerts.length === 1 ? '' : 's'} on ${cameras} camera${cameras === 1 ? '' : 's'}` +
      `${bySeverity ? ` (${bySeverity})` : ''}` +
      `${shown !== r.alerts.length ? `, ${shown} at or above ${minSeverity} shown` : ''}` +
      `${r.suppressed ? `, ${r.suppressed} suppressed by rules` : ''}; ` +
      `stored: ${r.saved.created} new, ${r.saved.updated} already known${r.saved.reopened ? ` (${r.saved.reopened} reopened)` : ''} → ${r.where}` +
      ` (${r.seconds.total.toFixed(1)} s: ingest ${r.seconds.ingest.toFixed(1)} s, analysis ${r.seconds.analyse.toFixed(1)} s)`,
  );
}

function inputLine(r: IngestResult): string {
  if (r.status === 'failed') return `${r.file}: failed: ${r.error}`;
  const what = r.status === 'skipped' ? 'already stored (same SHA-256), not ingested again' : 'stored';
  // problems are counted by reason (unreadable records, and metadata cut short by the snaplen)
  const problems = r.problems.map((p) => `${p.count} ${p.reason}`).join(', ');
  return `${r.file}: ${what} (${r.format}, ${r.flows} flow${r.flows === 1 ? '' : 's'}${problems ? `; ${problems}` : ''}${r.error ? `; stopped early: ${r.error}` : ''})`;
}

/** On a terminal: what the scan is doing, and a bar for big inputs. */
async function statusLine(): Promise<{
  phase: (p: string, detail?: string) => void;
  progress: (p: import('../../ingest/pipeline/index.js').IngestProgress) => void;
  stop: () => void;
}> {
  const bar = await ProgressReporter.create(true, { minBytes: 16e6, showFlows: true, clearOnComplete: true });
  let lineShown = false;
  const clear = (): void => {
    if (lineShown) process.stderr.write('\r\x1b[K');
    lineShown = false;
  };
  const show = (s: string): void => {
    clear();
    process.stderr.write(`camwatch scan: ${s}…`);
    lineShown = true;
  };
  return {
    phase(p, detail) {
      bar.stop();
      const label = p === 'ingest' ? 'reading and storing' : p === 'analyse' ? 'analysing' : 'saving alerts';
      show(detail ? `${label} (${detail})` : label);
    },
    progress(p) {
      if (!bar.shows(p.sizeBytes)) {
        show(`reading ${p.file} (${p.index + 1}/${p.count}): ${p.flows} flows`);
        return;
      }
      clear();
      bar.update(`[${p.index + 1}/${p.count}] ${p.file}`, p.bytesRead, p.sizeBytes, p.flows);
    },
    stop() {
      bar.stop();
      clear();
    },
  };
}
