/**
 * Passive DNS: the inspector pushes one DnsName per answer record seen (count 1, firstSeen =
 * lastSeen = packet time). `mergeDnsNames` folds them into one row per (client, name, address,
 * type), as `camwatch names` and the `dns_names` table want: earliest firstSeen, latest lastSeen,
 * summed count, the TTL of the latest answer.
 */
import type { DnsName } from '../../model/dns-name.js';

/** Folds `incoming` into `into` (keyed rows, updated in place); returns the map for chaining. */
export function mergeDnsNames(
  incoming: readonly DnsName[],
  into = new Map<string, DnsName>(),
): Map<string, DnsName> {
  for (const n of incoming) {
    const key = `${n.client}\u0000${n.name}\u0000${n.type}\u0000${n.address}`;
    const row = into.get(key);
    if (row === undefined) {
      into.set(key, { ...n });
      continue;
    }
    if (n.firstSeen < row.firstSeen) row.firstSeen = n.firstSeen;
    if (n.lastSeen >= row.lastSeen) {
      row.lastSeen = n.lastSeen;
      row.ttl = n.ttl;
    }
    row.count += n.count;
  }
  return into;
}
