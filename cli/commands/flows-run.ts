import { type InputResult, readInputs } from '../../ingest/index.js';
import { FLOW_CSV_HEADER, type Flow, flowToCsvRow, flowToJsonLine, isoTime } from '../../model/index.js';
import { Output } from '../output.js';
import { ProgressReporter } from '../progress.js';
import { captureReaderOptions } from '../read-flags.js';
import { printReadSummary } from '../read-summary.js';
import type { FlowsFlags } from './flows.js';

const PROTO_NAMES: Record<number, string> = { 1: 'icmp', 6: 'tcp', 17: 'udp', 58: 'icmp6', 132: 'sctp' };

function endpoint(ip: string, port: number, proto: number): string {
  if (proto !== 6 && proto !== 17 && proto !== 132) return ip;
  return ip.includes(':') ? `[${ip}]:${port}` : `${ip}:${port}`;
}

const TABLE_HEADER = `${'start'.padEnd(24)}  ${'proto'.padEnd(5)}  ${'originator'.padEnd(30)}  ${'responder'.padEnd(30)}  ${'pkts'.padStart(13)}  ${'bytes'.padStart(17)}  ${'state'.padEnd(6)}  name`;

function tableRow(f: Flow): string {
  const name = f.tlsSni ?? f.httpHost ?? f.dnsQuery ?? '';
  return `${isoTime(f.start)}  ${(PROTO_NAMES[f.proto] ?? String(f.proto)).padEnd(5)}  ${endpoint(f.origIp, f.origPort, f.proto).padEnd(30)}  ${endpoint(f.respIp, f.respPort, f.proto).padEnd(30)}  ${`${f.origPackets}/${f.respPackets}`.padStart(13)}  ${`${f.origBytes}/${f.respBytes}`.padStart(17)}  ${(f.state ?? '').padEnd(6)}  ${name}`;
}

export async function runFlows(inputs: string[], flags: FlowsFlags): Promise<number> {
  const out = new Output();
  const formatLine =
    flags.format === 'jsonl' ? flowToJsonLine : flags.format === 'csv' ? flowToCsvRow : tableRow;
  if (flags.format !== 'jsonl' && flags.format !== 'csv' && flags.format !== 'table') {
    process.stderr.write(`camwatch flows: unknown --format '${flags.format}' (table, jsonl, csv)\n`);
    return 2;
  }
  if (flags.format === 'csv') await out.write(`${FLOW_CSV_HEADER}\n`);
  if (flags.format === 'table') await out.write(`${TABLE_HEADER}\n`);
  const results: InputResult[] = [];
  const progress = await ProgressReporter.create(!flags.quiet);
  const t0 = performance.now();
  const capture = captureReaderOptions(flags);
  const readerOptions = { pcap: { ...capture }, pcapng: { ...capture } };
  for await (const batch of readInputs(inputs, {
    format: flags.inputFormat,
    readerOptions,
    onProgress: (name, done, total) => progress.update(name, done, total),
    onInputDone: (r) => {
      results.push(r);
      progress.stop();
      if (r.error) process.stderr.write(`camwatch: ${r.error.message}\n`);
    },
  })) {
    if (out.isClosed) break;
    let text = '';
    for (const f of batch.flows) text += `${formatLine(f)}\n`;
    await out.write(text);
  }
  progress.stop();
  if (!flags.quiet) printReadSummary(results, (performance.now() - t0) / 1000);
  return results.some((r) => r.error) ? 1 : 0;
}
