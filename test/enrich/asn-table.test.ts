import { mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadAsnTable } from '../../ingest/enrich/asn-table.js';
import { parseAddress } from '../../ingest/enrich/ip-address.js';

const CSV = [
  '1.0.0.0,1.0.0.255,13335,"Cloudflare, Inc."',
  '16777472,16777727,13335,"Cloudflare, Inc."', // 1.0.1.0/24 as numbers, adjacent: merged
  '2.26.200.0,2.26.215.255,201907,"LLC ""SPUTNIK"""',
  'not,a,row',
  '9.9.9.9,9.9.9.8,1,backwards',
  '2001:200::,2001:200:1b9:ffff:ffff:ffff:ffff:ffff,2500,WIDE Project',
  '2606:4700::,2606:4700:1:ffff:ffff:ffff:ffff:ffff,AS13335,Cloudflare',
  '',
].join('\r\n');

const v4 = (ip: string): number => {
  const p = parseAddress(ip);
  if (p?.version !== 4) throw new Error(ip);
  return p.v4;
};
const v6 = (ip: string): Uint32Array => {
  const p = parseAddress(ip);
  if (p?.version !== 6) throw new Error(ip);
  return p.words;
};

describe('ASN range table', () => {
  const dir = mkdtempSync(join(tmpdir(), 'cw-asn-'));
  const file = join(dir, 'asn.csv');
  writeFileSync(file, CSV);

  it('reads text and numeric bounds, quoted names, IPv6, and skips bad rows', () => {
    const t = loadAsnTable([file], { cacheDir: false });
    expect(t.v4Ranges).toBe(2); // 1.0.0.0/24 and 1.0.1.0/24 merged
    expect(t.v6Ranges).toBe(2);
    expect(t.skippedRows).toBe(2);
    expect(t.lookupV4(v4('1.0.1.200'))).toEqual({ asn: 13335, asOrg: 'Cloudflare, Inc.' });
    expect(t.lookupV4(v4('2.26.210.1'))).toEqual({ asn: 201907, asOrg: 'LLC "SPUTNIK"' });
    expect(t.lookupV4(v4('1.0.2.0'))).toBeUndefined();
    expect(t.lookupV4(v4('0.255.255.255'))).toBeUndefined();
    expect(t.lookupV4(v4('255.255.255.255'))).toBeUndefined();
    expect(t.lookupV6(v6('2606:4700:1::1'))).toEqual({ asn: 13335, asOrg: 'Cloudflare' });
    expect(t.lookupV6(v6('2606:4700:2::1'))).toBeUndefined();
    expect(t.lookupV6(v6('2001:200:1b9::'))).toEqual({ asn: 2500, asOrg: 'WIDE Project' });
  });

  it('unsorted input is sorted and overlaps dropped', () => {
    const f = join(dir, 'unsorted.csv');
    writeFileSync(f, '5.0.0.0,5.0.0.255,5,five\n3.0.0.0,3.0.0.255,3,three\n3.0.0.10,3.0.0.20,33,inside\n');
    const t = loadAsnTable([f], { cacheDir: false });
    expect(t.v4Ranges).toBe(2);
    expect(t.lookupV4(v4('3.0.0.15'))?.asn).toBe(3);
    expect(t.lookupV4(v4('5.0.0.1'))?.asn).toBe(5);
  });

  it('a row overlapping the previous one keeps only its new part (upstream has such rows)', () => {
    const f = join(dir, 'overlap.csv');
    writeFileSync(f, '1.0.0.0,1.0.0.255,1,first\n1.0.0.128,1.0.1.255,2,second\n');
    const t = loadAsnTable([f], { cacheDir: false });
    expect(t.lookupV4(v4('1.0.0.200'))?.asn).toBe(1);
    expect(t.lookupV4(v4('1.0.1.5'))?.asn).toBe(2);
    expect(t.skippedRows).toBe(0);
  });

  it('the binary cache answers the same as the CSV', () => {
    const cacheDir = join(dir, 'cache');
    const a = loadAsnTable([file], { cacheDir });
    expect(a.loadedFrom).toBe('csv');
    expect(readdirSync(cacheDir).filter((f) => f.endsWith('.bin'))).toHaveLength(1);
    const b = loadAsnTable([file], { cacheDir });
    expect(b.loadedFrom).toBe('cache');
    for (const ip of ['1.0.0.1', '1.0.1.255', '2.26.200.0', '7.7.7.7'])
      expect(b.lookupV4(v4(ip))).toEqual(a.lookupV4(v4(ip)));
    expect(b.lookupV6(v6('2606:4700::1'))).toEqual(a.lookupV6(v6('2606:4700::1')));
    expect(b.skippedRows).toBe(a.skippedRows);
  });

  it('a file with no usable row is an error naming it', () => {
    const f = join(dir, 'empty.csv');
    writeFileSync(f, 'hello\nworld\n');
    expect(() => loadAsnTable([f], { cacheDir: false })).toThrow(
      expect.objectContaining({ code: 'CW_ERR_ENRICH_DB' }),
    );
  });
});
