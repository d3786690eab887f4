import { type InputResult, readInputs } from '../../ingest/index.js';
import { type DnsName, isoTime } from '../../model/index.js';
import { Output } from '../output.js';
import { captureReaderOptions } from '../read-flags.js';
import { printReadSummary } from '../read-summary.js';
import { textTable } from '../text-table.js';
import type { NamesFlags } from './names.js';

/** Merges observations of the same (client, name, type, address): first/last seen, count, last TTL. */
export function mergeNames(names: Iterable<DnsName>): DnsName[] {
  const byKey = new Map<string, DnsName>();
  for (const n of names) {
    const key = `${n.client}\u0000${n.name}\u0000${n.type}\u0000${n.address}`;
    const m = byKey.get(key);
    if (!m) {
      byKey.set(key, { ...n });
      continue;
    }
    m.count += n.count;
    if (n.firstSeen < m.firstSeen) m.firstSeen = n.firstSeen;
    if (n.lastSeen >= m.lastSeen) {
      m.lastSeen = n.lastSeen;
      m.ttl = n.ttl;
    }
  }
  return [...byKey.values()].sort((a, b) => a.firstSeen - b.firstSeen || a.name.localeCompare(b.name));
}

export async function runNames(inputs: string[], flags: NamesFlags): Promise<number> {
  if (flags.format !== 'table' && flags.format !== 'jsonl') {
    process.stderr.write(`camwatch names: unknown --format '${flags.format}' (table, jsonl)\n`);
    return 2;
  }
  const results: InputResult[] = [];
  const all: DnsName[] = [];
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
    for (const n of batch.names) all.push(n);
  }
  const merged = mergeNames(all);
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
