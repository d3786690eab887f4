import type { InputResult } from '../ingest/index.js';

/** The end-of-run summary on stderr: what was read, what was not, how fast. */
export function printReadSummary(results: InputResult[], seconds: number): void {
  let records = 0;
  let bytes = 0;
  let flows = 0;
  let problems = 0;
  const counters: Record<string, number> = {};
  for (const r of results) {
    records += r.stats.records;
    bytes += r.stats.bytes;
    flows += r.stats.flows;
    problems += r.stats.problems.total;
    for (const [k, v] of Object.entries(r.stats.counters))
      counters[k] = k === 'peakFlows' ? Math.max(counters[k] ?? 0, v) : (counters[k] ?? 0) + v;
  }
  const failed = results.filter((r) => r.error).length;
  const unknownLink = Object.entries(counters)
    .filter(([k]) => k.startsWith('unknownLinkType'))
    .reduce((a, [, v]) => a + v, 0);
  const rate = seconds > 0 ? Math.round(records / seconds) : 0;
  const parts = [
    `${results.length} input${results.length === 1 ? '' : 's'}${failed ? ` (${failed} failed)` : ''}`,
    `${records} records`,
  ];
  if (counters.ipPackets !== undefined)
    parts.push(`${counters.ipPackets} IP, ${counters.nonIpPackets ?? 0} non-IP`);
  parts.push(`${bytes} bytes`, `${flows} flows`, `${problems} malformed`);
  if (counters.ipPackets !== undefined) parts.push(`${unknownLink} unknown link type`);
  if (counters.evictedFlows) parts.push(`${counters.evictedFlows} flows evicted early`);
  parts.push(`${seconds.toFixed(2)} s`, `${rate} records/s`);
  process.stderr.write(`camwatch: ${parts.join(', ')}\n`);
  for (const r of results) {
    for (const p of r.stats.problems.summaries()) {
      const ex = p.examples[0];
      process.stderr.write(
        `  ${r.name}: ${p.count} × ${p.reason}${ex ? ` (first: ${ex.where ? `${ex.where}: ` : ''}${ex.detail})` : ''}\n`,
      );
    }
  }
}
