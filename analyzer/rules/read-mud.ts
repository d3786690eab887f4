/**
 * A schema-valid MUD file (RFC 8520) → a `mud` rule pack: the checks the schema cannot make (prefix
 * syntax, DNS names, the ACL names a policy refers to, port choices), then the accept ACEs of the
 * from-device policy compiled into allow entries for the devices an operator pack binds the MUD URL to.
 *
 * What compiles, and why the rest does not. camwatch judges what a device sends (device-initiated
 * flows, by peer): an accept ACE of the from-device policy becomes one allow entry — peer networks
 * (`destination-ipv4/ipv6-network`), exact peer names (`ietf-acldns:dst-dnsname`, RFC 8520 §8),
 * protocol (`protocol`, or the `tcp`/`udp` container) and peer ports (`destination-port`, every
 * operator and range of RFC 8519). `ietf-mud:mud` `local-networks` needs no entry: local peers are never
 * judged. An ACE that also matches on something camwatch cannot evaluate per peer (the device's own
 * address or port, IP/TCP header fields, Ethernet, ICMP, interfaces, the MUD classes manufacturer,
 * model, controller) is left out with a note, never compiled without that condition: a MUD policy is
 * never widened. ACEs with `direction-initiated: to-device` describe the device's answers to peers that
 * connect to it, and the to-device policy describes traffic to the device: camwatch's per-peer
 * detectors do not judge those (inbound from the internet is never allowed away), so they compile to
 * nothing. Drop and reject ACEs compile to nothing as well (what no entry allows is reported).
 */
import { isDomainName, normaliseName } from './domain-matcher.js';
import { parseCidr } from './ip-address.js';
import {
  ACLS_CONTAINER,
  type Ace,
  type AceMatches,
  type Acl,
  DIRECTION_INITIATED,
  DST_DNSNAME,
  type IpMatch,
  identityName,
  MUD_CONTAINER,
  type MudFile,
  type PortMatch,
  type PortsMatch,
  SRC_DNSNAME,
} from './mud-file.js';
import type { MudAllow, MudPack, PortSpec, Proto } from './rule-types.js';

export type MudAt = (path: (string | number)[], message: string) => void;

/** A parsed JSON/YAML value is a MUD file when it has the `ietf-mud:mud` container. */
export function isMudDocument(value: unknown): boolean {
  return value !== null && typeof value === 'object' && !Array.isArray(value) && MUD_CONTAINER in value;
}

const IP_FIELDS_NOT_KEPT = [
  'dscp',
  'ecn',
  'length',
  'ttl',
  'ihl',
  'flags',
  'offset',
  'identification',
  'flow-label',
] as const;
const MUD_CLASSES = ['manufacturer', 'same-manufacturer', 'model', 'controller', 'my-controller'] as const;

/** Checks a schema-valid document (problems through `at`) and compiles it. */
export function readMudDocument(doc: MudFile, at: MudAt): MudPack {
  const mud = doc[MUD_CONTAINER];
  const acls = doc[ACLS_CONTAINER]?.acl ?? [];
  if (Number.isNaN(Date.parse(mud['last-update'])))
    at([MUD_CONTAINER, 'last-update'], `${JSON.stringify(mud['last-update'])} is not a date-and-time`);
  const byName = new Map<string, number>();
  acls.forEach((acl, i) => {
    const prev = byName.get(acl.name);
    if (prev !== undefined)
      at(
        [ACLS_CONTAINER, 'acl', i, 'name'],
        `duplicate ACL name ${JSON.stringify(acl.name)} (also acl[${prev}])`,
      );
    else byName.set(acl.name, i);
    checkAcl(acl, [ACLS_CONTAINER, 'acl', i], at);
  });
  const refs = (side: 'from-device-policy' | 'to-device-policy'): Acl[] =>
    (mud[side]?.['access-lists']?.['access-list'] ?? []).flatMap((r, j) => {
      const i = byName.get(r.name);
      if (i === undefined) {
        at(
          [MUD_CONTAINER, side, 'access-lists', 'access-list', j, 'name'],
          `no ACL named ${JSON.stringify(r.name)} in ${ACLS_CONTAINER}`,
        );
        return [];
      }
      return [acls[i]!];
    });
  refs('to-device-policy');
  const allow: MudAllow[] = [];
  const notes: string[] = [];
  for (const acl of refs('from-device-policy')) {
    for (const ace of acl.aces?.ace ?? []) {
      const r = compileAce(ace);
      if (typeof r === 'string')
        notes.push(`from-device ACL ${acl.name} ACE ${ace.name}: ${r}; not compiled`);
      else if (r) allow.push({ id: `${acl.name}/${ace.name}`, ...r });
    }
  }
  return {
    kind: 'mud',
    id: mud['mud-url'],
    lastUpdate: mud['last-update'],
    ...(mud.systeminfo ? { systeminfo: mud.systeminfo } : {}),
    allow,
    notes,
  };
}

function checkAcl(acl: Acl, path: (string | number)[], at: MudAt): void {
  const seen = new Set<string>();
  (acl.aces?.ace ?? []).forEach((ace, k) => {
    const p = [...path, 'aces', 'ace', k];
    if (seen.has(ace.name))
      at([...p, 'name'], `duplicate ACE name ${JSON.stringify(ace.name)} in ACL ${acl.name}`);
    seen.add(ace.name);
    const m = ace.matches ?? {};
    if (m.ipv4 && m.ipv6) at([...p, 'matches'], 'an ACE matches ipv4 or ipv6, not both (RFC 8519 choice l3)');
    if ([m.tcp, m.udp, m.icmp].filter(Boolean).length > 1)
      at([...p, 'matches'], 'an ACE matches one of tcp, udp, icmp (RFC 8519 choice l4)');
    for (const [family, ip] of [
      [4, m.ipv4],
      [6, m.ipv6],
    ] as const) {
      if (!ip) continue;
      const ipPath = [...p, 'matches', `ipv${family}`];
      for (const side of ['destination', 'source'] as const) {
        const key = `${side}-ipv${family}-network` as const;
        const v = (ip as Record<string, unknown>)[key];
        if (typeof v !== 'string') continue;
        const c = v.includes('/') ? parseCidr(v) : undefined;
        if (!c || c.v !== family)
          at([...ipPath, key], `${JSON.stringify(v)} is not an IPv${family} prefix (address/length)`);
      }
      for (const key of [DST_DNSNAME, SRC_DNSNAME] as const) {
        const v = ip[key];
        if (v !== undefined && !isDomainName(v))
          at([...ipPath, key], `${JSON.stringify(v)} is not a DNS name`);
      }
    }
    for (const l4 of ['tcp', 'udp'] as const) {
      for (const key of ['source-port', 'destination-port'] as const) {
        const pm = m[l4]?.[key];
        if (pm === undefined) continue;
        const problem = portMatchProblem(pm as Record<string, unknown>);
        if (problem) at([...p, 'matches', l4, key], problem);
      }
    }
  });
}

function portMatchProblem(pm: Record<string, unknown>): string | undefined {
  const range = 'lower-port' in pm || 'upper-port' in pm;
  const op = 'port' in pm || 'operator' in pm;
  if (range === op || (range && !('lower-port' in pm && 'upper-port' in pm)) || (op && !('port' in pm)))
    return 'either lower-port and upper-port, or port with an optional operator (RFC 8519 port-range-or-operator)';
  if (range && (pm['lower-port'] as number) > (pm['upper-port'] as number))
    return 'lower-port must be less than or equal to upper-port';
  return undefined;
}

/** RFC 8519 port match → port specs (`neq` is two ranges). */
function portSpecs(pm: PortMatch): PortSpec[] {
  if ('lower-port' in pm) return [`${pm['lower-port']}-${pm['upper-port']}`];
  const p = pm.port;
  switch (pm.operator ?? 'eq') {
    case 'lte':
      return [`0-${p}`];
    case 'gte':
      return [`${p}-65535`];
    case 'neq':
      return [...(p > 0 ? [`0-${p - 1}`] : []), ...(p < 65535 ? [`${p + 1}-65535`] : [])];
    default:
      return [p];
  }
}

const PROTO_OF: Record<number, Proto> = { 6: 'tcp', 17: 'udp' };

/**
 * An accept ACE → the allow entry (without its id), `undefined` when it compiles to nothing by design
 * (drop/reject, local networks, to-device initiated), or a note saying why it was left out.
 */
function compileAce(ace: Ace): Omit<MudAllow, 'id'> | string | undefined {
  if (identityName(ace.actions.forwarding) !== 'accept') return undefined;
  const m: AceMatches = ace.matches ?? {};
  if (m.eth) return 'matches Ethernet fields';
  if (m.icmp) return 'matches ICMP (allow entries cover TCP, UDP or every protocol)';
  if (m['egress-interface'] || m['ingress-interface']) return 'matches an interface';
  const mud = m[MUD_CONTAINER];
  const cls = MUD_CLASSES.find((c) => mud?.[c] !== undefined);
  if (cls) return `matches the MUD class ${cls}, which camwatch cannot resolve to peers`;
  // local peers are never judged: nothing to allow, whatever else the ACE says
  if (mud?.['local-networks'] !== undefined) return undefined;
  const ip: IpMatch = m.ipv4 ?? m.ipv6 ?? {};
  if (ip['source-ipv4-network'] || ip['source-ipv6-network'] || ip[SRC_DNSNAME])
    return "matches the device's own address or name";
  const field = IP_FIELDS_NOT_KEPT.find((f) => ip[f] !== undefined);
  if (field) return `matches the IP header field ${field}`;
  const l4: 'tcp' | 'udp' | undefined = m.tcp ? 'tcp' : m.udp ? 'udp' : undefined;
  const ports: PortsMatch = (l4 && m[l4]) || {};
  if (ports[DIRECTION_INITIATED] === 'to-device') return undefined;
  const extra = Object.keys(ports).find(
    (k) => k !== 'destination-port' && k !== 'source-port' && k !== DIRECTION_INITIATED,
  );
  if (extra) return `matches the ${l4} header field ${extra}`;
  if (ports['source-port']) return "matches the device's own port";
  let proto: Proto | undefined = l4;
  if (ip.protocol !== undefined) {
    const named = PROTO_OF[ip.protocol];
    if (!named) return `matches IP protocol ${ip.protocol} (allow entries cover TCP, UDP or every protocol)`;
    if (l4 && named !== l4) return `protocol ${ip.protocol} contradicts the ${l4} match (matches nothing)`;
    proto = named;
  }
  const network = ip['destination-ipv4-network'] ?? ip['destination-ipv6-network'];
  const name = ip[DST_DNSNAME];
  const dst = ports['destination-port'];
  return {
    peer: {
      ...(network ? { networks: [network] } : {}),
      ...(dst ? { ports: portSpecs(dst) } : {}),
      ...(proto ? { proto } : {}),
    },
    hosts: name ? [normaliseName(name)] : [],
  };
}
