import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { netflowFileReader, netflowPcapReader } from '../../ingest/flowlogs/netflow/netflow-readers.js';
import { nfdumpCsvReader } from '../../ingest/flowlogs/nfdump/nfdump-reader.js';
import { openInput } from '../../ingest/input/open-input.js';
import type { Flow } from '../../model/index.js';
import { data, ROOT } from '../helpers/paths.js';
import { readFile } from './read-all.js';

const fixture = (p: string): string => resolve(ROOT, 'test/fixtures/flowlogs', p);
// ICMP: softflowd sends the type/code (ICMP_TYPE, 32) and camwatch puts type*256+code in origPort;
// nfdump 1.7.1 prints 0 for ICMPv6 there, so ports are left out of the key for ICMP.
const key = (f: Flow): string =>
  [
    f.origIp,
    f.proto === 1 || f.proto === 58 ? '-' : f.origPort,
    f.respIp,
    f.proto === 1 || f.proto === 58 ? '-' : f.respPort,
    f.proto,
    f.origPackets,
    f.origBytes,
    f.respPackets,
    f.respBytes,
  ].join(' ');

describe('NetFlow/IPFIX export captured from softflowd, checked against nfdump', () => {
  // make-fixtures.sh: softflowd -r ndpi-iphone.pcap -v N → nfcapd (→ nfdump -o csv) and tshark on lo.
  for (const v of [5, 9, 10]) {
    it(`v${v}: same flows, endpoints, packets and bytes as nfdump read from nfcapd`, async () => {
      const ours = await readFile(netflowPcapReader, fixture(`netflow/softflowd-iphone-v${v}.pcap`));
      const truth = await readFile(nfdumpCsvReader, fixture(`netflow/softflowd-iphone-v${v}.nfdump.csv`));
      expect(truth.flows.length).toBe(v === 5 ? 80 : 85);
      expect(ours.ctx.stats.problems.summaries()).toEqual([]);
      expect(ours.flows.map(key).sort()).toEqual(truth.flows.map(key).sort());
      // nfdump prints start times to the second in this layout; its duration carries ms.
      const lines = readFileSync(fixture(`netflow/softflowd-iphone-v${v}.nfdump.csv`), 'utf8').split('\n');
      const byKey = new Map(truth.flows.map((f) => [key(f), f]));
      for (const f of ours.flows) {
        const t = byKey.get(key(f))!;
        // ts and te as nfdump printed them (seconds). For softflowd's IPFIX, nfdump 1.7.1 swaps
        // flowStartSysUpTime/flowEndSysUpTime (te < ts, a wrapped duration): compare as a pair.
        const [ts, te] = lines[t.sourceRecord! - 1]
          .split(',')
          .map((x) => Date.parse(`${x.replace(' ', 'T')}Z`));
        const want = v === 10 ? [Math.min(ts, te), Math.max(ts, te)] : [ts, te];
        expect([Math.floor(f.start / 1000) * 1000, Math.floor(f.end / 1000) * 1000]).toEqual(want);
        expect(f.sourceFormat).toBe(v === 5 ? 'netflow5' : v === 9 ? 'netflow9' : 'ipfix');
      }
    });
  }

  it('detects an export capture, but not a camera capture, as netflow-pcap', async () => {
    const exp = await openInput(fixture('netflow/softflowd-iphone-v9.pcap'));
    expect(netflowPcapReader.detect(exp.head, exp.name)).toBe(true);
    const cam = await openInput(data('pcap/iot/ndpi-iphone.pcap'));
    expect(netflowPcapReader.detect(cam.head, cam.name)).toBe(false);
    await Promise.all([exp.close(), cam.close()]);
  });
});

describe('IPFIX file (RFC 5655) and captured UDP payloads', () => {
  it('reads the ipfixcol2 example file message by message: tshark finds the same records and totals', async () => {
    const r = await readFile(netflowFileReader, data('flowlogs/ipfix-file/ipfixcol2-example_flows.ipfix'));
    // make-fixtures.sh: the file cut into messages, wrapped in UDP, dissected by tshark.
    const [records, octets, packets] = readFileSync(
      fixture('netflow/ipfixcol2-example_flows.tshark-totals.txt'),
      'utf8',
    )
      .trim()
      .split(' ')
      .map(Number);
    expect(r.flows).toHaveLength(records);
    expect(r.flows.reduce((a, f) => a + f.origBytes + f.respBytes, 0)).toBe(octets);
    expect(r.flows.reduce((a, f) => a + f.origPackets + f.respPackets, 0)).toBe(packets);
    expect(r.ctx.stats.problems.summaries()).toEqual([]);
    expect(r.flows[0].sourceFormat).toBe('ipfix');
  });
});

/** tshark -T fields line: frame src src6 dst dst6 proto octets packets sport dport (lists per record). */
function tsharkTruth(name: string, rateByFrame: Record<number, number> = {}) {
  const rows = readFileSync(fixture(`netflow/dat-${name}.tshark.txt`), 'utf8')
    .split('\n')
    .filter(Boolean);
  const t = {
    records: 0,
    src: [] as string[],
    dst: [] as string[],
    octets: [] as number[],
    packets: [] as number[],
  };
  for (const r of rows) {
    const [frame, s4, s6, d4, d6, proto, oct, pkt] = r.split(' ');
    const rate = rateByFrame[Number(frame)] ?? 1;
    const list = (x: string | undefined) => (x ? x.split(',') : []);
    t.records += list(proto).length;
    t.src.push(...list(s4), ...list(s6));
    t.dst.push(...list(d4), ...list(d6));
    t.octets.push(...list(oct).map((x) => Number(x) * rate));
    t.packets.push(...list(pkt).map((x) => Number(x) * rate));
  }
  return t;
}

const sorted = <T>(xs: T[]): T[] => [...xs].sort();

describe('captured exporter datagrams (Logstash .dat files, wrapped by text2pcap), checked against tshark', () => {
  for (const name of [
    'asa',
    'h3c',
    'macaddr',
    'mikrotik',
    'netscaler',
    'nprobe',
    'paloalto',
    'softflowd9',
    'v5',
    'vmware',
    'yaf',
    'zerolen',
  ]) {
    it(`${name}: same records, addresses, bytes and packets as tshark`, async () => {
      const r = await readFile(netflowPcapReader, fixture(`netflow/dat-${name}.pcap`));
      // The Juniper MX80 v5 datagram (frame 2 of dat-v5) states sampling_interval 1000 (0x03e8) in
      // its header: camwatch scales its counts, tshark shows them raw.
      const t = tsharkTruth(name, name === 'v5' ? { 2: 1000 } : {});
      expect(r.flows).toHaveLength(t.records);
      // Uniflow records: orig is the source (biflow: see the yaf test).
      expect(sorted(r.flows.map((f) => f.origIp))).toEqual(sorted(t.src));
      expect(sorted(r.flows.map((f) => f.respIp))).toEqual(sorted(t.dst));
      if (t.octets.length === t.records)
        expect(sorted(r.flows.map((f) => f.origBytes))).toEqual(sorted(t.octets));
      if (t.packets.length === t.records)
        expect(sorted(r.flows.map((f) => f.origPackets))).toEqual(sorted(t.packets));
      expect(r.ctx.stats.problems.count('netflow-malformed')).toBe(0);
    });
  }

  it('yaf: RFC 5103 reverse elements (PEN 29305) become the resp side', async () => {
    const r = await readFile(netflowPcapReader, fixture('netflow/dat-yaf.pcap'));
    // tshark -V: Permanent Octets 132 / 200 (Reverse), Packets 2 / 2 (Reverse), 46086 → 53/udp,
    // StartTime Dec 25, 2016 12:58:35.818 UTC, End Reason idle.
    expect(r.flows[0]).toMatchObject({
      origIp: '172.16.32.201',
      origPort: 46086,
      respIp: '172.16.32.100',
      respPort: 53,
      proto: 17,
      origBytes: 132,
      respBytes: 200,
      origPackets: 2,
      respPackets: 2,
      start: Date.UTC(2016, 11, 25, 12, 58, 35, 818),
      end: Date.UTC(2016, 11, 25, 12, 58, 35, 819),
      endReason: 'idle',
    });
    expect(r.flows[1]).toMatchObject({
      origBytes: 172,
      respBytes: 92,
      origPackets: 4,
      respPackets: 2,
      endReason: 'end',
    });
  });
});

describe('sampling', () => {
  it('applies the rate an options record states per FLOW_SAMPLER_ID (Akvorado v9 captures)', async () => {
    const r = await readFile(netflowPcapReader, fixture('netflow/akvorado-multiplesamplingrates.pcap'));
    // tshark -V: options data SamplerID 1 → interval 2000, SamplerID 2 → 4000; the first data
    // records are 18 packets/1348 octets with SamplerID 2, then 4 packets/579 octets with SamplerID 1.
    expect(r.flows[0]).toMatchObject({ origPackets: 18 * 4000, origBytes: 1348 * 4000 });
    expect(r.flows[1]).toMatchObject({ origPackets: 4 * 2000, origBytes: 579 * 2000 });
  });
});

describe('captured UDP payload files read one by one', () => {
  it('a v9 datagram with its own template (softflowd, 0-length fields) gives the records tshark sees', async () => {
    const soft = await readFile(
      netflowFileReader,
      data('flowlogs/netflow/udp-payload/logstash-netflow9_test_softflowd_tpl_data.dat'),
    );
    expect(soft.flows).toHaveLength(tsharkTruth('softflowd9').records);
    expect(soft.ctx.stats.problems.total).toBe(0);
    const zero = await readFile(
      netflowFileReader,
      data('flowlogs/netflow/udp-payload/logstash-netflow9_test_0length_fields_tpl_data.dat'),
    );
    expect(zero.flows).toHaveLength(tsharkTruth('zerolen').records);
  });

  it('a data datagram without its template is counted, and invalid v5 files are refused', async () => {
    const r = await readFile(
      netflowFileReader,
      data('flowlogs/netflow/udp-payload/logstash-netflow9_test_macaddr_data.dat'),
    );
    expect(r.flows).toHaveLength(0);
    expect(r.ctx.stats.problems.count('netflow-unknown-template')).toBe(1);
    expect(r.ctx.stats.counters.netflowDataSetsWithoutTemplate).toBe(1);
    for (const bad of ['logstash-netflow5_test_invalid01.dat', 'logstash-netflow5_test_invalid02.dat']) {
      const i = await openInput(data(`flowlogs/netflow/udp-payload/${bad}`));
      expect(netflowFileReader.detect(i.head, i.name)).toBe(false);
      await i.close();
    }
  });
});

describe('Community ID on flow-log records', () => {
  it('every softflowd-exported flow carries the Community ID tshark computes for its packets', async () => {
    const ids = new Set(
      readFileSync(fixture('netflow/ndpi-iphone.community-ids.txt'), 'utf8').split('\n').filter(Boolean),
    );
    for (const v of [5, 9, 10]) {
      const r = await readFile(netflowPcapReader, fixture(`netflow/softflowd-iphone-v${v}.pcap`));
      // ICMPv6 flows: softflowd exports type/code in ICMP_TYPE (v9/IPFIX), v5 in the port; all hash alike.
      const missing = r.flows
        .filter((f) => !ids.has(f.communityId ?? ''))
        .map((f) => `${f.proto} ${f.origIp} ${f.origPort} ${f.respIp} ${f.respPort}`);
      expect(missing, `v${v}`).toEqual([]);
    }
  });

  it('is off with options.flowlogs.communityId = false', async () => {
    const r = await readFile(netflowPcapReader, fixture('netflow/softflowd-iphone-v9.pcap'), {
      flowlogs: { communityId: false },
    });
    expect(r.flows.every((f) => f.communityId === undefined)).toBe(true);
  });
});
