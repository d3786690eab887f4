/**
 * A learned baseline → a MUD file (RFC 8520) for one device or a device group: the peers it learned
 * become accept ACEs, one from-device ACE and its mirror in the to-device policy per (peer, protocol,
 * port, initiator), as in the example of RFC 8520 §9:
 *
 * - a named peer: `ietf-acldns:dst-dnsname` / `src-dnsname` (§8), in the IPv4 and/or IPv6 ACL after
 *   the addresses it was seen at; a peer keyed by address: `destination-ipv4-network` `a.b.c.d/32`
 *   (`/128` for IPv6) / `source-…-network`;
 * - a local peer (inside the local networks when learned): `ietf-mud:mud` `local-networks: [null]`;
 * - the protocol number, and for TCP/UDP the port: `destination-port` from the device (the peer's
 *   port, or the device's own for a contact a local peer opened), `source-port` to it; TCP carries
 *   `ietf-mud:direction-initiated` (`from-device` when the device opened the connection).
 *
 * Deterministic: the same baseline gives the same bytes (ACEs sorted by what they match, then named
 * `cl<n>-frdev` / `cl<n>-todev` by position; `last-update` is when the baseline was learned).
 */
import type { BaselinePeer } from '../../store/index.js';
import {
  ACLS_CONTAINER,
  type Ace,
  type AceMatches,
  type Acl,
  DIRECTION_INITIATED,
  DST_DNSNAME,
  type IpMatch,
  MUD_CONTAINER,
  type MudFile,
  SRC_DNSNAME,
} from '../rules/mud-file.js';

export interface MudProfileOptions {
  /** RFC 8520 `mud-url`: an https URL, what an operator pack binds to devices. */
  mudUrl: string;
  /** A short description of the Thing (RFC 8520 `systeminfo`). */
  systeminfo: string;
  /** `mfg-name`, when known (the device vendor). */
  mfgName?: string | undefined;
  /** `last-update` (ms since the epoch): when the baseline was learned. */
  lastUpdateMs: number;
  /** `cache-validity` in hours, 1–168 (RFC default 48). */
  cacheValidityHours?: number;
}

type Family = 4 | 6;

interface AcePair {
  family: Family;
  from: AceMatches;
  to: AceMatches;
}

const familyOf = (ip: string): Family => (ip.includes(':') ? 6 : 4);

/** The address families a learned peer was seen in (a named peer can have both). */
function familiesOf(p: BaselinePeer): Family[] {
  const ips = p.peerIps.length > 0 ? p.peerIps : p.peerName ? [] : [p.peerKey];
  const set = new Set(ips.map(familyOf));
  return set.size === 0 ? [4] : [...set].sort();
}

/** The IP container of one side: who the peer is, and the protocol. */
function ipMatch(p: BaselinePeer, family: Family, side: 'destination' | 'source'): IpMatch {
  const m: IpMatch = {};
  if (!p.local) {
    if (p.peerName) m[side === 'destination' ? DST_DNSNAME : SRC_DNSNAME] = p.peerName;
    else m[`${side}-ipv${family}-network`] = `${p.peerKey}/${family === 4 ? 32 : 128}`;
  }
  if (p.proto !== 0) m.protocol = p.proto;
  return m;
}

/** From-device and to-device matches of one learned row. */
function acePair(p: BaselinePeer, family: Family): AcePair {
  const l3 = family === 4 ? 'ipv4' : 'ipv6';
  const from: AceMatches = { [l3]: ipMatch(p, family, 'destination') };
  const to: AceMatches = { [l3]: ipMatch(p, family, 'source') };
  const l4 = p.proto === 6 ? 'tcp' : p.proto === 17 ? 'udp' : undefined;
  if (l4) {
    // the port is the peer's when the device initiated, the device's own when a local peer did
    const fromPort = p.initiated === 'device' ? 'destination-port' : 'source-port';
    const toPort = p.initiated === 'device' ? 'source-port' : 'destination-port';
    const direction = p.initiated === 'device' ? 'from-device' : 'to-device';
    const ports = (key: string) => (p.port > 0 ? { [key]: { operator: 'eq', port: p.port } } : {});
    from[l4] = { ...(l4 === 'tcp' ? { [DIRECTION_INITIATED]: direction } : {}), ...ports(fromPort) };
    to[l4] = { ...(l4 === 'tcp' ? { [DIRECTION_INITIATED]: direction } : {}), ...ports(toPort) };
  }
  if (p.local) {
    from[MUD_CONTAINER] = { 'local-networks': [null] };
    to[MUD_CONTAINER] = { 'local-networks': [null] };
  }
  return { family, from, to };
}

const accept = { forwarding: 'accept' } as const;

/** The MUD file of the learned peers of one device or group (their rows together). */
export function baselineToMud(peers: readonly BaselinePeer[], o: MudProfileOptions): MudFile {
  const pairs = new Map<string, AcePair>();
  for (const p of peers) {
    for (const family of familiesOf(p)) {
      const pair = acePair(p, family);
      pairs.set(`${family} ${JSON.stringify(pair.from)}`, pair);
    }
  }
  const sorted = [...pairs.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, v]) => v);
  const acls: Acl[] = [];
  const fromNames: { name: string }[] = [];
  const toNames: { name: string }[] = [];
  for (const family of [4, 6] as const) {
    const mine = sorted.filter((x) => x.family === family);
    if (mine.length === 0) continue;
    const type = `ipv${family}-acl-type`;
    const fr = `cw-v${family}fr`;
    const to = `cw-v${family}to`;
    const aces = (side: 'from' | 'to'): Ace[] =>
      mine.map((x, i) => ({
        name: `cl${i}-${side === 'from' ? 'frdev' : 'todev'}`,
        matches: x[side],
        actions: accept,
      }));
    acls.push({ name: fr, type, aces: { ace: aces('from') } }, { name: to, type, aces: { ace: aces('to') } });
    fromNames.push({ name: fr });
    toNames.push({ name: to });
  }
  return {
    [MUD_CONTAINER]: {
      'mud-version': 1,
      'mud-url': o.mudUrl,
      'last-update': new Date(o.lastUpdateMs).toISOString(),
      'cache-validity': o.cacheValidityHours ?? 48,
      // camwatch cannot know whether the manufacturer still supports the Thing; the RFC makes the
      // leaf mandatory, and false would tell a MUD manager it is abandoned
      'is-supported': true,
      systeminfo: o.systeminfo,
      ...(o.mfgName ? { 'mfg-name': o.mfgName } : {}),
      'from-device-policy': { 'access-lists': { 'access-list': fromNames } },
      'to-device-policy': { 'access-lists': { 'access-list': toNames } },
    },
    [ACLS_CONTAINER]: { acl: acls },
  };
}
