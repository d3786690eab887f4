/**
 * `camwatch serve --host H --port P --data DIR [--inbox DIR]`: the HTTP API (alerts, triage, uploads,
 * jobs, rules, metrics) and, with --inbox, the nightly inbox, on the embedded store in DIR or the
 * ClickHouse server named by CAMWATCH_CLICKHOUSE_URL. This process owns the store: ingest while it
 * runs goes through it (upload or inbox). SIGINT/SIGTERM stop intake, finish the job in progress,
 * then close the store.
 */
import { resolve, sep } from 'node:path';
import { type Command, InvalidArgumentError } from 'commander';
import { DATA_FLAG_HELP, flowEnricher, type StoreFlagValues, storeOptionsFrom } from './ingest.js';

interface ServeFlags extends StoreFlagValues {
  host: string;
  port: number;
  inbox?: string;
  inboxStableMs: number;
  rules?: string[];
  inventory?: string;
  enrich: boolean;
  spool?: string;
  uploadMaxBytes?: number;
  rateLimit?: number;
  alertCacheMs?: number;
  corsOrigin?: string[];
  log?: boolean;
}

const whole =
  (min: number, max = Number.MAX_SAFE_INTEGER) =>
  (v: string): number => {
    const n = Number(v);
    if (!Number.isInteger(n) || n < min || n > max)
      throw new InvalidArgumentError(`expected a whole number ${min}–${max}`);
    return n;
  };

export function registerServe(program: Command): void {
  program
    .command('serve')
    .description(
      'Serve the HTTP API (alerts, triage, uploads, jobs, rules, metrics) and the optional nightly inbox',
    )
    .option('--host <host>', 'address to listen on', '127.0.0.1')
    .option('--port <port>', 'TCP port (0: any free port)', whole(0, 65535), 8080)
    .option('--data <dir>', DATA_FLAG_HELP)
    .option('--inbox <dir>', 'ingest and analyse files that appear here; move them to done/ or failed/')
    .option(
      '--inbox-stable-ms <ms>',
      'a file without a .done marker is taken after its size stays put this long',
      whole(0),
      10_000,
    )
    .option('--rules <path...>', 'operator rule packs (reloaded by POST /api/v1/rules/reload)')
    .option('--inventory <file>', 'device inventory (YAML/JSON, or a cameras CSV) for enrichment')
    .option('--no-enrich', 'store flows without geo/ASN/inventory enrichment')
    .option(
      '--spool <dir>',
      'where uploads wait for their job (default: $CAMWATCH_SPOOL or the system temp dir)',
    )
    .option('--upload-max-bytes <n>', 'largest upload (default 2 GiB)', whole(1))
    .option('--rate-limit <n>', 'requests per minute per token or address (0: off; default 600)', whole(0))
    .option(
      '--alert-cache-ms <ms>',
      'reuse alert list pages this long unless an alert changes (0: off; default 2000)',
      whole(0),
    )
    .option('--cors-origin <origin...>', 'allow these browser origins (CORS is off by default)')
    .option('--log', 'log requests as JSON lines on stderr')
    .action(async (flags: ServeFlags) => {
      process.exitCode = await runServe(flags);
    });
}

async function runServe(flags: ServeFlags): Promise<number> {
  const [{ openStore }, api] = await Promise.all([
    import('../../store/index.js'),
    import('../../api/index.js'),
  ]);
  const storeOpts = storeOptionsFrom(flags);
  const dataDir = resolve(storeOpts.dataDir ?? 'camwatch-data');
  if (flags.inbox && !storeOpts.url && `${resolve(flags.inbox)}${sep}`.startsWith(`${dataDir}${sep}`)) {
    process.stderr.write('camwatch serve: --inbox must not be inside the store directory (--data)\n');
    return 2;
  }
  const { enrich, close: closeEnricher } = await flowEnricher(flags);
  const store = await openStore(storeOpts);
  const rules = await api.createRulesHolder(flags.rules ?? []);
  const tokens = api.openTokenFile(dataDir);
  const metrics = api.createApiMetrics();
  const config = api.resolveApiConfig({
    dataDir,
    spoolDir: flags.spool ?? (process.env.CAMWATCH_SPOOL || undefined),
    rulePaths: flags.rules ?? [],
    logRequests: flags.log === true,
    ...(flags.uploadMaxBytes !== undefined ? { uploadMaxBytes: flags.uploadMaxBytes } : {}),
    ...(flags.rateLimit !== undefined ? { rateLimitMax: flags.rateLimit } : {}),
    ...(flags.alertCacheMs !== undefined ? { alertCacheMs: flags.alertCacheMs } : {}),
    ...(flags.corsOrigin ? { corsOrigins: flags.corsOrigin } : {}),
  });
  const jobs = api.createJobQueue({ store, rules, enrich, metrics }, config.jobHistory);
  const app = await api.buildApp(config, { store, tokens, rules, enrich, metrics, jobs });
  const inbox = flags.inbox
    ? api.createInbox(
        { dir: resolve(flags.inbox), pollMs: api.INBOX_DEFAULTS.pollMs, stableMs: flags.inboxStableMs },
        { jobs, log: app.log },
      )
    : undefined;
  const address = await app.listen({ host: flags.host, port: flags.port });
  inbox?.start();
  if (tokens.list().length === 0) {
    process.stderr.write(
      `camwatch serve: no API tokens yet; create one with: camwatch token create --role admin --data ${dataDir}\n`,
    );
  }
  process.stderr.write(
    `camwatch serve: listening on ${address} (store ${store.where}${inbox ? `, inbox ${resolve(flags.inbox ?? '')}` : ''}); docs at ${address}/docs\n`,
  );
  await new Promise<void>((done) => {
    const stop = (): void => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      done();
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
  process.stderr.write('camwatch serve: stopping (finishing the job in progress)\n');
  await inbox?.close();
  await app.close();
  await jobs.close();
  closeEnricher();
  await store.close();
  return 0;
}
