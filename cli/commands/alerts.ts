import type { Command } from 'commander';
import { DATA_FLAG_HELP, type StoreFlagValues, storeOptionsFrom } from './ingest.js';
import { SCAN_EXIT, SEVERITY_NAMES, usageExit } from './scan.js';

interface AlertsFlags extends StoreFlagValues {
  format: string;
  device?: string;
  severity?: string;
  detector?: string[];
  since?: string;
  status?: string[];
  limit?: number;
  flows?: number;
  baseline?: string;
}

const collect = (v: string, prev: string[] | undefined): string[] => [
  ...(prev ?? []),
  ...v
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean),
];

const UNIT_MS: Record<string, number> = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };

/** `--since`: an ISO-8601 date/time, or a duration back from now (`90m`, `24h`, `7d`, `2w`). */
export function parseSince(v: string, nowMs: number = Date.now()): number | undefined {
  const rel = /^(\d+(?:\.\d+)?)\s*([smhdw])$/.exec(v.trim());
  if (rel) return nowMs - Number(rel[1]) * UNIT_MS[rel[2]!]!;
  const t = Date.parse(/^\d{4}-\d{2}-\d{2}$/.test(v) ? `${v}T00:00:00Z` : v);
  return Number.isNaN(t) ? undefined : t;
}

export function registerAlerts(program: Command): void {
  program
    .command('alerts')
    .description('List stored alerts (from camwatch scan), worst first, with filters')
    .option('--data <dir>', DATA_FLAG_HELP)
    .option('-f, --format <format>', 'table (grouped per camera) | jsonl | csv | json', 'table')
    .option('--device <ip>', 'only alerts of this camera')
    .option('--severity <level>', `only alerts at or above this severity (${SEVERITY_NAMES.join(', ')})`)
    .option('--detector <name>', 'only alerts of this detector (repeatable or comma-separated)', collect)
    .option('--since <when>', 'only alerts last seen at or after: ISO date/time, or back from now (24h, 7d)')
    .option(
      '--status <status>',
      'only alerts in this triage status: open, acknowledged, resolved… (repeatable)',
      collect,
    )
    .option('--limit <n>', 'at most this many alerts (the worst)', (v) => {
      const n = Number(v);
      if (!Number.isInteger(n) || n < 1) throw new Error('expected a positive whole number');
      return n;
    })
    .option('--flows <n>', 'flows listed per alert in the table (default 3)', (v) => Number(v))
    .option('--baseline <name>', 'only alerts whose peer was new against this learned baseline')
    .addHelpText(
      'after',
      '\nExit codes: 0 listed (even none), 1 the store failed, 2 bad usage. Triage status is `open` until changed.',
    )
    .exitOverride(usageExit)
    .action(async (flags: AlertsFlags) => {
      process.exitCode = await runAlertsCommand(flags);
    });
}

async function runAlertsCommand(flags: AlertsFlags): Promise<number> {
  const say = (s: string): void => {
    process.stderr.write(`camwatch alerts: ${s}\n`);
  };
  if (!['table', 'jsonl', 'csv', 'json'].includes(flags.format)) {
    say(`unknown --format '${flags.format}' (table, jsonl, csv, json)`);
    return SCAN_EXIT.usage;
  }
  let severities: string[] | undefined;
  if (flags.severity !== undefined) {
    const i = (SEVERITY_NAMES as readonly string[]).indexOf(flags.severity);
    if (i < 0) {
      say(`unknown --severity '${flags.severity}' (${SEVERITY_NAMES.join(', ')})`);
      return SCAN_EXIT.usage;
    }
    severities = SEVERITY_NAMES.slice(i);
  }
  let sinceMs: number | undefined;
  if (flags.since !== undefined) {
    sinceMs = parseSince(flags.since);
    if (sinceMs === undefined) {
      say(`cannot read --since '${flags.since}' (an ISO date/time like 2024-03-11T08:00Z, or 24h, 7d)`);
      return SCAN_EXIT.usage;
    }
  }
  const [{ openStore }, { readAlerts }, { compareAlerts }] = await Promise.all([
    import('../../store/index.js'),
    import('./alerts-store.js'),
    import('../../analyzer/index.js'),
  ]);
  let alerts: Awaited<ReturnType<typeof readAlerts>>;
  try {
    const store = await openStore(storeOptionsFrom(flags));
    try {
      alerts = await readAlerts(store, {
        device: flags.device,
        detectors: flags.detector,
        severities,
        statuses: flags.status,
        sinceMs,
      });
    } finally {
      await store.close();
    }
  } catch (e) {
    say((e as Error).message);
    return SCAN_EXIT.error;
  }
  if (flags.baseline !== undefined)
    alerts = alerts.filter((a) => a.alert.evidence.facts?.baseline === flags.baseline);
  alerts.sort((a, b) => compareAlerts(a.alert, b.alert));
  if (flags.limit !== undefined) alerts = alerts.slice(0, flags.limit);
  const { Output } = await import('../output.js');
  const out = new Output();
  if (flags.format === 'table') {
    const { renderReport, severityCounts } = await import('../report/terminal-report.js');
    const colour = process.stdout.isTTY === true && !process.env.NO_COLOR;
    if (alerts.length) {
      await out.write(
        renderReport(alerts, {
          width: Math.min(120, process.stdout.columns ?? 100),
          colour,
          flows: flags.flows,
          status: true,
        }),
      );
      if (alerts.some((a) => a.alert.peerAsn || a.alert.peerCountry)) {
        const { OPEN_DATA_ATTRIBUTION } = await import('../../ingest/enrich/index.js');
        await out.write(`${OPEN_DATA_ATTRIBUTION}\n`);
      }
    }
    const cams = new Set(alerts.map((a) => a.alert.deviceIp)).size;
    say(
      `${alerts.length} alert${alerts.length === 1 ? '' : 's'} on ${cams} camera${cams === 1 ? '' : 's'}${alerts.length ? ` (${severityCounts(alerts)})` : ''}`,
    );
  } else {
    const w = await import('../report/alert-writers.js');
    if (flags.format === 'jsonl') await out.write(w.alertsToJsonl(alerts));
    else if (flags.format === 'csv') await out.write(w.alertsToCsv(alerts));
    else await out.write(w.alertsToJsonDocument(alerts));
  }
  return SCAN_EXIT.clean;
}
