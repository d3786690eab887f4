import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { zeekReader } from '../../ingest/flowlogs/zeek/zeek-reader.js';
import { openInput } from '../../ingest/input/open-input.js';
import { data } from '../helpers/paths.js';
import { bytesInput, readFile, readWith } from './read-all.js';

// Expected sums below come from awk over the same files, not from camwatch, e.g.
//   awk -F'\t' '!/^#/{n++; ob+=$18; rb+=$20; op+=$17; rp+=$19} END{print n,ob,rb,op,rp}' conn.log
// and the uid join from awk over ssl.log ($10 server_name) and conn.log ($2 uid).

const sum = (xs: number[]): number => xs.reduce((a, b) => a + b, 0);

describe('zeek TSV conn.log', () => {
  it('reads every row with IP-layer bytes and packets as Zeek counted them', async () => {
    const r = await readFile(zeekReader, data('flowlogs/zeek/tsv/rita-proxy/conn.log'), {
      zeek: { join: false },
    });
    expect(r.flows).toHaveLength(463);
    expect(sum(r.flows.map((f) => f.origBytes))).toBe(440349);
    expect(sum(r.flows.map((f) => f.respBytes))).toBe(866124);
    expect(sum(r.flows.map((f) => f.origPackets))).toBe(3042);
    expect(sum(r.flows.map((f) => f.respPackets))).toBe(1741);
    expect(r.ctx.stats.problems.total).toBe(0);
    const first = r.flows[0];
    // 1672843056.913119 CXHB1X22027MRWU6D 10.136.0.18 55548 10.136.0.16 3128 tcp http,ssl 0.084044 … SF … ShADadFf
    expect(first).toMatchObject({
      start: 1672843056913.119,
      proto: 6,
      origIp: '10.136.0.18',
      origPort: 55548,
      respIp: '10.136.0.16',
      respPort: 3128,
      state: 'SF',
      tcpFlags: 0x02 | 0x10 | 0x01, // S h A D a d F f → SYN, ACK, FIN
      sourceFormat: 'zeek',
      sourceRecord: 9,
    });
    expect(first.end - first.start).toBeCloseTo(84.044, 3);
  });

  it('joins server_name from ssl.log beside it by uid (407 uids per awk)', async () => {
    const r = await readFile(zeekReader, data('flowlogs/zeek/tsv/rita-proxy/conn.log'));
    expect(r.flows.filter((f) => f.tlsSni !== undefined)).toHaveLength(407);
    expect(r.ctx.stats.counters.zeekJoinedFlows).toBe(407);
    expect(r.flows[0].tlsSni).toBe('www.google.com');
  });

  it('joins dns.log query and answers into the DNS conn flow, IPv6 ICMP gets proto 58', async () => {
    const r = await readFile(zeekReader, data('flowlogs/zeek/tsv/slips-test10-ipv6/conn.log'));
    // The first line starts with a stray TAB before #separator (as upstream): still a header.
    expect(r.flows).toHaveLength(142 - 1 + 0); // awk counts that header line as a row
    expect(sum(r.flows.map((f) => f.origBytes))).toBe(182788);
    const dns = r.flows[0];
    expect(dns.dnsQuery).toBe('clients6.google.com');
    expect(dns.dnsAnswers).toEqual(['clients.l.google.com', '172.217.23.206']);
    for (const f of r.flows.filter((x) => x.proto === 58 || x.proto === 1)) {
      expect(f.proto === 58).toBe(f.origIp.includes(':'));
      expect(f.respPort).toBe(0);
    }
  });

  it('reads rotated gzip logs and extra label columns', async () => {
    const gz = await readFile(
      zeekReader,
      data('flowlogs/zeek/gz/rita-proxy-rolling/conn.15-00-00-16-00-00.log.gz'),
    );
    expect(gz.flows).toHaveLength(290);
    // this file has a leading _node_name column: orig_ip_bytes is awk column $19 here
    expect(sum(gz.flows.map((f) => f.origBytes))).toBe(9112174);
    expect(gz.flows.filter((f) => f.tlsSni).length).toBeGreaterThan(0);
    const lab = await readFile(
      zeekReader,
      data('flowlogs/zeek/tsv/slips-ctu-sme-11-labeled/conn.log.labeled'),
    );
    expect(lab.flows).toHaveLength(766);
    expect(sum(lab.flows.map((f) => f.origBytes))).toBe(361871);
  });

  it('reads several logs concatenated, each with its own header, and #close between them', async () => {
    const a = readFileSync(data('flowlogs/zeek/tsv/rita-proxy/conn.log'));
    const b = readFileSync(data('flowlogs/zeek/tsv/slips-ctu-sme-11-labeled/conn.log.labeled'));
    const r = await readWith(zeekReader, await bytesInput(Buffer.concat([a, b, a])));
    expect(r.flows).toHaveLength(463 + 766 + 463);
    expect(r.ctx.stats.problems.total).toBe(0);
    expect(r.batches).toBeGreaterThanOrEqual(1);
  });

  it('honours a non-tab #separator and custom unset/empty markers', async () => {
    const log = [
      '#separator \\x7c',
      '#set_separator|;',
      '#empty_field|EMPTY',
      '#unset_field|NA',
      '#path|conn',
      '#fields|ts|uid|id.orig_h|id.orig_p|id.resp_h|id.resp_p|proto|duration|orig_bytes|resp_bytes|conn_state|history|orig_pkts|orig_ip_bytes|resp_pkts|resp_ip_bytes|community_id|orig_l2_addr|resp_l2_addr',
      '1700000000.5|C1|192.0.2.1|40000|198.51.100.7|443|tcp|NA|100|NA|S0|S|1|NA|0|NA|1:abc=|00:11:22:33:44:55|EMPTY',
      '#close|2024',
    ].join('\n');
    const r = await readWith(zeekReader, await bytesInput(Buffer.from(log)));
    expect(r.ctx.stats.problems.summaries()).toEqual([]);
    expect(r.flows).toHaveLength(1);
    expect(r.flows[0]).toMatchObject({
      start: 1700000000500,
      end: 1700000000500,
      origBytes: 100, // orig_ip_bytes unset → orig_bytes
      respBytes: 0,
      communityId: '1:abc=',
      origMac: '00:11:22:33:44:55',
      respMac: undefined,
      tcpFlags: 0x02,
    });
  });

  it('counts rows whose address fails the model rule (leading zeros, two ::) and reads on', async () => {
    const log = [
      '#separator \\x09',
      '#path\tconn',
      '#fields\tts\tid.orig_h\tid.orig_p\tid.resp_h\tid.resp_p\tproto',
      '1700000000\t010.1.2.3\t1\t192.0.2.2\t2\tudp',
      '1700000001\t2001:db8::1::2\t1\t2001:db8::2\t2\tudp',
      '1700000002\t::ffff:192.0.2.01\t1\t192.0.2.2\t2\tudp',
      '1700000003\t192.0.2.1\t1\t192.0.2.2\t2\tudp',
    ].join('\n');
    const r = await readWith(zeekReader, await bytesInput(Buffer.from(log)));
    expect(r.flows.map((f) => f.origIp)).toEqual(['192.0.2.1']);
    expect(r.ctx.stats.problems.count('zeek-bad-value')).toBe(3);
  });

  it('checks #types against #fields', async () => {
    const log = [
      '#separator \\x09',
      '#path\tconn',
      '#fields\tts\tid.orig_h\tid.orig_p\tid.resp_h\tid.resp_p\tproto',
      '#types\ttime\taddr\tport\taddr\tport',
      '1700000000\t192.0.2.1\t1\t192.0.2.2\t2\tudp',
    ].join('\n');
    const r = await readWith(zeekReader, await bytesInput(Buffer.from(log)));
    expect(r.ctx.stats.problems.summaries()[0].examples[0]).toMatchObject({
      where: 'line 4',
      detail: '#types lists 5 types for 6 #fields',
    });
    expect(r.flows).toHaveLength(1);
  });

  it('counts a cut-short row with its line and keeps the rest', async () => {
    const r = await readFile(zeekReader, data('flowlogs/zeek/bad/rita-truncated-conn.log'));
    expect(r.flows).toHaveLength(58); // awk: 58 rows of 21 fields, 1 of 9
    const p = r.ctx.stats.problems.summaries();
    expect(p).toHaveLength(1);
    expect(p[0].reason).toBe('zeek-field-count');
    expect(p[0].examples[0].where).toBe('line 67, byte 7775');
  });

  it('does not claim a text file that only calls itself conn.log', async () => {
    const input = await openInput(data('flowlogs/zeek/bad/rita-not-a-log-conn.log'));
    expect(zeekReader.detect(input.head, input.name)).toBe(false);
    await input.close();
  });
});

describe('zeek JSON', () => {
  it('reads conn.log JSON (python json over the file: 29 rows, orig_ip_bytes 52439)', async () => {
    const r = await readFile(zeekReader, data('flowlogs/zeek/json/rita-json-all-fields/conn.log'));
    expect(r.flows).toHaveLength(29);
    expect(sum(r.flows.map((f) => f.origBytes))).toBe(52439);
    expect(r.flows.filter((f) => f.tlsSni).length).toBeGreaterThan(0);
  });

  it('keeps relative timestamps as they are (576 rows)', async () => {
    const r = await readFile(zeekReader, data('flowlogs/zeek/json/slips-test9-relative-ts/conn.log'));
    expect(r.flows).toHaveLength(576);
    expect(sum(r.flows.map((f) => f.origBytes))).toBe(1304232);
    expect(r.flows[0].start).toBeCloseTo(22335.172, 3);
  });

  it('counts broken JSON lines and keeps community_id of good ones', async () => {
    const r = await readFile(zeekReader, data('flowlogs/zeek/bad/rita-truncated-conn_json.log'));
    expect(r.flows.length).toBeGreaterThan(0);
    expect(r.flows[0].communityId).toBe('1:o897Hf8fds7hioHIU8fdsfjhhoHJ');
    expect(r.ctx.stats.problems.count('zeek-bad-json')).toBeGreaterThan(0);
    expect(r.flows.length + r.ctx.stats.problems.total).toBeGreaterThanOrEqual(r.ctx.stats.records);
  });
});

describe('zeek dns.log → passive DNS', () => {
  it('emits one DnsName per address or CNAME answer (awk: 654 answers, TXT/PTR-less)', async () => {
    const r = await readFile(zeekReader, data('flowlogs/zeek/tsv/rita-proxy/dns.log'));
    expect(r.flows).toHaveLength(0);
    expect(r.ctx.stats.problems.total).toBe(0);
    expect(r.names.length).toBeGreaterThan(0);
    expect(r.names.length).toBeLessThanOrEqual(654);
    for (const n of r.names) expect(['A', 'AAAA', 'CNAME']).toContain(n.type);
    expect(r.names[0]).toMatchObject({ sourceFormat: 'zeek', count: 1 });
  });
});
