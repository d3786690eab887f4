/**
 * Longest-prefix match over a set of CIDR blocks, as a sorted table of disjoint ranges searched by
 * bisection. CIDR blocks are laminar (two blocks are nested or disjoint), so one sweep with a stack
 * at build time paints every address range with its most specific block; a lookup is then one
 * binary search, whatever the nesting. Built once from configuration (sites, NVRs, device lists),
 * so the IPv6 half keeps bigints: simple, and the per-address caches above it absorb the cost.
 *
 * Blocks are parsed with `ip-cidr`; a plain address is a /32 or /128.
 */

import IPCIDR from 'ip-cidr';
import { ipv6ToBigInt } from '../../model/index.js';
import { type ParsedAddress, parseAddress } from './ip-address.js';

interface Block<T> {
  start: bigint;
  end: bigint;
  value: T;
}

interface Painted<T> {
  starts: bigint[];
  ends: bigint[];
  values: T[];
}

export interface ParsedCidr {
  version: 4 | 6;
  start: bigint;
  end: bigint;
  /** Canonical `address/len` text. */
  text: string;
}

/** Parse `a.b.c.d/n`, `x::/n` or a plain address; undefined when invalid. */
export function parseCidr(s: string): ParsedCidr | undefined {
  if (typeof s !== 'string') return undefined;
  const text = s.trim();
  if (!text.includes('/')) {
    const p = parseAddress(text);
    if (p === undefined) return undefined;
    if (p.version === 4) return { version: 4, start: BigInt(p.v4), end: BigInt(p.v4), text: `${text}/32` };
    const b = ipv6ToBigInt(p.words);
    return { version: 6, start: b, end: b, text: `${text}/128` };
  }
  if (!IPCIDR.isValidCIDR(text)) return undefined;
  try {
    const c = new IPCIDR(text);
    const start = c.start<bigint>({ type: 'bigInteger' });
    const end = c.end<bigint>({ type: 'bigInteger' });
    return { version: c.address.v4 ? 4 : 6, start: BigInt(start), end: BigInt(end), text: c.toString() };
  } catch {
    return undefined;
  }
}

function paint<T>(blocks: Block<T>[]): Painted<T> {
  // outer blocks first at equal start; stable sort keeps later duplicates inside earlier ones
  const sorted = blocks
    .map((b, i) => ({ b, i }))
    .sort((x, y) =>
      x.b.start !== y.b.start
        ? x.b.start < y.b.start
          ? -1
          : 1
        : x.b.end !== y.b.end
          ? x.b.end > y.b.end
            ? -1
            : 1
          : x.i - y.i,
    )
    .map((x) => x.b);
  const out: Painted<T> = { starts: [], ends: [], values: [] };
  const emit = (from: bigint, to: bigint, value: T): void => {
    if (from > to) return;
    const n = out.ends.length;
    if (n > 0 && out.ends[n - 1] + 1n === from && out.values[n - 1] === value) {
      out.ends[n - 1] = to;
      return;
    }
    out.starts.push(from);
    out.ends.push(to);
    out.values.push(value);
  };
  const stack: Block<T>[] = [];
  let pos = 0n;
  for (const b of sorted) {
    while (stack.length > 0 && stack[stack.length - 1].end < b.start) {
      const t = stack.pop()!;
      emit(pos, t.end, t.value);
      pos = t.end + 1n;
    }
    if (stack.length > 0) emit(pos, b.start - 1n, stack[stack.length - 1].value);
    stack.push(b);
    pos = b.start;
  }
  while (stack.length > 0) {
    const t = stack.pop()!;
    emit(pos, t.end, t.value);
    pos = t.end + 1n;
  }
  return out;
}

function find<T>(p: Painted<T>, x: bigint): T | undefined {
  let lo = 0;
  let hi = p.starts.length - 1;
  let found = -1;
  while (lo <= hi) {
    const mid = (lo + hi) >>> 1;
    if (p.starts[mid] <= x) {
      found = mid;
      lo = mid + 1;
    } else {
      hi = mid - 1;
    }
  }
  return found >= 0 && x <= p.ends[found] ? p.values[found] : undefined;
}

/** The most specific block's value for an address. */
export interface CidrTable<T> {
  lookup(addr: ParsedAddress): T | undefined;
  readonly size: number;
}

/** Build from already-parsed blocks; later duplicates of the same block win. */
export function createCidrTable<T>(blocks: ReadonlyArray<{ cidr: ParsedCidr; value: T }>): CidrTable<T> {
  const v4: Block<T>[] = [];
  const v6: Block<T>[] = [];
  for (const { cidr, value } of blocks) {
    (cidr.version === 4 ? v4 : v6).push({ start: cidr.start, end: cidr.end, value });
  }
  const p4 = paint(v4);
  const p6 = paint(v6);
  // IPv4 as plain numbers: exact below 2^32, and cheaper than bigint compares
  const s4 = Float64Array.from(p4.starts, Number);
  const e4 = Float64Array.from(p4.ends, Number);
  return {
    lookup(addr) {
      if (addr.version === 4) {
        let lo = 0;
        let hi = s4.length - 1;
        let found = -1;
        while (lo <= hi) {
          const mid = (lo + hi) >>> 1;
          if (s4[mid] <= addr.v4) {
            found = mid;
            lo = mid + 1;
          } else {
            hi = mid - 1;
          }
        }
        return found >= 0 && addr.v4 <= e4[found] ? p4.values[found] : undefined;
      }
      return p6.starts.length === 0 ? undefined : find(p6, ipv6ToBigInt(addr.words));
    },
    size: blocks.length,
  };
}
