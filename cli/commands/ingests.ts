import type { Command } from 'commander';
import { DATA_FLAG_HELP, type StoreFlagValues, storeOptionsFrom } from './ingest.js';

interface IngestsFlags extends StoreFlagValues {
  format: 'table' | 'jsonl';
  status?: string;
}

const iso = (ms: number | undefined): string | null => (ms === undefined ? null : new Date(ms).toISOString());

export function registerIngests(program: Command): void {
  program
    .command('ingests')
    .description('List the ingest ledger: every input stored, its SHA-256, counts and status')
    .option('--data <dir>', DATA_FLAG_HELP)
    .option('-f, --format <format>', 'table | jsonl', 'table')
    .option('--status <status>', 'only ingests in this status: running, complete, failed')
    .action(async (flags: IngestsFlags) => {
      if (flags.format !== 'table' && flags.format !== 'jsonl') {
        process.stderr.write(`camwatch ingests: unknown --format '${flags.format}' (table, jsonl)\n`);
        process.exitCode = 2;
        return;
      }
      if (flags.status !== undefined && !['running', 'complete', 'failed'].includes(flags.status)) {
        process.stderr.write(
          `camwatch ingests: unknown --status '${flags.status}' (running, complete, failed)\n`,
        );
        process.exitCode = 2;
        return;
      }
      const { openStore, listIngests } = await import('../../store/index.js');
      const store = await openStore(storeOptionsFrom(flags));
      let ledger: Awaited<ReturnType<typeof listIngests>>;
      try {
        ledger = await listIngests(store, {
          status: flags.status as 'running' | 'complete' | 'failed' | undefined,
        });
      } finally {
        await store.close();
      }
      if (flags.format === 'jsonl') {
        let text = '';
        for (const r of ledger) {
          text += `${JSON.stringify({
            id: r.id,
            sha256: r.sha256,
            file: r.file,
            format: r.format,
            status: r.status,
            records: r.records,
            flows: r.flows,
            names: r.names,
            rejected: r.rejected,
            bytes: r.bytes,
            startedAt: iso(r.startedAt),
            finishedAt: iso(r.finishedAt),
            error: r.error ?? null,
          })}\n`;
        }
        process.stdout.write(text);
        return;
      }
      const { textTable, humanNumber } = await import('../text-table.js');
      const rows = ledger.map((r) => [
        r.id.slice(0, 8),
        r.status,
        r.format,
        humanNumber(r.flows),
        humanNumber(r.rejected),
        iso(r.startedAt)?.slice(0, 19).replace('T', ' ') ?? '',
        r.finishedAt !== undefined ? `${((r.finishedAt - r.startedAt) / 1000).toFixed(1)} s` : '',
        r.sha256.slice(0, 12),
        r.file + (r.error ? `  (${r.error})` : ''),
      ]);
      process.stdout.write(
        `${textTable(
          ['id', 'status', 'format', 'flows', 'rejected', 'started (UTC)', 'took', 'sha256', 'file'],
          rows,
          new Set([3, 4, 6]),
        )}\n`,
      );
    });
}
