import type { PacketFields } from './flow-table.js';

/**
 * Remembers the ports of first IP fragments so that later fragments of the same datagram count to
 * the same flow. Fragments are rare, so a Map with string keys is fine here; it is bounded by count
 * and by age (RFC 791 reassembly timers are at most a couple of minutes).
 */
export class FragmentPorts {
  private readonly ports = new Map<string, { srcPort: number; dstPort: number; tsMs: number }>();
  /** Later fragments whose first fragment was not seen: they count to a port-less flow. */
  orphans = 0;

  constructor(
    private readonly maxEntries = 65_536,
    private readonly maxAgeMs = 120_000,
  ) {}

  private key(p: PacketFields & { fragId: number }): string {
    return `${p.ipVersion}|${p.src0}|${p.src1}|${p.src2}|${p.src3}|${p.dst0}|${p.dst1}|${p.dst2}|${p.dst3}|${p.proto}|${p.fragId}`;
  }

  /** A first fragment (offset 0, more fragments set): keep its ports. */
  remember(p: PacketFields & { fragId: number }, tsMs: number): void {
    if (this.ports.size >= this.maxEntries) this.prune(tsMs);
    this.ports.set(this.key(p), { srcPort: p.srcPort, dstPort: p.dstPort, tsMs });
  }

  /** A later fragment: set its ports from the first fragment when known. */
  apply(p: PacketFields & { fragId: number }): void {
    const e = this.ports.get(this.key(p));
    if (e) {
      p.srcPort = e.srcPort;
      p.dstPort = e.dstPort;
      p.hasPorts = true;
    } else {
      this.orphans++;
    }
  }

  private prune(tsMs: number): void {
    for (const [k, e] of this.ports) {
      if (e.tsMs + this.maxAgeMs < tsMs || this.ports.size >= this.maxEntries) this.ports.delete(k);
      else break;
    }
  }
}
