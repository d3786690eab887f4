/** Enrichment: address classes, geo/ASN, inventory, device/peer sides, camera discovery. */
export { ADDRESS_CLASSES, type AddressClass, classifyAddress, isLocalDeviceClass } from './address-class.js';
export {
  addEvidence,
  type CameraEvidence,
  type CameraEvidenceKind,
  type DiscoveredCamera,
  type DiscoveryContext,
  recogniseCameras,
} from './camera-discovery.js';
export { type DeviceSide, deviceSideOf, type PeerNameSource, peerNameOf } from './device-side.js';
export {
  type AddressInfo,
  createEnricher,
  type Enricher,
  type EnricherConfig,
  type EnricherDeps,
  type EnricherStats,
} from './enricher.js';
export {
  createGeo,
  type Geo,
  type GeoConfig,
  type GeoInfo,
  type GeoSourceInfo,
  geoConfigFromEnv,
  OPEN_DATA,
  OPEN_DATA_ATTRIBUTION,
} from './geo.js';
export {
  createInventory,
  type HostConfig,
  type Inventory,
  type InventoryConfig,
  type InventoryEntry,
  type InventoryRole,
  loadInventory,
  type SiteConfig,
} from './inventory.js';
export { normalizeAddress } from './ip-address.js';
export { CAMERA_OUI_SOURCE, type MacVendor, vendorForMac } from './vendor-oui.js';
