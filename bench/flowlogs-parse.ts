/**
 * Parse throughput of one flow-log reader over one file, on one core: records/s and MB/s.
 *   node dist/bench/flowlogs-parse.js <format> <file> [--no-community-id]
 * Prints one JSON line. Used by bench/flowlogs-bench.sh beside `nfdump -r` on the same flows.
 */

import { readerFor } from '../ingest/formats.js';
import { openInput } from '../ingest/input/open-input.js';
import { ProblemLog } from '../model/index.js';

const args = process.argv.slice(2);
// --no-community-id: parse only (Community ID hashing is on by default in the readers).
const communityId = !args.includes('--no-community-id');
const [format, file] = args.filter((a) => !a.startsWith('--'));
if (!format || !file) {
  process.stderr.write('usage: flowlogs-parse <format> <file>\n');
  process.exit(2);
}
const reader = readerFor(format);
if (!reader) {
  process.stderr.write(`unknown format ${format}\n`);
  process.exit(2);
}
const stats = { records: 0, bytes: 0, flows: 0, problems: new ProblemLog(), counters: {} };
const ctx = { stats, options: { zeek: { join: false }, flowlogs: { communityId } } };
const t0 = process.hrtime.bigint();
const cpu0 = process.cpuUsage();
let flows = 0;
let check = 0;
for await (const b of reader.read(await openInput(file), ctx)) {
  flows += b.flows.length;
  // Touch the records so nothing is optimised away.
  for (const f of b.flows) check += f.origBytes;
}
const s = Number(process.hrtime.bigint() - t0) / 1e9;
const cpuUse = process.cpuUsage(cpu0);
// CPU seconds (user+system) of this process: on a shared machine wall time also counts waiting.
const cpu = (cpuUse.user + cpuUse.system) / 1e6;
process.stdout.write(
  `${JSON.stringify({
    format,
    file,
    communityId,
    flows,
    records: stats.records,
    problems: stats.problems.total,
    seconds: Number(s.toFixed(3)),
    cpuSeconds: Number(cpu.toFixed(3)),
    recordsPerSecond: Math.round(stats.records / s),
    recordsPerCpuSecond: Math.round(stats.records / cpu),
    mbPerSecond: Number((stats.bytes / 1e6 / s).toFixed(1)),
    peakRssMb: Math.round(process.resourceUsage().maxRSS / 1024),
    check,
  })}\n`,
);
