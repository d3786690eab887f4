import {
  type FlowTableOptions,
  type InputResult,
  type ReadInputsOptions,
  readInputs,
} from '../../ingest/index.js';
import type { DnsName, Flow } from '../../model/index.js';

/** Reads inputs through the same path `camwatch flows` takes and collects everything. */
export async function readFlows(
  inputs: string[],
  opts: ReadInputsOptions = {},
): Promise<{ flows: Flow[]; names: DnsName[]; results: InputResult[] }> {
  const flows: Flow[] = [];
  const names: DnsName[] = [];
  const results: InputResult[] = [];
  for await (const b of readInputs(inputs, { ...opts, onInputDone: (r) => results.push(r) })) {
    flows.push(...b.flows);
    names.push(...b.names);
  }
  return { flows, names, results };
}

export const totalPackets = (flows: Flow[]): number =>
  flows.reduce((a, f) => a + f.origPackets + f.respPackets, 0);
export const totalBytes = (flows: Flow[]): number => flows.reduce((a, f) => a + f.origBytes + f.respBytes, 0);

/** No timeouts: one record per conversation (TCP close and port reuse still split), as tshark counts. */
export const NO_TIMEOUTS: FlowTableOptions = {
  tcpIdleMs: 1e15,
  udpIdleMs: 1e15,
  otherIdleMs: 1e15,
  activeMs: 1e15,
  closedLingerMs: 1e15,
  maxFlows: 1_000_000,
};
