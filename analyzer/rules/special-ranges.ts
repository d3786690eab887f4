/**
 * Special-purpose address ranges (IANA IPv4/IPv6 Special-Purpose Address Registries, RFC 6890 and
 * updates), to tell a public destination from one that is not routed on the internet. The enrichment
 * stage stores its own `peer_class`; the analyzer keeps this small table so the rules stand alone
 * (a flow that was never enriched is still judged).
 */
import { CidrTable } from './cidr-table.js';
import { parseIp } from './ip-address.js';

const SPECIAL: [string, string][] = [
  ['0.0.0.0/8', 'reserved'],
  ['10.0.0.0/8', 'private'],
  ['100.64.0.0/10', 'cgnat'],
  ['127.0.0.0/8', 'loopback'],
  ['169.254.0.0/16', 'link-local'],
  ['172.16.0.0/12', 'private'],
  ['192.0.0.0/24', 'reserved'],
  ['192.0.2.0/24', 'documentation'],
  ['192.88.99.0/24', 'reserved'],
  ['192.168.0.0/16', 'private'],
  ['198.18.0.0/15', 'benchmarking'],
  ['198.51.100.0/24', 'documentation'],
  ['203.0.113.0/24', 'documentation'],
  ['224.0.0.0/4', 'multicast'],
  ['240.0.0.0/4', 'reserved'],
  ['255.255.255.255/32', 'broadcast'],
  ['::/128', 'reserved'],
  ['::1/128', 'loopback'],
  ['64:ff9b:1::/48', 'reserved'],
  ['100::/64', 'reserved'],
  ['2001:db8::/32', 'documentation'],
  ['fc00::/7', 'private'],
  ['fe80::/10', 'link-local'],
  ['ff00::/8', 'multicast'],
];

const table = new CidrTable<string>();
for (const [cidr, cls] of SPECIAL) table.add(cidr, cls);

/** `public`, or the special class of the address (`private`, `cgnat`, `multicast`…); `invalid` if unparsable. */
export function addressClass(ip: string): string {
  const parsed = parseIp(ip);
  if (!parsed) return 'invalid';
  const hits = table.lookup(parsed);
  return hits.length > 0 ? hits[0]! : 'public';
}
