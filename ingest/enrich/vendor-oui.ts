/**
 * MAC address → camera vendor, from the compact table in camera-oui.ts (generated from the IEEE
 * registries; see scripts/build-camera-oui.mjs). Only camera and surveillance vendors are listed:
 * anything else answers `undefined`, as do locally administered (randomised) addresses.
 */

import { CAMERA_OUI, CAMERA_OUI_SOURCE, CAMERA_VENDORS } from './camera-oui.js';

export { CAMERA_OUI_SOURCE };

export interface MacVendor {
  /** Vendor name, e.g. 'Hikvision'. */
  readonly vendor: string;
  /** `camera`: the vendor makes cameras/NVRs (almost) only; `mixed`: also routers, doorbells... */
  readonly kind: 'camera' | 'mixed';
  /** The matched IEEE prefix (6, 7 or 9 hex digits). */
  readonly prefix: string;
}

/** Twelve upper-case hex digits of a MAC in any usual notation (colons, dashes, dots, none). */
export function macHex(mac: string): string | undefined {
  if (typeof mac !== 'string') return undefined;
  const hex = mac.replace(/[:\-.\s]/g, '').toUpperCase();
  return /^[0-9A-F]{12}$/.test(hex) ? hex : undefined;
}

/** The camera vendor of a MAC address, or undefined. Never throws. */
export function vendorForMac(mac: string): MacVendor | undefined {
  const hex = macHex(mac);
  if (hex === undefined) return undefined;
  if (Number.parseInt(hex.slice(0, 2), 16) & 0x02) return undefined; // locally administered
  for (const len of [9, 7, 6]) {
    const prefix = hex.slice(0, len);
    const i = CAMERA_OUI[prefix];
    if (i !== undefined) {
      const v = CAMERA_VENDORS[i];
      return { vendor: v.name, kind: v.kind, prefix };
    }
  }
  return undefined;
}
