/**
 * Geo/ASN lookups: country, city, ASN and AS organisation of public addresses, in-process with a
 * per-address cache (Akvorado's lesson: lookups in the pipeline, stored as columns).
 *
 * Sources, consulted in order, each filling only the fields still unknown:
 *   1. `geoDb` MMDB files (GeoIP2/GeoLite2 City or Country, DB-IP, IPinfo, ip-location-db...);
 *   2. `asnDb` files: MMDB (GeoLite2-ASN, GeoIP2-ISP, ...) or range CSV (ip-location-db layout);
 *   3. the open data shipped by npm, for the kinds not configured (unless `openData: false`):
 *      country from `@ip-location-db/geo-whois-asn-country-mmdb` (CC0, one MMDB, IPv4+IPv6) and
 *      ASN + organisation from `@ip-location-db/asn` (CC BY 4.0, RouteViews + RIRs + DB-IP; CSV
 *      turned into a range table, cached on first use). Both are optionalDependencies: with
 *      `npm install --omit=optional` they are absent and only configured files answer.
 *
 * Only `public` addresses are looked up: private, CGNAT, documentation... have no place.
 * Garbage never throws: it has no fields.
 */

import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { classifyIPv4, classifyIPv6 } from './address-class.js';
import { type AsnTable, loadAsnTable } from './asn-table.js';
import { createBoundedCache } from './bounded-cache.js';
import { formatIPv4, formatIPv6, type ParsedAddress, parseAddress } from './ip-address.js';
import { type GeoInfo, type MmdbSource, openMmdb } from './mmdb-source.js';

export type { GeoInfo } from './mmdb-source.js';

export interface GeoConfig {
  /** Country/city MMDB files, first answer wins (e.g. split IPv4/IPv6 files). */
  geoDb?: string | readonly string[];
  /** ASN files: MMDB (GeoLite2-ASN, GeoIP2-ISP, DB-IP, IPinfo) or range CSV (start,end,asn,org). */
  asnDb?: string | readonly string[];
  /** Fill the kinds not configured from the open-data npm packages. Default true. */
  openData?: boolean;
  /** Per-address cache entries (two generations, so up to twice this). Default 65 536. */
  cacheSize?: number;
  /** Folder for the ASN range-table cache, `false` for none. Default: asn-table.ts defaultCacheDir(). */
  cacheDir?: string | false;
}

export interface GeoSourceInfo {
  kind: 'mmdb' | 'asn-ranges';
  files: readonly string[];
  /** MMDB database_type, or 'asn-ranges'. */
  type: string;
  /** True for the open-data default. */
  openData: boolean;
  /** Load time in ms (ASN ranges: from CSV or from the cache file). */
  loadMs: number;
  detail?: string;
}

export interface Geo {
  /**
   * What is known of an address. The returned object is shared through the cache: read it, do not
   * change it. Non-public and garbage addresses give an empty object.
   */
  lookup(ip: string): Readonly<GeoInfo>;
  /** Same for an address already parsed, given with its canonical text (the cache key). */
  lookupParsed(addr: ParsedAddress, canonicalText: string): Readonly<GeoInfo>;
  readonly sources: readonly GeoSourceInfo[];
  /** Open-data packages that were wanted but are not installed. */
  readonly missingOpenData: readonly string[];
  close(): void;
}

/** The open-data packages and the files camwatch uses from each. */
export const OPEN_DATA = {
  country: {
    pkg: '@ip-location-db/geo-whois-asn-country-mmdb',
    files: ['geo-whois-asn-country.mmdb'],
    licence:
      'CC0-1.0 (geo-whois-asn-country by sapics/ip-location-db, from RIR whois, GeoFeeds and ASN data)',
  },
  asn: {
    pkg: '@ip-location-db/asn',
    files: ['asn-ipv4-num.csv', 'asn-ipv6.csv'],
    licence: 'CC BY 4.0: RouteViews (routeviews.org), NRO (nro.net), DB-IP (db-ip.com) IP to ASN Lite',
  },
} as const;

/** Attribution the open data's licences ask for, to show wherever results are displayed. */
export const OPEN_DATA_ATTRIBUTION =
  'ASN data: RouteViews, NRO and DB-IP (https://db-ip.com), CC BY 4.0; country data: ip-location-db (CC0).';

const require = createRequire(import.meta.url);

/** Where an open-data package is installed, or undefined. */
export function openDataDir(pkg: string): string | undefined {
  try {
    return dirname(require.resolve(`${pkg}/package.json`));
  } catch {
    return undefined;
  }
}

const list = (v: string | readonly string[] | undefined): string[] =>
  v === undefined ? [] : (typeof v === 'string' ? [v] : [...v]).filter((s) => s !== '');

const isCsv = (f: string): boolean => /\.csv$/i.test(f);

/** Geo config from the environment: CAMWATCH_GEO_DB, CAMWATCH_ASN_DB (comma-separated), CAMWATCH_OPEN_DATA=0. */
export function geoConfigFromEnv(env: NodeJS.ProcessEnv = process.env): GeoConfig {
  const split = (s: string | undefined): string[] | undefined =>
    s
      ? s
          .split(',')
          .map((x) => x.trim())
          .filter(Boolean)
      : undefined;
  const cfg: GeoConfig = {};
  const g = split(env.CAMWATCH_GEO_DB);
  const a = split(env.CAMWATCH_ASN_DB);
  if (g) cfg.geoDb = g;
  if (a) cfg.asnDb = a;
  if (env.CAMWATCH_OPEN_DATA === '0' || env.CAMWATCH_OPEN_DATA === 'false') cfg.openData = false;
  return cfg;
}

const EMPTY: Readonly<GeoInfo> = Object.freeze({});

/** Open every configured source now; a missing or broken file throws CW_ERR_ENRICH_DB naming it. */
export function createGeo(config: GeoConfig = {}): Geo {
  const mmdbs: MmdbSource[] = [];
  const tables: AsnTable[] = [];
  const order: Array<{ mmdb?: MmdbSource; table?: AsnTable }> = [];
  const sources: GeoSourceInfo[] = [];
  const missingOpenData: string[] = [];

  const addMmdb = (file: string, openData: boolean): void => {
    const t0 = performance.now();
    const m = openMmdb(file);
    mmdbs.push(m);
    order.push({ mmdb: m });
    sources.push({
      kind: 'mmdb',
      files: [file],
      type: m.databaseType,
      openData,
      loadMs: performance.now() - t0,
    });
  };
  const addTable = (files: string[], openData: boolean): void => {
    const t0 = performance.now();
    const t = loadAsnTable(files, { cacheDir: config.cacheDir });
    tables.push(t);
    order.push({ table: t });
    sources.push({
      kind: 'asn-ranges',
      files,
      type: 'asn-ranges',
      openData,
      loadMs: performance.now() - t0,
      detail: `${t.v4Ranges} IPv4 + ${t.v6Ranges} IPv6 ranges from ${t.loadedFrom}${t.skippedRows ? `, ${t.skippedRows} rows skipped` : ''}`,
    });
  };

  const geoFiles = list(config.geoDb);
  const asnFiles = list(config.asnDb);
  for (const f of geoFiles) addMmdb(f, false);
  const asnCsv = asnFiles.filter(isCsv);
  for (const f of asnFiles.filter((x) => !isCsv(x))) addMmdb(f, false);
  if (asnCsv.length > 0) addTable(asnCsv, false);

  if (config.openData !== false) {
    if (geoFiles.length === 0) {
      const dir = openDataDir(OPEN_DATA.country.pkg);
      if (dir) for (const f of OPEN_DATA.country.files) addMmdb(join(dir, f), true);
      else missingOpenData.push(OPEN_DATA.country.pkg);
    }
    if (asnFiles.length === 0) {
      const dir = openDataDir(OPEN_DATA.asn.pkg);
      if (dir)
        addTable(
          OPEN_DATA.asn.files.map((f) => join(dir, f)),
          true,
        );
      else missingOpenData.push(OPEN_DATA.asn.pkg);
    }
  }

  const cache = createBoundedCache<Readonly<GeoInfo>>(config.cacheSize ?? 65_536);

  /** `text`: the canonical text of `p` (what the MMDB readers are asked). */
  const resolveUncached = (p: ParsedAddress, text: string): Readonly<GeoInfo> => {
    if ((p.version === 4 ? classifyIPv4(p.v4) : classifyIPv6(p.words)) !== 'public') return EMPTY;
    const out: GeoInfo = {};
    for (const s of order) {
      let got: GeoInfo | undefined;
      if (s.mmdb) got = s.mmdb.lookup(text);
      else if (s.table) {
        const h = p.version === 4 ? s.table.lookupV4(p.v4) : s.table.lookupV6(p.words);
        if (h) got = h.asOrg === undefined ? { asn: h.asn } : { asn: h.asn, asOrg: h.asOrg };
      }
      if (!got) continue;
      if (out.country === undefined && got.country !== undefined) out.country = got.country;
      if (out.city === undefined && got.city !== undefined) out.city = got.city;
      if (out.asn === undefined && got.asn !== undefined) {
        out.asn = got.asn;
        // an organisation belongs with its ASN: take it from the same source
        if (got.asOrg !== undefined) out.asOrg = got.asOrg;
      } else if (out.asOrg === undefined && out.asn === undefined && got.asOrg !== undefined) {
        out.asOrg = got.asOrg;
      }
    }
    return Object.freeze(out);
  };

  return {
    lookup(ip) {
      if (typeof ip !== 'string') return EMPTY;
      let v = cache.get(ip);
      if (v === undefined) {
        const p = parseAddress(ip);
        v =
          p === undefined
            ? EMPTY
            : resolveUncached(p, p.version === 4 ? formatIPv4(p.v4) : formatIPv6(p.words));
        cache.set(ip, v);
      }
      return v;
    },
    lookupParsed(p, text) {
      let v = cache.get(text);
      if (v === undefined) {
        v = resolveUncached(p, text);
        cache.set(text, v);
      }
      return v;
    },
    sources,
    missingOpenData,
    close() {
      cache.clear();
      mmdbs.length = 0;
      tables.length = 0;
      order.length = 0;
    },
  };
}
