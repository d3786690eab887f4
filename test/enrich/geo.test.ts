import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { classifyAddress } from '../../ingest/enrich/address-class.js';
import { createGeo, openDataDir } from '../../ingest/enrich/geo.js';
import { readGeoRecord } from '../../ingest/enrich/mmdb-source.js';
import { CamwatchError } from '../../model/errors.js';
import { data } from '../helpers/paths.js';

const testDb = (name: string): string => data(`mmdb/test-data/${name}`);
const noCache = { openData: false, cacheDir: false } as const;

// biome-ignore lint/suspicious/noExplicitAny: free-form JSON records of the MaxMind source data
type Rec = Record<string, any>;

/** Entries of a MaxMind source-data JSON as [first address, record], skipping networks that a more
 * specific network of the same file starts inside (the lookup would answer with that one). */
function sourceEntries(name: string): Array<[string, Rec]> {
  const json = JSON.parse(readFileSync(data(`mmdb/source-data/${name}`), 'utf8')) as Array<Rec>;
  const nets: Array<{ ip: string; start: bigint; end: bigint; rec: Rec }> = [];
  for (const obj of json) {
    for (const [net, rec] of Object.entries(obj)) {
      const [addr, lenText] = net.split('/');
      const len = Number(lenText);
      const m = /^::(\d+\.\d+\.\d+\.\d+)$/.exec(addr);
      const ip = m ? m[1] : addr;
      const start = toBig(addr);
      const end = start | ((1n << BigInt(128 - len)) - 1n);
      nets.push({ ip, start, end, rec });
    }
  }
  return nets
    .filter(
      (n) =>
        !nets.some(
          (o) => o !== n && o.start <= n.start && n.start <= o.end && o.end - o.start < n.end - n.start,
        ),
    )
    .map((n) => [n.ip, n.rec]);
}

function toBig(addr: string): bigint {
  const m = /^(.*:)(\d+\.\d+\.\d+\.\d+)$/.exec(addr);
  let text = addr;
  if (m) {
    const o = m[2].split('.').map(Number);
    text = `${m[1]}${((o[0] << 8) | o[1]).toString(16)}:${((o[2] << 8) | o[3]).toString(16)}`;
  }
  const [head, tail] = text.includes('::') ? text.split('::') : [text, undefined];
  const h = head ? head.split(':') : [];
  const t = tail ? tail.split(':') : [];
  const groups = tail === undefined ? h : [...h, ...Array(8 - h.length - t.length).fill('0'), ...t];
  return groups.reduce((acc, g) => (acc << 16n) | BigInt(parseInt(g || '0', 16)), 0n);
}

describe('MaxMind test databases: answers match the source JSON', () => {
  it('GeoLite2-ASN: every public network gives its asn and organisation', () => {
    const geo = createGeo({ asnDb: testDb('GeoLite2-ASN-Test.mmdb'), ...noCache });
    let checked = 0;
    for (const [ip, rec] of sourceEntries('GeoLite2-ASN-Test.json')) {
      if (classifyAddress(ip) !== 'public') continue;
      const got = geo.lookup(ip);
      expect(got.asn, ip).toBe(rec.autonomous_system_number);
      expect(got.asOrg, ip).toBe(rec.autonomous_system_organization);
      checked++;
    }
    expect(checked).toBeGreaterThan(20);
  });

  it.each(['GeoIP2-City-Test', 'GeoLite2-City-Test', 'GeoIP2-Country-Test', 'GeoLite2-Country-Test'])(
    '%s: country (else registered country) and English city name',
    (name) => {
      const geo = createGeo({ geoDb: testDb(`${name}.mmdb`), ...noCache });
      let checked = 0;
      for (const [ip, rec] of sourceEntries(`${name}.json`)) {
        if (classifyAddress(ip) !== 'public') continue;
        const got = geo.lookup(ip);
        expect(got.country, ip).toBe(rec.country?.iso_code ?? rec.registered_country?.iso_code);
        expect(got.city, ip).toBe(rec.city?.names?.en);
        checked++;
      }
      expect(checked).toBeGreaterThan(5);
    },
  );

  it('the known addresses of PROVENANCE.md', () => {
    const geo = createGeo({
      geoDb: testDb('GeoIP2-City-Test.mmdb'),
      asnDb: testDb('GeoLite2-ASN-Test.mmdb'),
      ...noCache,
    });
    expect(geo.lookup('81.2.69.142')).toMatchObject({ country: 'GB', city: 'London' });
    expect(geo.lookup('::ffff:81.2.69.142')).toMatchObject({ country: 'GB', city: 'London' });
    expect(geo.lookup('89.160.20.112')).toMatchObject({ country: 'SE', city: 'Linköping', asn: 29518 });
    expect(geo.lookup('216.160.83.56')).toMatchObject({ country: 'US', city: 'Milton' });
    expect(geo.lookup('2a02:cf40::1')).toMatchObject({ country: 'NO' });
    expect(geo.lookup('1.128.0.1')).toMatchObject({ asn: 1221, asOrg: 'Telstra Pty Ltd' });
  });

  it('GeoIP2-ISP layout: asn, organisation, and the ISP name where no AS is given', () => {
    const geo = createGeo({ asnDb: testDb('GeoIP2-ISP-Test.mmdb'), ...noCache });
    expect(geo.lookup('1.128.0.1')).toEqual({ asn: 1221, asOrg: 'Telstra Pty Ltd' });
    expect(geo.lookup('4.0.0.1')).toEqual({ asOrg: 'Level 3 Communications' });
  });

  it('GeoIP2-Enterprise layout: traits carry the ASN', () => {
    const geo = createGeo({ geoDb: testDb('GeoIP2-Enterprise-Test.mmdb'), ...noCache });
    for (const [ip, rec] of sourceEntries('GeoIP2-Enterprise-Test.json')) {
      if (classifyAddress(ip) !== 'public' || rec.traits?.autonomous_system_number === undefined) continue;
      expect(geo.lookup(ip).asn, ip).toBe(rec.traits.autonomous_system_number);
    }
  });

  it('non-public and garbage addresses have nothing and never throw', () => {
    const geo = createGeo({ geoDb: testDb('GeoIP2-City-Test.mmdb'), ...noCache });
    for (const s of ['10.0.0.1', '192.168.1.1', 'fe80::1', 'garbage', '', '1.2.3', '::ffff:10.0.0.1']) {
      expect(geo.lookup(s)).toEqual({});
    }
    expect(geo.lookup(undefined as unknown as string)).toEqual({});
  });
});

describe('record layouts of other providers', () => {
  it('IPinfo lite / country_asn', () => {
    expect(readGeoRecord({ country_code: 'US', asn: 'AS13335', as_name: 'Cloudflare, Inc.' })).toEqual({
      country: 'US',
      asn: 13335,
      asOrg: 'Cloudflare, Inc.',
    });
    expect(readGeoRecord({ country: 'DE', country_name: 'Germany', asn: 'AS3320', as_name: 'DTAG' })).toEqual(
      {
        country: 'DE',
        asn: 3320,
        asOrg: 'DTAG',
      },
    );
  });
  it('ip-location-db country and city MMDBs', () => {
    expect(readGeoRecord({ country_code: 'jp' })).toEqual({ country: 'JP' });
    expect(readGeoRecord({ city: 'Tokyo', country_code: 'JP', latitude: 35.6 })).toEqual({
      country: 'JP',
      city: 'Tokyo',
    });
    expect(readGeoRecord({ city: '', country_code: 'US' })).toEqual({ country: 'US' });
  });
  it('DB-IP lite (MaxMind layout) and the ASN layout', () => {
    expect(readGeoRecord({ country: { iso_code: 'FR' }, city: { names: { en: 'Paris' } } })).toEqual({
      country: 'FR',
      city: 'Paris',
    });
    expect(
      readGeoRecord({ autonomous_system_number: 15169, autonomous_system_organization: 'Google LLC' }),
    ).toEqual({
      asn: 15169,
      asOrg: 'Google LLC',
    });
  });
  it('unusable records give nothing', () => {
    for (const r of [null, 'x', 42, [], {}, { a: { a: {} } }, { country: 'Germany' }, { asn: 'ASX' }]) {
      expect(readGeoRecord(r)).toBeUndefined();
    }
  });
});

describe('broken or missing databases: one CW_ERR_ENRICH_DB error naming the file', () => {
  const expectEnrichError = (file: string): void => {
    try {
      createGeo({ geoDb: file, ...noCache });
    } catch (err) {
      expect(err).toBeInstanceOf(CamwatchError);
      expect((err as CamwatchError).code).toBe('CW_ERR_ENRICH_DB');
      expect((err as CamwatchError).message).toContain(file);
      expect((err as CamwatchError).where.file).toBe(file);
      return;
    }
    throw new Error(`no error for ${file}`);
  };

  it('a missing file', () => expectEnrichError('/nonexistent/GeoLite2-City.mmdb'));
  it('a file that is not an MMDB', () => expectEnrichError(data('mmdb/source-data/GeoIP2-City-Test.json')));
  it('a missing ASN CSV', () => {
    expect(() => createGeo({ asnDb: '/nonexistent/asn.csv', ...noCache })).toThrow(/nonexistent\/asn\.csv/);
  });

  const bad = ['libmaxminddb', 'maxminddb-golang', 'maxminddb-python'].flatMap((d) =>
    readdirSync(data(`mmdb/bad-data/${d}`)).map((f) => `mmdb/bad-data/${d}/${f}`),
  );
  const brokenTestData = readdirSync(data('mmdb/test-data'))
    .filter((f) => /Broken|Invalid|broken/.test(f))
    .map((f) => `mmdb/test-data/${f}`);

  it.each([...bad, ...brokenTestData])(
    '%s fails at open with CW_ERR_ENRICH_DB, or opens and never throws',
    (rel) => {
      const file = data(rel);
      let geo: ReturnType<typeof createGeo>;
      try {
        geo = createGeo({ geoDb: file, ...noCache });
      } catch (err) {
        expect((err as CamwatchError).code).toBe('CW_ERR_ENRICH_DB');
        expect((err as Error).message).toContain(file);
        return;
      }
      for (const ip of ['1.1.1.1', '1.1.1.3', '81.2.69.142', '2001:4860::1', '8.8.8.8', '2a02:cf40::1']) {
        expect(() => geo.lookup(ip)).not.toThrow();
      }
    },
  );
});

describe('open data shipped by npm (the default)', () => {
  const installed = openDataDir('@ip-location-db/asn') !== undefined;
  it.skipIf(!installed)('resolves well-known addresses', () => {
    const geo = createGeo({ cacheDir: mkdtempSync(join(tmpdir(), 'cw-geo-')) });
    expect(geo.missingOpenData).toEqual([]);
    expect(geo.lookup('1.1.1.1')).toMatchObject({ asn: 13335, asOrg: expect.stringMatching(/cloudflare/i) });
    expect(geo.lookup('8.8.8.8')).toMatchObject({
      asn: 15169,
      asOrg: expect.stringMatching(/google/i),
      country: 'US',
    });
    expect(geo.lookup('47.88.1.1')).toMatchObject({ asn: 45102, asOrg: expect.stringMatching(/alibaba/i) });
    expect(geo.lookup('2606:4700::1111')).toMatchObject({ asn: 13335, country: 'US' });
    expect(geo.lookup('2001:4860:4860::8888')).toMatchObject({ asn: 15169 });
    expect(geo.lookup('10.1.1.1')).toEqual({});
    // the second open comes from the binary cache and answers the same
    const dir = mkdtempSync(join(tmpdir(), 'cw-geo-'));
    createGeo({ cacheDir: dir }).close();
    const again = createGeo({ cacheDir: dir });
    expect(again.sources.find((s) => s.kind === 'asn-ranges')?.detail).toMatch(/from cache/);
    expect(again.lookup('1.1.1.1')).toEqual(geo.lookup('1.1.1.1'));
    expect(again.lookup('2606:4700::1111')).toEqual(geo.lookup('2606:4700::1111'));
  });
});

describe('configuration from the environment', () => {
  it('reads CAMWATCH_GEO_DB, CAMWATCH_ASN_DB and CAMWATCH_OPEN_DATA', async () => {
    const { geoConfigFromEnv } = await import('../../ingest/enrich/geo.js');
    expect(geoConfigFromEnv({})).toEqual({});
    expect(
      geoConfigFromEnv({
        CAMWATCH_GEO_DB: 'a.mmdb, b.mmdb',
        CAMWATCH_ASN_DB: 'asn.csv',
        CAMWATCH_OPEN_DATA: '0',
      }),
    ).toEqual({ geoDb: ['a.mmdb', 'b.mmdb'], asnDb: ['asn.csv'], openData: false });
  });
});
