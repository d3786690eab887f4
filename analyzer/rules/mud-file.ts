/**
 * A MUD file (RFC 8520, Manufacturer Usage Description) as JSON: the `ietf-mud:mud` container
 * (RFC 8520 §2.1, module ietf-mud@2019-01-28) and the access lists it names, in the
 * `ietf-access-control-list:acls` container of RFC 8519 (module ietf-access-control-list@2019-03-04,
 * port and header groupings from ietf-packet-fields), with the augments RFC 8520 adds to an ACE's
 * matches: `ietf-mud:mud` (§2.1: manufacturer, same-manufacturer, model, local-networks, controller,
 * my-controller), `ietf-mud:direction-initiated` on TCP, and `ietf-acldns:src-dnsname`/`dst-dnsname`
 * on IPv4 and IPv6 (§8). Names are the JSON member names of RFC 7951; a YANG `empty` leaf is `[null]`.
 *
 * The reader (read-mud.ts) and the exporter (analyzer/baseline/mud-export.ts) share these types.
 */

export const MUD_CONTAINER = 'ietf-mud:mud';
export const ACLS_CONTAINER = 'ietf-access-control-list:acls';
export const DST_DNSNAME = 'ietf-acldns:dst-dnsname';
export const SRC_DNSNAME = 'ietf-acldns:src-dnsname';
export const DIRECTION_INITIATED = 'ietf-mud:direction-initiated';

/** JSON encoding of a YANG `empty` leaf (RFC 7951 §6.9). */
export type YangEmpty = [null];

/** RFC 8519 ietf-packet-fields `port-range-or-operator`: a range, or a port with an operator (default eq). */
export type PortMatch =
  | { 'lower-port': number; 'upper-port': number }
  | { operator?: 'lte' | 'gte' | 'eq' | 'neq'; port: number };

/** The IPv4/IPv6 match containers (acl-ip-header-fields plus the address choices and RFC 8520 §8). */
export interface IpMatch {
  protocol?: number;
  dscp?: number;
  ecn?: number;
  length?: number;
  ttl?: number;
  ihl?: number;
  flags?: string;
  offset?: number;
  identification?: number;
  'flow-label'?: number;
  'destination-ipv4-network'?: string;
  'source-ipv4-network'?: string;
  'destination-ipv6-network'?: string;
  'source-ipv6-network'?: string;
  [DST_DNSNAME]?: string;
  [SRC_DNSNAME]?: string;
}

export interface PortsMatch {
  'source-port'?: PortMatch;
  'destination-port'?: PortMatch;
  /** RFC 8520 §2.1 augment, TCP only. */
  [DIRECTION_INITIATED]?: 'from-device' | 'to-device';
  [field: string]: unknown;
}

/** RFC 8520 §2.1: abstractions instead of addresses. */
export interface MudMatch {
  manufacturer?: string;
  'same-manufacturer'?: YangEmpty;
  model?: string;
  'local-networks'?: YangEmpty;
  controller?: string;
  'my-controller'?: YangEmpty;
}

export interface AceMatches {
  eth?: Record<string, unknown>;
  ipv4?: IpMatch;
  ipv6?: IpMatch;
  tcp?: PortsMatch;
  udp?: PortsMatch;
  icmp?: Record<string, unknown>;
  [MUD_CONTAINER]?: MudMatch;
  'egress-interface'?: string;
  'ingress-interface'?: string;
}

export interface Ace {
  name: string;
  matches?: AceMatches;
  actions: { forwarding: string; logging?: string };
}

export interface Acl {
  name: string;
  type?: string;
  aces?: { ace?: Ace[] };
}

export interface PolicyRef {
  'access-lists'?: { 'access-list'?: { name: string }[] };
}

/** RFC 8520 §2.1 `mud-grouping`. */
export interface MudContainer {
  'mud-version': number;
  'mud-url': string;
  'last-update': string;
  'mud-signature'?: string;
  'cache-validity'?: number;
  'is-supported': boolean;
  systeminfo?: string;
  'mfg-name'?: string;
  'model-name'?: string;
  'firmware-rev'?: string;
  'software-rev'?: string;
  documentation?: string;
  extensions?: string[];
  'from-device-policy'?: PolicyRef;
  'to-device-policy'?: PolicyRef;
}

export interface MudFile {
  [MUD_CONTAINER]: MudContainer;
  [ACLS_CONTAINER]?: { acl?: Acl[] };
}

/** An identityref value without its module prefix (`ietf-access-control-list:accept` → `accept`). */
export const identityName = (v: string): string => v.slice(v.indexOf(':') + 1);
