/**
 * The per-flow enrichment step: which side is the camera (`device*`), and what the other side is
 * (`peer*`: class, country, city, ASN, organisation, name).
 *
 * Cost: everything known of an address (class, watched or not, inventory entry, geo) is computed
 * once and kept in a bounded per-address cache keyed by the address string, so a flow costs two
 * Map hits and a few property writes; geo lookups happen once per distinct public peer. The
 * vendor of a device MAC is cached the same way. See bench/enrich-bench.ts.
 *
 * Lifetime: `createEnricher` opens every database and reads the inventory at once, so a bad file
 * fails before the first flow; `enrich` never throws (garbage addresses are class `unknown`);
 * `close` drops the caches and the geo sources it opened (not those passed in `deps`).
 */

import type { Flow } from '../../model/flow-fields.js';
import { type AddressClass, classifyIPv4, classifyIPv6 } from './address-class.js';
import { createBoundedCache } from './bounded-cache.js';
import { deviceSideOf, peerNameOf } from './device-side.js';
import { createGeo, type Geo, type GeoConfig, type GeoInfo } from './geo.js';
import {
  createInventory,
  type Inventory,
  type InventoryConfig,
  type InventoryEntry,
  loadInventory,
} from './inventory.js';
import { formatIPv4, formatIPv6, parseAddress } from './ip-address.js';
import { vendorForMac } from './vendor-oui.js';

export interface EnricherConfig {
  geo?: GeoConfig;
  /** Inventory given inline... */
  inventory?: InventoryConfig;
  /** ...or as a file (YAML/JSON config, or a cameras CSV). */
  inventoryFile?: string;
  /** Addresses cached (two generations, so up to twice this). Default 65 536. */
  cacheSize?: number;
  /**
   * Name of a peer address from DNS answers seen earlier in the same data (passive DNS kept by
   * the pipeline). Called once per flow whose own metadata names nothing better.
   */
  nameForPeer?: (ip: string) => string | undefined;
}

/** Parts built elsewhere and shared (a server keeps one Geo for all ingests). */
export interface EnricherDeps {
  geo?: Geo;
  inventory?: Inventory;
}

/** What camwatch knows of one address. Shared through the cache: read only. */
export interface AddressInfo {
  /** Canonical text (dotted IPv4, RFC 5952 IPv6), or the input when it is not an address. */
  readonly ip: string;
  readonly class: AddressClass;
  /** A watched device (camera side). */
  readonly watched: boolean;
  readonly inventory: InventoryEntry | undefined;
  readonly geo: Readonly<GeoInfo>;
}

export interface EnricherStats {
  flows: number;
  addressLookups: number;
  addressCacheMisses: number;
}

export interface Enricher {
  /** Fill the enrich-group fields of a flow in place. Never throws. */
  enrich(flow: Flow): void;
  /** Everything known of one address (what `camwatch lookup` prints). Never throws. */
  describe(ip: string): AddressInfo;
  readonly geo: Geo;
  readonly inventory: Inventory;
  readonly stats: Readonly<EnricherStats>;
  close(): void;
}

const NO_GEO: Readonly<GeoInfo> = Object.freeze({});

export function createEnricher(config: EnricherConfig = {}, deps: EnricherDeps = {}): Enricher {
  const inventory =
    deps.inventory ??
    (config.inventoryFile !== undefined
      ? loadInventory(config.inventoryFile)
      : createInventory(config.inventory ?? {}));
  const geo = deps.geo ?? createGeo(config.geo ?? {});
  const ownGeo = deps.geo === undefined;
  const cacheSize = config.cacheSize ?? 65_536;
  const infos = createBoundedCache<AddressInfo>(cacheSize);
  const macVendors = createBoundedCache<string | null>(4096);
  const nameForPeer = config.nameForPeer;
  const stats: EnricherStats = { flows: 0, addressLookups: 0, addressCacheMisses: 0 };

  const compute = (ip: string): AddressInfo => {
    const p = typeof ip === 'string' ? parseAddress(ip) : undefined;
    if (p === undefined) {
      return Object.freeze({
        ip: String(ip),
        class: 'unknown',
        watched: false,
        inventory: undefined,
        geo: NO_GEO,
      });
    }
    const cls = p.version === 4 ? classifyIPv4(p.v4) : classifyIPv6(p.words);
    const canon = p.version === 4 ? formatIPv4(p.v4) : formatIPv6(p.words);
    return Object.freeze({
      ip: canon,
      class: cls,
      watched: inventory.isWatched(p),
      inventory: inventory.lookupParsed(p),
      geo: cls === 'public' ? geo.lookupParsed(p, canon) : NO_GEO,
    });
  };

  const describe = (ip: string): AddressInfo => {
    stats.addressLookups++;
    let info = infos.get(ip);
    if (info === undefined) {
      stats.addressCacheMisses++;
      info = compute(ip);
      infos.set(ip, info);
    }
    return info;
  };

  const vendorOf = (mac: string): string | undefined => {
    let v = macVendors.get(mac);
    if (v === undefined) {
      v = vendorForMac(mac)?.vendor ?? null;
      macVendors.set(mac, v);
    }
    return v ?? undefined;
  };

  return {
    enrich(flow) {
      stats.flows++;
      const o = describe(flow.origIp);
      const r = describe(flow.respIp);
      const side = deviceSideOf(o.watched, r.watched);
      flow.deviceSide = side;
      if (side === 'none') return;
      const devIsOrig = side !== 'resp';
      const dev = devIsOrig ? o : r;
      const peer = devIsOrig ? r : o;
      flow.deviceIp = devIsOrig ? flow.origIp : flow.respIp;
      const inv = dev.inventory;
      if (inv !== undefined) {
        if (inv.name !== undefined) flow.deviceName = inv.name;
        if (inv.site !== undefined) flow.deviceSite = inv.site;
        if (inv.vendor !== undefined) flow.deviceVendor = inv.vendor;
      }
      if (flow.deviceVendor === undefined) {
        const mac = devIsOrig ? flow.origMac : flow.respMac;
        if (mac !== undefined) {
          const v = vendorOf(mac);
          if (v !== undefined) flow.deviceVendor = v;
        }
      }
      const peerIp = devIsOrig ? flow.respIp : flow.origIp;
      flow.peerIp = peerIp;
      flow.peerPort = devIsOrig ? flow.respPort : flow.origPort;
      flow.peerClass = peer.class;
      const g = peer.geo;
      if (g.country !== undefined) flow.peerCountry = g.country;
      if (g.city !== undefined) flow.peerCity = g.city;
      if (g.asn !== undefined) flow.peerAsn = g.asn;
      if (g.asOrg !== undefined) flow.peerAsOrg = g.asOrg;
      const name = peerNameOf(flow, devIsOrig, peerIp, nameForPeer);
      if (name !== undefined) {
        flow.peerName = name.name;
        flow.peerNameSource = name.source;
      }
    },
    describe,
    geo,
    inventory,
    stats,
    close() {
      infos.clear();
      macVendors.clear();
      if (ownGeo) geo.close();
    },
  };
}
