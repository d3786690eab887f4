/** Runs one capture through camwatch's real reader and flow table, which call the metadata inspector. */

import type { CaptureOptions } from '../../ingest/capture/capture-reader.js';
import { DEFAULT_FLOW_TABLE_OPTIONS } from '../../ingest/flow/flow-table.js';
import type { MetaOptions } from '../../ingest/meta/index.js';
import { readInputs } from '../../ingest/read-inputs.js';
import type { DnsName, Flow } from '../../model/index.js';
import { ProblemLog } from '../../model/problem-log.js';

export interface CaptureResult {
  flows: Flow[];
  names: DnsName[];
  problems: ProblemLog;
}

export async function readCaptureWithMeta(
  path: string,
  opts: MetaOptions = { maxBytesPerFlow: 4096 },
): Promise<CaptureResult> {
  const flows: Flow[] = [];
  const names: DnsName[] = [];
  let problems = new ProblemLog();
  const capture: CaptureOptions = { flowTable: DEFAULT_FLOW_TABLE_OPTIONS, meta: opts };
  for await (const b of readInputs([path], {
    readerOptions: { '*': capture as unknown as Record<string, unknown> },
    onInputDone: (r) => {
      problems = r.stats.problems;
    },
  })) {
    flows.push(...b.flows);
    names.push(...b.names);
  }
  return { flows, names, problems };
}

/** What a capture yields, as the sets the tshark fixture lists. */
export function foundNames(r: CaptureResult) {
  const sni = new Set<string>();
  const dnsQuery = new Set<string>();
  const dnsA = new Set<string>();
  const dnsAaaa = new Set<string>();
  const httpHost = new Set<string>();
  for (const f of r.flows) {
    if (f.tlsSni) sni.add(f.tlsSni);
    if (f.dnsQuery) dnsQuery.add(f.dnsQuery);
    if (f.httpHost) httpHost.add(f.httpHost);
  }
  for (const n of r.names) {
    dnsQuery.add(n.name);
    if (n.type === 'A') dnsA.add(n.address);
    if (n.type === 'AAAA') dnsAaaa.add(n.address);
  }
  return { sni, dnsQuery, dnsA, dnsAaaa, httpHost };
}
