/**
 * Recognising cameras from the traffic itself, for networks without an inventory. Pure functions:
 * the pipeline calls `recogniseCameras(flow, ctx)` per flow and keeps what it returns (with
 * `addEvidence`) next to the devices it stores.
 *
 * What counts, for a local host (private or unique-local, or what `ctx.isLocal` says):
 *   - `rtsp-server`: it answers TCP on 554/8554 (or the flow was recognised as RTSP);
 *   - `onvif-server`: it answers HTTP on 80/8000/8080 (or any port) with ONVIF SOAP (path /onvif/,
 *     or a SOAPAction in the onvif.org namespace);
 *   - `ws-discovery`: it sends from UDP 3702 (ONVIF WS-Discovery Hello / ProbeMatch);
 *   - `vendor-service`: it answers a camera vendor's private protocol port (Dahua 37777,
 *     XMEye/Xiongmai 34567);
 *   - `serves-nvr`: an NVR/VMS from the inventory pulls from it (any TCP service that answers);
 *   - `camera-oui`: its MAC belongs to a camera-only vendor (`mixed`-vendor MACs give a weak
 *     `vendor-oui` hint: TP-Link or Ubiquiti also make routers).
 *
 * A server counts only when it answered (response packets seen), so a scan of closed ports marks
 * nothing.
 */

import type { Flow } from '../../model/flow-fields.js';
import { classifyAddress, isLocalDeviceClass } from './address-class.js';
import { vendorForMac } from './vendor-oui.js';

export type CameraEvidenceKind =
  | 'rtsp-server'
  | 'onvif-server'
  | 'ws-discovery'
  | 'vendor-service'
  | 'serves-nvr'
  | 'camera-oui'
  | 'vendor-oui';

export interface CameraEvidence {
  readonly ip: string;
  readonly mac?: string;
  readonly how: CameraEvidenceKind;
  /** `strong`: enough alone to call the host a camera; `weak`: a hint. */
  readonly strength: 'strong' | 'weak';
  /** Vendor when the evidence names one (OUI, vendor port). */
  readonly vendor?: string;
  /** Plain words for the analyst, e.g. "answers RTSP on TCP 554". */
  readonly detail: string;
}

export interface DiscoveryContext {
  /** Is this a local host (a candidate device)? Default: private or unique-local. */
  isLocal?(ip: string): boolean;
  /** Is this an NVR/VMS (from the inventory)? Default: none. */
  isNvr?(ip: string): boolean;
}

const TCP = 6;
const UDP = 17;
const RTSP_PORTS = new Set([554, 8554]);
const ONVIF_HTTP_PORTS = new Set([80, 8000, 8080]);
const VENDOR_PORTS = new Map<number, string>([
  [37777, 'Dahua'],
  [34567, 'Xiongmai'],
]);

const defaultIsLocal = (ip: string): boolean => isLocalDeviceClass(classifyAddress(ip));

function isOnvifRequest(flow: Flow): boolean {
  if (flow.httpPath !== undefined && /\/onvif\//i.test(flow.httpPath)) return true;
  return flow.soapAction !== undefined && /onvif\.org/i.test(flow.soapAction);
}

/** Evidence that a side of this flow is a camera; empty when none. Never throws. */
export function recogniseCameras(flow: Flow, ctx: DiscoveryContext = {}): CameraEvidence[] {
  const out: CameraEvidence[] = [];
  const isLocal = ctx.isLocal ?? defaultIsLocal;
  const { respIp, origIp } = flow;
  if (typeof respIp !== 'string' || typeof origIp !== 'string') return out;
  const answered = (flow.respPackets ?? 0) > 0;
  const respLocal = isLocal(respIp);
  const origLocal = isLocal(origIp);
  const withMac = (mac: string | undefined): { mac?: string } => (mac === undefined ? {} : { mac });

  if (respLocal && answered) {
    const port = flow.respPort;
    if (flow.proto === TCP && (RTSP_PORTS.has(port) || flow.appProto === 'rtsp')) {
      out.push({
        ip: respIp,
        ...withMac(flow.respMac),
        how: 'rtsp-server',
        strength: 'strong',
        detail: `answers RTSP on TCP ${port}`,
      });
    }
    if (flow.proto === TCP && isOnvifRequest(flow)) {
      out.push({
        ip: respIp,
        ...withMac(flow.respMac),
        how: 'onvif-server',
        strength: ONVIF_HTTP_PORTS.has(port) ? 'strong' : 'weak',
        detail: `answers ONVIF SOAP on TCP ${port}${flow.httpPath ? ` (${flow.httpPath})` : ''}`,
      });
    }
    const vendor = flow.proto === TCP ? VENDOR_PORTS.get(port) : undefined;
    if (vendor !== undefined) {
      out.push({
        ip: respIp,
        ...withMac(flow.respMac),
        how: 'vendor-service',
        strength: 'strong',
        vendor,
        detail: `answers the ${vendor} device protocol on TCP ${port}`,
      });
    }
    if (flow.proto === TCP && ctx.isNvr?.(origIp)) {
      out.push({
        ip: respIp,
        ...withMac(flow.respMac),
        how: 'serves-nvr',
        strength: 'strong',
        detail: `serves NVR ${origIp} on TCP ${port}`,
      });
    }
  }
  if (origLocal && flow.proto === UDP && flow.origPort === 3702) {
    out.push({
      ip: origIp,
      ...withMac(flow.origMac),
      how: 'ws-discovery',
      strength: 'strong',
      detail: 'sends ONVIF WS-Discovery from UDP 3702',
    });
  }
  for (const [ip, mac, local] of [
    [origIp, flow.origMac, origLocal],
    [respIp, flow.respMac, respLocal],
  ] as const) {
    if (!local || mac === undefined) continue;
    const v = vendorForMac(mac);
    if (v === undefined) continue;
    out.push({
      ip,
      mac,
      how: v.kind === 'camera' ? 'camera-oui' : 'vendor-oui',
      strength: v.kind === 'camera' ? 'strong' : 'weak',
      vendor: v.vendor,
      detail: `MAC ${mac} is registered to ${v.vendor} (IEEE prefix ${v.prefix})`,
    });
  }
  return out;
}

/** A host recognised as a camera, with every distinct way it was recognised. */
export interface DiscoveredCamera {
  ip: string;
  mac?: string;
  vendor?: string;
  /** True once any strong evidence was seen. */
  camera: boolean;
  evidence: CameraEvidence[];
}

/**
 * Fold evidence into a map keyed by address; keeps one item per (how, detail). Returns true when
 * something new was learned (so the caller knows to write the device row).
 */
export function addEvidence(
  known: Map<string, DiscoveredCamera>,
  evidence: readonly CameraEvidence[],
): boolean {
  let changed = false;
  for (const ev of evidence) {
    let d = known.get(ev.ip);
    if (d === undefined) {
      d = { ip: ev.ip, camera: false, evidence: [] };
      known.set(ev.ip, d);
      changed = true;
    }
    if (d.evidence.some((e) => e.how === ev.how && e.detail === ev.detail)) continue;
    d.evidence.push(ev);
    if (ev.mac !== undefined && d.mac === undefined) d.mac = ev.mac;
    if (ev.vendor !== undefined && (d.vendor === undefined || ev.strength === 'strong')) d.vendor = ev.vendor;
    if (ev.strength === 'strong') d.camera = true;
    changed = true;
  }
  return changed;
}
