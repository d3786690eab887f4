import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createEnricher } from '../../ingest/enrich/enricher.js';
import { jsonToFlow } from '../../ingest/pipeline/jsonl-flow-reader.js';
import { FLOW_FIELDS, type Flow, flowToJson, newFlow } from '../../model/index.js';
import { data, ROOT } from '../helpers/paths.js';
import { readFlows } from '../helpers/read-flows.js';

/**
 * The store's encoder reads every field of every flow; it is fast only while all flows share one
 * hidden class (model/new-flow.ts). V8 gives objects the same class when they got the same keys
 * in the same order, so that is what this checks, against the field table, on flows from every
 * reader after the stages that write to them (enrichment, the ingest id).
 */
const TABLE_KEYS = FLOW_FIELDS.map((f) => f.name);

const INPUTS: Array<[string, string]> = [
  ['capture (pcap, with metadata)', resolve(ROOT, 'examples/camera-vlan.pcap.gz')],
  ['capture (TLS, JA4)', data('pcap/tls/suricata-ja4-tls.pcap')],
  ['capture (DNS)', data('pcap/dns/zeek-dns-two-responses.pcap')],
  ['capture (stacked VLANs)', data('pcap/vlan/zeek-vlan-qinqinq.pcap')],
  ['captures (every real pcapng)', data('pcapng/real')],
  ['Zeek TSV', data('flowlogs/zeek/tsv/slips-test10-ipv6/conn.log')],
  ['Zeek JSON', data('flowlogs/zeek/json/slips-test9-relative-ts/conn.log')],
  ['Zeek JSON, every field', data('flowlogs/zeek/json/rita-json-all-fields/conn.log')],
  ['nfdump CSV', data('flowlogs/nfdump/slips-test1-malicious.nfdump-1.7.1-o-csv.csv')],
  ['IPFIX file', data('flowlogs/ipfix-file/ipfixcol2-example_flows.ipfix')],
  ['NetFlow and IPFIX in captures (all)', data('flowlogs/netflow/pcap')],
  ['AWS VPC (all)', data('flowlogs/aws-vpc')],
  ['generic CSV', resolve(ROOT, 'test/fixtures/flowlogs/generic-csv/firewall-traffic.csv')],
];

/** Keys out of table order, or missing, or extra: '' when the flow has exactly the table's. */
function keyMismatch(f: Flow): string {
  const keys = Object.keys(f);
  const i = keys.findIndex((k, j) => k !== TABLE_KEYS[j]);
  if (i < 0 && keys.length === TABLE_KEYS.length) return '';
  return `key ${i < 0 ? keys.length : i}: '${keys[i] ?? '(end)'}' where the table has '${TABLE_KEYS[i < 0 ? keys.length : i] ?? '(end)'}'`;
}

describe('every flow has the field table’s keys, in its order', () => {
  const enrich = createEnricher({
    geo: {
      geoDb: data('mmdb/test-data/GeoIP2-City-Test.mmdb'),
      asnDb: data('mmdb/test-data/GeoLite2-ASN-Test.mmdb'),
      openData: false,
      cacheDir: false,
    },
  });

  it.each(INPUTS)('%s, read, enriched and stamped as an ingest does', async (_, file) => {
    const { flows } = await readFlows([file]);
    expect(flows.length).toBeGreaterThan(0);
    const bad = new Set<string>();
    for (const f of flows) {
      f.ingestId = 'shape-test';
      enrich.enrich(f);
      const m = keyMismatch(f);
      if (m) bad.add(m);
    }
    expect([...bad]).toEqual([]);
  });

  it('a flow read back from jsonl, whatever keys its line had', () => {
    const f = jsonToFlow({
      ja4: 't13d1516h2_8daaf6152771_02713d6af862',
      start: '2026-11-26T10:00:00.000Z',
      end: '2026-11-26T10:00:01.500Z',
      proto: 6,
      origIp: '10.0.0.5',
      origPort: 50000,
      respIp: '89.160.20.112',
      respPort: 443,
      origPackets: 3,
      origBytes: 180,
      respPackets: 2,
      respBytes: 120,
      sourceFormat: 'pcap',
    });
    expect(typeof f).toBe('object');
    expect(keyMismatch(f as Flow)).toBe('');
  });

  it('newFlow: required fields 0 or empty, optional ones absent, the source as given', () => {
    const f = newFlow('zeek', 'conn.log', 7) as unknown as Record<string, unknown>;
    expect(Object.keys(f)).toEqual(TABLE_KEYS);
    // absent fields stay out of the jsonl object, as for a flow that never had the key
    expect(Object.keys(flowToJson(newFlow('zeek')))).toEqual(
      FLOW_FIELDS.filter((x) => x.required).map((x) => x.name),
    );
    for (const field of FLOW_FIELDS) {
      const v = f[field.name];
      if (field.name === 'sourceFormat') expect(v).toBe('zeek');
      else if (field.name === 'sourceFile') expect(v).toBe('conn.log');
      else if (field.name === 'sourceRecord') expect(v).toBe(7);
      else if (!field.required) expect(v, field.name).toBeUndefined();
      else expect(v, field.name).toBe(field.kind === 'timeMs' || field.kind === 'uint' ? 0 : '');
    }
  });
});
