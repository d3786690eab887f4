import { maskV4, maskV6, type ParsedCidr, type ParsedIp, parseCidr, parseIp } from './ip-address.js';

/**
 * Address → values table for CIDR rules. One Map per prefix length in use: a lookup masks the address
 * once per distinct length (a handful in practice) and reads the map, so overlapping prefixes all match
 * and the cost does not grow with the number of rules. Built once when rules are compiled.
 */
export class CidrTable<T> {
  private readonly v4 = new Map<number, Map<number, T[]>>();
  private readonly v6 = new Map<number, Map<bigint, T[]>>();
  private v4Lengths: number[] = [];
  private v6Lengths: number[] = [];
  size = 0;

  /** Add a CIDR (or bare address). Returns false when the text is not one. */
  add(cidr: string | ParsedCidr, value: T): boolean {
    const c = typeof cidr === 'string' ? parseCidr(cidr) : cidr;
    if (!c) return false;
    if (c.v === 4) {
      let m = this.v4.get(c.prefix);
      if (!m) {
        m = new Map();
        this.v4.set(c.prefix, m);
        this.v4Lengths = [...this.v4.keys()].sort((a, b) => b - a);
      }
      const k = c.base as number;
      const list = m.get(k);
      if (list) list.push(value);
      else m.set(k, [value]);
    } else {
      let m = this.v6.get(c.prefix);
      if (!m) {
        m = new Map();
        this.v6.set(c.prefix, m);
        this.v6Lengths = [...this.v6.keys()].sort((a, b) => b - a);
      }
      const k = c.base as bigint;
      const list = m.get(k);
      if (list) list.push(value);
      else m.set(k, [value]);
    }
    this.size++;
    return true;
  }

  /** Every value whose prefix contains the address, most specific first. */
  lookup(ip: string | ParsedIp | undefined): T[] {
    const p = typeof ip === 'string' ? parseIp(ip) : ip;
    if (!p || this.size === 0) return [];
    const out: T[] = [];
    if (p.v === 4) {
      for (const len of this.v4Lengths) {
        const hit = this.v4.get(len)!.get(maskV4(p.n, len));
        if (hit) out.push(...hit);
      }
    } else {
      for (const len of this.v6Lengths) {
        const hit = this.v6.get(len)!.get(maskV6(p.n, len));
        if (hit) out.push(...hit);
      }
    }
    return out;
  }

  has(ip: string | ParsedIp | undefined): boolean {
    const p = typeof ip === 'string' ? parseIp(ip) : ip;
    if (!p || this.size === 0) return false;
    if (p.v === 4) {
      for (const len of this.v4Lengths) if (this.v4.get(len)!.has(maskV4(p.n, len))) return true;
    } else {
      for (const len of this.v6Lengths) if (this.v6.get(len)!.has(maskV6(p.n, len))) return true;
    }
    return false;
  }
}
