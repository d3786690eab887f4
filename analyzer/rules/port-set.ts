/**
 * Port (and protocol) → values. Single ports live in a Map keyed `proto * 65536 + port` (proto 0 = any);
 * ranges (rare: `32355-65535`) are scanned. Protocols are IANA numbers: 6 TCP, 17 UDP.
 */
import type { PortSpec, Proto } from './rule-types.js';

export const PROTO_NUMBER: Record<Proto, number> = { any: 0, tcp: 6, udp: 17 };

export function parsePortSpec(spec: PortSpec): [number, number] | undefined {
  if (typeof spec === 'number')
    return Number.isInteger(spec) && spec >= 0 && spec <= 65535 ? [spec, spec] : undefined;
  const m = /^(\d{1,5})(?:-(\d{1,5}))?$/.exec(spec);
  if (!m) return undefined;
  const lo = Number(m[1]);
  const hi = m[2] === undefined ? lo : Number(m[2]);
  return lo <= hi && hi <= 65535 ? [lo, hi] : undefined;
}

/** A proto given as an IANA number or a name. */
export function protoNumber(proto: number | string | undefined): number {
  if (proto === undefined) return 0;
  if (typeof proto === 'number') return proto;
  const p = proto.toLowerCase();
  return p === 'tcp' ? 6 : p === 'udp' ? 17 : Number(p) || 0;
}

export class PortSet<T> {
  private readonly single = new Map<number, T[]>();
  private readonly ranges: { proto: number; lo: number; hi: number; value: T }[] = [];
  size = 0;

  add(spec: PortSpec, proto: Proto | undefined, value: T): boolean {
    const r = parsePortSpec(spec);
    if (!r) return false;
    const p = PROTO_NUMBER[proto ?? 'any'];
    if (r[0] === r[1]) {
      const k = p * 65536 + r[0];
      const list = this.single.get(k);
      if (list) list.push(value);
      else this.single.set(k, [value]);
    } else {
      this.ranges.push({ proto: p, lo: r[0], hi: r[1], value });
    }
    this.size++;
    return true;
  }

  /** Values for a port; `proto` 0 or undefined means the caller does not know it (matches any rule). */
  lookup(port: number | undefined, proto?: number): T[] {
    if (port === undefined || this.size === 0) return [];
    const out: T[] = [];
    const any = this.single.get(port);
    if (any) out.push(...any);
    if (proto) {
      const hit = this.single.get(proto * 65536 + port);
      if (hit) out.push(...hit);
    } else {
      for (const p of [6, 17]) {
        const hit = this.single.get(p * 65536 + port);
        if (hit) out.push(...hit);
      }
    }
    for (const r of this.ranges) {
      if (port >= r.lo && port <= r.hi && (r.proto === 0 || !proto || r.proto === proto)) out.push(r.value);
    }
    return out;
  }

  has(port: number | undefined, proto?: number): boolean {
    return this.lookup(port, proto).length > 0;
  }
}
