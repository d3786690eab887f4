import { type Command, InvalidArgumentError } from 'commander';
import type { IngestResult } from '../../ingest/pipeline/index.js';
import type { StoreOptions } from '../../store/index.js';
import { ProgressReporter } from '../progress.js';
import { captureReaderOptions, flowTableOptionsHelp, type ReadFlagValues } from '../read-flags.js';

/** Flags of every command that opens the store. */
export interface StoreFlagValues {
  data?: string;
}

/**
 * Where the store is, from flags and the environment (resolved here, never inside store/):
 * `--data DIR` or CAMWATCH_DATA for the embedded store; CAMWATCH_CLICKHOUSE_URL (with _USER,
 * _PASSWORD, _DATABASE, _CLUSTER) for a server; CAMWATCH_RETENTION_DAYS for the TTL.
 */
export function storeOptionsFrom(flags: StoreFlagValues, env: NodeJS.ProcessEnv = process.env): StoreOptions {
  const ttl = env.CAMWATCH_RETENTION_DAYS;
  const ttlDays = ttl !== undefined && ttl !== '' ? Number(ttl) : undefined;
  if (ttlDays !== undefined && (!Number.isInteger(ttlDays) || ttlDays < 0)) {
    throw new InvalidArgumentError(`CAMWATCH_RETENTION_DAYS must be a whole number of days, got '${ttl}'`);
  }
  return {
    dataDir: flags.data ?? env.CAMWATCH_DATA ?? 'camwatch-data',
    url: env.CAMWATCH_CLICKHOUSE_URL || undefined,
    user: env.CAMWATCH_CLICKHOUSE_USER || undefined,
    password: env.CAMWATCH_CLICKHOUSE_PASSWORD || undefined,
    database: env.CAMWATCH_CLICKHOUSE_DATABASE || undefined,
    cluster: env.CAMWATCH_CLICKHOUSE_CLUSTER || undefined,
    ttlDays,
  };
}

export const DATA_FLAG_HELP = 'embedded store directory (default $CAMWATCH_DATA or ./camwatch-data)';

interface IngestFlags extends ReadFlagValues, StoreFlagValues {
  format?: string;
  force?: boolean;
  json?: boolean;
  enrich: boolean;
  inventory?: string;
  batchRows?: number;
  quiet?: boolean;
}

const rows = (v: string): number => {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError('expected a positive whole number');
  return n;
};

export function registerIngest(program: Command): void {
  const cmd = program
    .command('ingest')
    .description('Store captures and flow logs: read, enrich and write flows, one ledger entry per input')
    .argument('<inputs...>', 'capture or flow-log files, directories, or - for standard input')
    .option('--data <dir>', DATA_FLAG_HELP)
    .option('--format <format>', 'read inputs as this format instead of detecting it')
    .option('--force', 'ingest inputs again even when the same bytes were ingested (replaces their rows)')
    .option('--json', 'print one JSON object per input on stdout instead of the summary')
    .option('--no-enrich', 'store flows without geo/ASN/inventory enrichment')
    .option('--inventory <file>', 'device inventory (YAML/JSON, or a cameras CSV) for enrichment')
    .option('--batch-rows <n>', 'rows gathered before an insert starts (default 50000)', rows)
    .option('-q, --quiet', 'no progress bar or summary');
  flowTableOptionsHelp(cmd);
  cmd.action(async (inputs: string[], flags: IngestFlags) => {
    process.exitCode = await runIngestCommand(inputs, flags);
  });
}

const mb = (n: number): string => `${(n / 1e6).toFixed(1)} MB`;

/**
 * The enrichment hook of the storing commands (`--no-enrich` leaves it out); the geo/ASN reader loads
 * only when it is used.
 */
export async function flowEnricher(flags: { enrich: boolean; inventory?: string }): Promise<{
  enrich: ((f: import('../../model/index.js').Flow) => void) | undefined;
  close: () => void;
}> {
  if (!flags.enrich) return { enrich: undefined, close: () => {} };
  const { createEnricher, geoConfigFromEnv } = await import('../../ingest/enrich/index.js');
  const enricher = createEnricher({ geo: geoConfigFromEnv(), inventoryFile: flags.inventory });
  return { enrich: (f) => enricher.enrich(f), close: () => enricher.close() };
}

async function runIngestCommand(inputs: string[], flags: IngestFlags): Promise<number> {
  const [{ openStore }, { runIngest }] = await Promise.all([
    import('../../store/index.js'),
    import('../../ingest/pipeline/index.js'),
  ]);
  const { enrich, close: closeEnricher } = await flowEnricher(flags);
  const store = await openStore(storeOptionsFrom(flags));
  const capture = captureReaderOptions(flags);
  const showProgress = !flags.quiet && !flags.json && process.stderr.isTTY === true;
  // Files only (stdin has no size); small inputs finish before a bar helps.
  const bar = await ProgressReporter.create(showProgress, { minBytes: 16e6, showFlows: true });
  const t0 = performance.now();
  let results: IngestResult[];
  try {
    results = await runIngest(inputs, {
      store,
      format: flags.format ?? flags.inputFormat,
      force: flags.force,
      enrich,
      batchRows: flags.batchRows,
      readerOptions: { pcap: { ...capture }, pcapng: { ...capture } },
      onProgress: (p) =>
        bar.update(`[${p.index + 1}/${p.count}] ${p.file}`, p.bytesRead, p.sizeBytes, p.flows),
    });
  } finally {
    bar?.stop();
    closeEnricher();
    await store.close();
  }
  const seconds = (performance.now() - t0) / 1000;
  if (flags.json) {
    for (const r of results) {
      const line = {
        id: r.id,
        file: r.file,
        status: r.status,
        format: r.format,
        sha256: r.sha256,
        records: r.records,
        flows: r.flows,
        names: r.names,
        rejected: r.rejected,
        bytes: r.bytes,
        seconds: Number(r.seconds.toFixed(3)),
        error: r.error ?? null,
        problems: r.problems.map(({ reason, count }) => ({ reason, count })),
      };
      process.stdout.write(`${JSON.stringify(line)}\n`);
    }
  } else if (!flags.quiet) {
    printSummary(results, seconds, store.where);
  }
  return results.some((r) => r.status === 'failed') ? 1 : 0;
}

function printSummary(results: IngestResult[], seconds: number, where: string): void {
  let flows = 0;
  let records = 0;
  let bytes = 0;
  let rejected = 0;
  for (const r of results) {
    const verb = r.status === 'skipped' ? 'already stored, skipped' : r.status;
    const detail =
      r.status === 'failed'
        ? `: ${r.error}`
        : ` (${r.format}, ${r.flows} flow${r.flows === 1 ? '' : 's'}${r.rejected ? `, ${r.rejected} rejected` : ''}${r.error ? `; stopped early: ${r.error}` : ''})`;
    process.stderr.write(`camwatch: ${r.file}: ${verb}${detail}\n`);
    for (const p of r.problems) {
      const ex = p.examples[0];
      process.stderr.write(
        `  ${p.count} × ${p.reason}${ex ? ` (first: ${ex.where ? `${ex.where}: ` : ''}${ex.detail})` : ''}\n`,
      );
    }
    if (r.status !== 'complete') continue;
    flows += r.flows;
    records += r.records;
    bytes += r.bytes;
    rejected += r.rejected;
  }
  const rate = seconds > 0 ? Math.round(flows / seconds) : 0;
  const failed = results.filter((r) => r.status === 'failed').length;
  const skipped = results.filter((r) => r.status === 'skipped').length;
  process.stderr.write(
    `camwatch: ${results.length} input${results.length === 1 ? '' : 's'}` +
      `${failed ? `, ${failed} failed` : ''}${skipped ? `, ${skipped} skipped` : ''}: ` +
      `${records} records, ${mb(bytes)}, ${flows} flows stored, ${rejected} rejected, ` +
      `${seconds.toFixed(2)} s, ${rate} flows/s → ${where}\n`,
  );
}
