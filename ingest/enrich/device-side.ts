/**
 * Which side of a flow is the watched device, and what names the flow itself gives its peer.
 *
 * Sides: `orig` (the device started the conversation: the usual egress case), `resp` (someone
 * connected to the device: inbound, e.g. an NVR pulling RTSP or an exposed camera), `both` (camera
 * to camera or to another watched host: device = orig, peer = resp), `none` (no watched device;
 * peer fields stay empty).
 *
 * Peer names come from the flow's own metadata, and only when the peer is the responder (when the
 * device answered, the SNI/Host name the device itself): TLS/QUIC SNI (`sni`/`quic`), then the
 * HTTP Host (`http`, port removed), then a name the caller knows for the peer address from DNS
 * answers seen earlier (`dns`), then the DNS query name the device asked (`dns-query`; for a DNS
 * flow the peer is the resolver, and the name says what was looked up through it).
 */

import type { Flow } from '../../model/flow-fields.js';

export type DeviceSide = 'orig' | 'resp' | 'both' | 'none';

export type PeerNameSource = 'sni' | 'quic' | 'http' | 'dns' | 'dns-query';

export function deviceSideOf(origWatched: boolean, respWatched: boolean): DeviceSide {
  if (origWatched) return respWatched ? 'both' : 'orig';
  return respWatched ? 'resp' : 'none';
}

/** `host[:port]` or `[v6]:port` → lower-case host. */
export function hostWithoutPort(host: string): string {
  let h = host.trim().toLowerCase();
  if (h.startsWith('[')) {
    const end = h.indexOf(']');
    return end > 0 ? h.slice(1, end) : h;
  }
  const colon = h.indexOf(':');
  if (colon >= 0 && colon === h.lastIndexOf(':')) h = h.slice(0, colon);
  return h.endsWith('.') ? h.slice(0, -1) : h;
}

/**
 * The best name for the peer, or undefined. `peerIsResp` tells whether the peer answered the flow;
 * `nameForPeer` is the caller's passive-DNS view (address → name seen in DNS answers), optional.
 */
export function peerNameOf(
  flow: Flow,
  peerIsResp: boolean,
  peerIp: string,
  nameForPeer?: (ip: string) => string | undefined,
): { name: string; source: PeerNameSource } | undefined {
  if (peerIsResp) {
    if (flow.tlsSni)
      return { name: flow.tlsSni.toLowerCase(), source: flow.appProto === 'quic' ? 'quic' : 'sni' };
    if (flow.httpHost) {
      const h = hostWithoutPort(flow.httpHost);
      if (h !== '') return { name: h, source: 'http' };
    }
  }
  if (nameForPeer !== undefined) {
    const n = nameForPeer(peerIp);
    if (n) return { name: n, source: 'dns' };
  }
  if (peerIsResp && flow.dnsQuery) return { name: flow.dnsQuery.toLowerCase(), source: 'dns-query' };
  return undefined;
}
