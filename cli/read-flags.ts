import { type Command, InvalidArgumentError } from 'commander';
import {
  type CaptureOptions,
  DEFAULT_FLOW_TABLE_OPTIONS,
  DEFAULT_META_OPTIONS,
  type FlowTableOptions,
} from '../ingest/index.js';

/** Flags shared by every command that reads inputs (flows, ingest, scan). */
export interface ReadFlagValues {
  inputFormat?: string;
  tcpIdle?: number;
  udpIdle?: number;
  otherIdle?: number;
  activeTimeout?: number;
  maxFlows?: number;
  meta: boolean;
}

const seconds = (v: string): number => {
  const n = Number(v);
  if (!Number.isFinite(n) || n <= 0) throw new InvalidArgumentError('expected a positive number of seconds');
  return n;
};
const count = (v: string): number => {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 16)
    throw new InvalidArgumentError('expected a whole number of at least 16');
  return n;
};

export function flowTableOptionsHelp(cmd: Command): Command {
  const d = DEFAULT_FLOW_TABLE_OPTIONS;
  return cmd
    .option('--input-format <format>', 'read inputs as this format instead of detecting it')
    .option('--tcp-idle <seconds>', `TCP idle timeout (default ${d.tcpIdleMs / 1000})`, seconds)
    .option('--udp-idle <seconds>', `UDP idle timeout (default ${d.udpIdleMs / 1000})`, seconds)
    .option('--other-idle <seconds>', `ICMP/other idle timeout (default ${d.otherIdleMs / 1000})`, seconds)
    .option(
      '--active-timeout <seconds>',
      `split flows longer than this (default ${d.activeMs / 1000})`,
      seconds,
    )
    .option('--max-flows <n>', `flow table bound; oldest evicted beyond (default ${d.maxFlows})`, count)
    .option('--no-meta', 'skip application metadata (DNS, TLS, HTTP…)');
}

/** The capture readers' options from the flags. */
export function captureReaderOptions(f: ReadFlagValues): CaptureOptions {
  const d = DEFAULT_FLOW_TABLE_OPTIONS;
  const flowTable: FlowTableOptions = {
    tcpIdleMs: f.tcpIdle !== undefined ? f.tcpIdle * 1000 : d.tcpIdleMs,
    udpIdleMs: f.udpIdle !== undefined ? f.udpIdle * 1000 : d.udpIdleMs,
    otherIdleMs: f.otherIdle !== undefined ? f.otherIdle * 1000 : d.otherIdleMs,
    activeMs: f.activeTimeout !== undefined ? f.activeTimeout * 1000 : d.activeMs,
    closedLingerMs: d.closedLingerMs,
    maxFlows: f.maxFlows ?? d.maxFlows,
  };
  return { flowTable, meta: f.meta ? DEFAULT_META_OPTIONS : false };
}
