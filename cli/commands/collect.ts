import { type Command, InvalidArgumentError } from 'commander';
import { CamwatchError, FLOW_CSV_HEADER, flowToCsvRow, flowToJsonLine } from '../../model/index.js';
import { Output } from '../output.js';

export interface CollectFlags {
  listen: string;
  format: 'jsonl' | 'csv';
  count?: number;
  duration?: number;
  quiet?: boolean;
}

const positive = (v: string): number => {
  const n = Number(v);
  if (!Number.isFinite(n) || n <= 0) throw new InvalidArgumentError('expected a positive number');
  return n;
};

export function registerCollect(program: Command): void {
  program
    .command('collect')
    .description('Receive NetFlow v5/v9/IPFIX on a UDP port and print the flows as they arrive')
    .requiredOption('-l, --listen <host:port>', 'UDP address to listen on, e.g. 127.0.0.1:2055 or [::]:4739')
    .option('-f, --format <format>', 'jsonl | csv', 'jsonl')
    .option('-n, --count <flows>', 'stop after this many flows', positive)
    .option('-d, --duration <seconds>', 'stop after this many seconds', positive)
    .option('-q, --quiet', 'no summary on stderr')
    .action(async (flags: CollectFlags) => {
      process.exitCode = await runCollect(flags);
    });
}

/**
 * `camwatch collect`: a UDP NetFlow/IPFIX collector printing flows (jsonl or csv) until --count
 * flows, --duration seconds, or SIGINT/SIGTERM. The same decoder reads IPFIX files and captures.
 */
export async function runCollect(flags: CollectFlags): Promise<number> {
  // Imported here so other commands do not load the collector.
  const { createUdpCollector, parseListen } = await import('../../ingest/flowlogs/index.js');
  if (flags.format !== 'jsonl' && flags.format !== 'csv') {
    process.stderr.write(`camwatch collect: unknown --format '${flags.format}' (jsonl, csv)\n`);
    return 2;
  }
  let listen: { host: string; port: number };
  try {
    listen = parseListen(flags.listen);
  } catch (err) {
    process.stderr.write(`camwatch collect: ${(err as Error).message}\n`);
    return 2;
  }
  const collector = createUdpCollector({ ...listen, flushIntervalMs: 200 });
  try {
    const bound = await collector.start();
    if (!flags.quiet) {
      const host = bound.address.includes(':') ? `[${bound.address}]` : bound.address;
      process.stderr.write(`camwatch collect: listening on udp ${host}:${bound.port}\n`);
    }
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    process.stderr.write(`camwatch collect: cannot listen on ${flags.listen} (${e.code ?? e.message})\n`);
    return 2;
  }
  const stop = (): void => {
    void collector.close();
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  const timer = flags.duration ? setTimeout(stop, flags.duration * 1000) : undefined;
  const out = new Output();
  const line = flags.format === 'csv' ? flowToCsvRow : flowToJsonLine;
  if (flags.format === 'csv') await out.write(`${FLOW_CSV_HEADER}\n`);
  let printed = 0;
  try {
    for await (const batch of collector.batches()) {
      let text = '';
      for (const f of batch.flows) {
        if (flags.count !== undefined && printed >= flags.count) break;
        text += `${line(f)}\n`;
        printed++;
      }
      await out.write(text);
      if ((flags.count !== undefined && printed >= flags.count) || out.isClosed) stop();
    }
  } catch (err) {
    if (!(err instanceof CamwatchError)) throw err;
    process.stderr.write(`camwatch collect: ${err.message}\n`);
    return 1;
  } finally {
    if (timer) clearTimeout(timer);
    process.off('SIGINT', stop);
    process.off('SIGTERM', stop);
  }
  if (!flags.quiet) {
    const s = collector.stats;
    process.stderr.write(
      `camwatch collect: ${s.datagrams} datagrams from ${s.exporters} exporters, ${s.flows} flows` +
        (s.droppedFlows ? `, ${s.droppedFlows} dropped (consumer too slow)` : '') +
        '\n',
    );
    for (const p of collector.problems.summaries()) {
      process.stderr.write(`  ${p.count} × ${p.reason}: ${p.examples[0]?.detail ?? ''}\n`);
    }
  }
  return 0;
}
