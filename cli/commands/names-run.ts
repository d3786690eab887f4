import { type InputResult, mergeDnsNames, readInputs } from '../../ingest/index.js';
import { type DnsName, isoTime } from '../../model/index.js';
import { Output } from '../output.js';
import { captureReaderOptions } from '../read-flags.js';
import { printReadSummary } from '../read-summary.js';
import { textTable } from '../text-table.js';
import type { NamesFlags } from './names.js';

export async function runNames(inputs: string[], flags: NamesFlags): Promise<number> {
  if (flags.format !== 'table' && flags.format !== 'jsonl') {
    process.stderr.write(`camwatch names: unknown --format '${flags.format}' (table, jsonl)\n`);
    return 2;
  }
  const results: InputResult[] = [];
  const rows = new Map<string, DnsName>();
  const t0 = performance.now();
  const capture = captureReaderOptions({ ...flags, meta: true });
  for await (const batch of readInputs(inputs, {
    format: flags.inputFormat,
    readerOptions: { pcap: { ...capture }, pcapng: { ...capture } },
    onInputDone: (r) => {
      results.push(r);
      if (r.error) process.stderr.write(`camwatch: ${r.error.message}\n`);
    },
  })) {
    mergeDnsNames(batch.names, rows);
  }
  const merged = [...rows.values()].sort((a, b) => a.firstSeen - b.firstSeen || a.name.localeCompare(b.name));
  const out = new Output();
  if (flags.format === 'jsonl') {
    let text = '';
    for (const n of merged) {
      text += `${JSON.stringify({
        client: n.client,
        name: n.name,
        type: n.type,
        address: n.address,
        ttl: n.ttl,
        firstSeen: isoTime(n.firstSeen),
        lastSeen: isoTime(n.lastSeen),
        count: n.count,
      })}\n`;
    }
    await out.write(text);
  } else {
    const rows = merged.map((n) => [
      n.client,
      n.name,
      n.type,
      n.address,
      String(n.ttl),
      isoTime(n.firstSeen),
      isoTime(n.lastSeen),
      String(n.count),
    ]);
    await out.write(
      `${textTable(['client', 'name', 'type', 'address', 'ttl', 'first seen', 'last seen', 'count'], rows, new Set([4, 7]))}\n`,
    );
  }
  if (!flags.quiet) printReadSummary(results, (performance.now() - t0) / 1000);
  return results.some((r) => r.error) ? 1 : 0;
}
