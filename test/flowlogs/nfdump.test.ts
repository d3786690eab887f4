import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { nfdumpCsvReader, nfdumpJsonReader } from '../../ingest/flowlogs/nfdump/nfdump-reader.js';
import { openInput } from '../../ingest/input/open-input.js';
import { data, ROOT } from '../helpers/paths.js';
import { bytesInput, readFile, readWith } from './read-all.js';

const fixture = (p: string): string => resolve(ROOT, 'test/fixtures/flowlogs', p);
const sum = (xs: number[]): number => xs.reduce((a, b) => a + b, 0);

describe('nfdump -o csv', () => {
  it('reads the 1.7.1 CSV of a real nfcapd file and agrees with its own Summary block', async () => {
    const r = await readFile(
      nfdumpCsvReader,
      data('flowlogs/nfdump/slips-test1-malicious.nfdump-1.7.1-o-csv.csv'),
    );
    // Summary: flows,bytes,packets = 4593,241025,4652
    expect(r.flows).toHaveLength(4593);
    expect(sum(r.flows.map((f) => f.origBytes + f.respBytes))).toBe(241025);
    expect(sum(r.flows.map((f) => f.origPackets + f.respPackets))).toBe(4652);
    expect(r.ctx.stats.problems.summaries()).toEqual([]);
    // 2018-01-12 15:37:30,2018-01-12 15:37:30,0.000,147.32.80.119,147.32.82.62,52324,902,TCP,......S.,0,0,1,60,…
    expect(r.flows[0]).toMatchObject({
      start: Date.UTC(2018, 0, 12, 15, 37, 30),
      end: Date.UTC(2018, 0, 12, 15, 37, 30),
      proto: 6,
      origIp: '147.32.80.119',
      origPort: 52324,
      respIp: '147.32.82.62',
      respPort: 902,
      tcpFlags: 0x02,
      origPackets: 1,
      origBytes: 60,
      sourceFormat: 'nfdump',
      sourceRecord: 2,
    });
    expect(r.flows[1].tcpFlags).toBe(0x14); // ...A.R..
  });

  it('reports a Summary that disagrees with the records, and bad rows by line', async () => {
    const text = [
      'ts,te,td,sa,da,sp,dp,pr,flg,fwd,stos,ipkt,ibyt,opkt,obyt',
      '2024-05-01 10:00:00.250,2024-05-01 10:00:01.750,1.500,192.0.2.10,2001:db8::1,40000,443,TCP,...AP.SF,0,0,10,1000,8,4000',
      '2024-05-01 10:00:00,2024-05-01 10:00:00,0.000,not-an-ip,192.0.2.1,1,2,UDP,........,0,0,1,1,0,0',
      '2024-05-01 10:00:00,2024-05-01 10:00:00,0.000,192.0.2.1,192.0.2.2,0,8.0,ICMP,........,0,0,1,84,0,0',
      'short,row',
      'Summary',
      'flows,bytes,packets,avg_bps,avg_pps,avg_bpp',
      '9,9,9,0,0,0',
    ].join('\n');
    const r = await readWith(nfdumpCsvReader, await bytesInput(Buffer.from(text), 'mem.csv', 13));
    expect(r.flows).toHaveLength(2);
    expect(r.flows[0]).toMatchObject({
      start: Date.UTC(2024, 4, 1, 10, 0, 0, 250),
      end: Date.UTC(2024, 4, 1, 10, 0, 1, 750),
      respIp: '2001:db8::1',
      respPackets: 8,
      respBytes: 4000,
      tcpFlags: 0x1b,
    });
    expect(r.flows[1]).toMatchObject({ proto: 1, origPort: 8 * 256, respPort: 0 });
    const p = r.ctx.stats.problems;
    expect(p.count('nfdump-bad-value')).toBe(1);
    expect(p.count('nfdump-field-count')).toBe(1);
    expect(p.count('nfdump-summary-mismatch')).toBe(1);
    expect(p.summaries().find((s) => s.reason === 'nfdump-bad-value')?.examples[0].where).toMatch(/^line 3,/);
  });

  it('reads the csv-fast layout (epoch ms times)', async () => {
    const text = [
      'cnt,af,firstSeen,lastSeen,proto,srcAddr,srcPort,dstAddr,dstPort,srcAS,dstAS,input,output,flags,srcTos,packets,bytes',
      '1,2,1714557600250,1714557601000,17,10.0.0.5,5353,224.0.0.251,5353,0,0,0,0,........,0,3,300',
    ].join('\n');
    const r = await readWith(nfdumpCsvReader, await bytesInput(Buffer.from(text)));
    expect(r.flows[0]).toMatchObject({ start: 1714557600250, end: 1714557601000, proto: 17, origBytes: 300 });
  });
});

describe('nfdump -o json', () => {
  it('gives the same flows as -o csv of the same file (100 flows, fixtures by make-fixtures.sh)', async () => {
    const j = await readFile(nfdumpJsonReader, fixture('nfdump/slips-100.json'));
    const c = await readFile(nfdumpCsvReader, fixture('nfdump/slips-100.csv'));
    expect(j.flows).toHaveLength(100);
    expect(c.flows).toHaveLength(100);
    expect(j.ctx.stats.problems.total).toBe(0);
    const key = (f: (typeof j.flows)[number]) =>
      [f.origIp, f.origPort, f.respIp, f.respPort, f.proto, f.origPackets, f.origBytes, f.tcpFlags].join(' ');
    expect(j.flows.map(key)).toEqual(c.flows.map(key));
    // JSON carries milliseconds the 1.7.1 CSV start column drops.
    for (let i = 0; i < 100; i++) expect(Math.floor(j.flows[i].start / 1000)).toBe(c.flows[i].start / 1000);
  });

  it('detects each layout by its first bytes and not the other', async () => {
    const csv = await openInput(fixture('nfdump/slips-100.csv'));
    const json = await openInput(fixture('nfdump/slips-100.json'));
    expect(nfdumpCsvReader.detect(csv.head, csv.name)).toBe(true);
    expect(nfdumpJsonReader.detect(csv.head, csv.name)).toBe(false);
    expect(nfdumpJsonReader.detect(json.head, json.name)).toBe(true);
    expect(nfdumpCsvReader.detect(json.head, json.name)).toBe(false);
    expect(readFileSync(fixture('nfdump/slips-100.json'), 'utf8').startsWith('[')).toBe(true);
  });
});
