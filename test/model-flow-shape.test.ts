import { describe, expect, it } from 'vitest';
import { createEnricher } from '../ingest/enrich/enricher.js';
import { readInputs } from '../ingest/index.js';
import { FLOW_FIELDS, type Flow, flowToJson, newFlow } from '../model/index.js';
import { data } from './helpers/paths.js';

const FIELD_NAMES = FLOW_FIELDS.map((f) => f.name as string);

async function flowsOf(rel: string): Promise<Flow[]> {
  const out: Flow[] = [];
  for await (const batch of readInputs([data(rel)], {})) out.push(...batch.flows);
  return out;
}

describe('one shape for every flow (model/new-flow.ts)', () => {
  it('newFlow has every field of the table, in table order; required ones zero or empty, the rest absent', () => {
    const f = newFlow() as unknown as Record<string, unknown>;
    expect(Object.keys(f)).toEqual(FIELD_NAMES);
    for (const field of FLOW_FIELDS) {
      const want = !field.required ? undefined : field.kind === 'timeMs' || field.kind === 'uint' ? 0 : '';
      expect(f[field.name], field.name).toBe(want);
    }
    // absent fields stay out of the jsonl object, as for a flow that never had the key
    expect(Object.keys(flowToJson(newFlow()))).toEqual(
      FLOW_FIELDS.filter((x) => x.required).map((x) => x.name),
    );
  });

  it('flows from captures and from each kind of flow log keep exactly those keys after enrichment', async () => {
    const enricher = createEnricher({
      geo: {
        geoDb: data('mmdb/test-data/GeoIP2-City-Test.mmdb'),
        asnDb: data('mmdb/test-data/GeoLite2-ASN-Test.mmdb'),
        openData: false,
        cacheDir: false,
      },
    });
    for (const rel of [
      'pcap/tls/suricata-ja4-tls.pcap',
      'pcap/dns/zeek-dns-two-responses.pcap',
      'pcap/vlan/zeek-vlan-qinqinq.pcap',
      'pcapng/real',
      'flowlogs/zeek/json/rita-json-all-fields/conn.log',
      'flowlogs/zeek/tsv/slips-test10-ipv6/conn.log',
      'flowlogs/nfdump/slips-test1-malicious.nfdump-1.7.1-o-csv.csv',
      'flowlogs/aws-vpc',
      'flowlogs/netflow/pcap',
    ]) {
      const flows = await flowsOf(rel);
      expect(flows.length, rel).toBeGreaterThan(0);
      for (const f of flows) {
        enricher.enrich(f);
        f.ingestId = 'shape-test';
      }
      const shapes = new Set(flows.map((f) => Object.keys(f).join(',')));
      expect([...shapes], rel).toEqual([FIELD_NAMES.join(',')]);
    }
  });
});
