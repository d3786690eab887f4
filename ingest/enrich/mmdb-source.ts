/**
 * One MMDB file opened with the `maxmind` reader (mmdb-lib), its records read into camwatch's
 * GeoInfo whatever the provider's layout:
 *
 * | layout | country | city | asn | organisation |
 * | --- | --- | --- | --- | --- |
 * | MaxMind GeoIP2/GeoLite2 City, Country, Enterprise; DB-IP lite (same layout) | `country.iso_code` (else `registered_country.iso_code`) | `city.names.en` | `traits.autonomous_system_number` | `traits.autonomous_system_organization` |
 * | GeoLite2-ASN, GeoIP2-ISP, DB-IP ASN lite, ip-location-db asn-mmdb | — | — | `autonomous_system_number` | `autonomous_system_organization` (ISP: else `isp`/`organization`) |
 * | ip-location-db country/city MMDB | `country_code` | `city` | — | — |
 * | IPinfo (lite, country_asn, standard) | `country_code` or `country` (2-letter) | `city` | `asn` ("AS13335") | `as_name` |
 *
 * Opening reads the whole file (mmdb-lib works on a Buffer) and probes a few lookups, so a broken
 * file fails at start with one `CW_ERR_ENRICH_DB` error naming it; a lookup that still fails later
 * (corruption deep in the data section) answers "nothing known" and is counted, never thrown.
 */

import { readFileSync } from 'node:fs';
import { Reader } from 'maxmind';
import { CamwatchError } from '../../model/errors.js';

/** What camwatch keeps of a lookup. Absent = unknown. */
export interface GeoInfo {
  country?: string;
  city?: string;
  asn?: number;
  asOrg?: string;
}

export interface MmdbSource {
  readonly file: string;
  /** metadata.database_type, e.g. GeoLite2-City, GeoLite2-ASN, ipinfo country_asn. */
  readonly databaseType: string;
  readonly ipVersion: number;
  /** Lookup of a canonical address string (dotted IPv4 or IPv6). Never throws. */
  lookup(ip: string): GeoInfo | undefined;
  /** Lookups that failed inside the reader since open. */
  readonly failedLookups: number;
}

type Rec = Record<string, unknown>;

const isRec = (v: unknown): v is Rec => typeof v === 'object' && v !== null && !Array.isArray(v);
const str = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);

function countryCode(v: unknown): string | undefined {
  if (typeof v === 'string') return /^[A-Za-z]{2}$/.test(v) ? v.toUpperCase() : undefined;
  if (isRec(v)) return countryCode(v.iso_code);
  return undefined;
}

function asnNumber(v: unknown): number | undefined {
  if (typeof v === 'number') return Number.isInteger(v) && v > 0 && v < 2 ** 32 ? v : undefined;
  if (typeof v === 'string') {
    const m = /^(?:AS)?(\d{1,10})$/i.exec(v.trim());
    return m ? asnNumber(Number(m[1])) : undefined;
  }
  return undefined;
}

function cityName(v: unknown): string | undefined {
  if (typeof v === 'string') return str(v);
  if (isRec(v) && isRec(v.names)) return str(v.names.en) ?? str(Object.values(v.names)[0]);
  return undefined;
}

/** Read any of the known record layouts into a GeoInfo (exported for tests). */
export function readGeoRecord(rec: unknown): GeoInfo | undefined {
  if (!isRec(rec)) return undefined;
  const out: GeoInfo = {};
  const country =
    countryCode(rec.country) ??
    countryCode(rec.country_code) ??
    countryCode(rec.registered_country) ??
    countryCode(rec.represented_country);
  if (country) out.country = country;
  const city = cityName(rec.city);
  if (city) out.city = city;
  const traits = isRec(rec.traits) ? rec.traits : undefined;
  const asn =
    asnNumber(rec.autonomous_system_number) ??
    asnNumber(traits?.autonomous_system_number) ??
    asnNumber(rec.asn);
  if (asn !== undefined) out.asn = asn;
  const org =
    str(rec.autonomous_system_organization) ??
    str(traits?.autonomous_system_organization) ??
    str(rec.as_name) ??
    (isRec(rec.as) ? str(rec.as.name) : undefined) ??
    str(rec.isp) ??
    str(rec.organization) ??
    str(traits?.isp);
  if (org) out.asOrg = org;
  return out.country || out.city || out.asn !== undefined || out.asOrg ? out : undefined;
}

function enrichDbError(file: string, why: string, cause?: unknown): CamwatchError {
  return new CamwatchError('CW_ERR_ENRICH_DB', `${file}: ${why}`, { file, cause });
}

/** Probe addresses: each branch of the tree that a reader walks first (v4 and v6 halves). */
const PROBES_V4 = ['1.1.1.1', '8.8.8.8', '81.2.69.142', '223.255.255.1'];
const PROBES_V6 = ['2001:db8::1', '2606:4700::1111', '::1', 'fe80::1'];

/** Open an MMDB file; throws `CW_ERR_ENRICH_DB` naming the file when it is missing or broken. */
export function openMmdb(file: string): MmdbSource {
  let buf: Buffer;
  try {
    buf = readFileSync(file);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw enrichDbError(
      file,
      code === 'ENOENT' ? 'MMDB file not found' : `MMDB file cannot be read (${code ?? String(err)})`,
      err,
    );
  }
  if (buf.length >= 2 && buf[0] === 0x1f && buf[1] === 0x8b) {
    throw enrichDbError(file, 'is gzip-compressed; decompress it to a .mmdb file first');
  }
  let reader: Reader<Rec>;
  try {
    reader = new Reader<Rec>(buf);
  } catch (err) {
    throw enrichDbError(file, `not a valid MaxMind DB file (${(err as Error).message})`, err);
  }
  const meta = reader.metadata;
  const ipVersion = meta.ipVersion;
  const probes = ipVersion === 6 ? [...PROBES_V4, ...PROBES_V6] : PROBES_V4;
  for (const ip of probes) {
    try {
      const rec = reader.get(ip);
      // decoding the record fully is where broken data sections show up
      if (rec !== null) JSON.stringify(rec, (_k, v) => (typeof v === 'bigint' ? v.toString() : v));
    } catch (err) {
      throw enrichDbError(file, `broken MaxMind DB: lookup of ${ip} fails (${(err as Error).message})`, err);
    }
  }
  let failed = 0;
  return {
    file,
    databaseType: String(meta.databaseType ?? ''),
    ipVersion,
    lookup(ip) {
      if (ipVersion !== 6 && ip.includes(':')) return undefined;
      try {
        return readGeoRecord(reader.get(ip));
      } catch {
        failed++;
        return undefined;
      }
    },
    get failedLookups() {
      return failed;
    },
  };
}
