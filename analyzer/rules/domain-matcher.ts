/**
 * Name → values matcher for exact names and suffixes. Names are lower-cased and stripped of a trailing
 * dot. A suffix entry `example.com` matches `example.com` itself and every name under it (`a.example.com`),
 * never `badexample.com`: RITA users were bitten by `*.domain` wildcards that missed the apex
 * (rita-legacy #713), so here the apex always matches. A lookup walks the label boundaries of the name
 * (a few per name) and reads two Maps; the cost does not grow with the number of rules.
 */
export class DomainMatcher<T> {
  private readonly exact = new Map<string, T[]>();
  private readonly suffix = new Map<string, T[]>();
  size = 0;

  addExact(name: string, value: T): void {
    push(this.exact, normaliseName(name), value);
    this.size++;
  }

  /** `*.example.com` and `.example.com` are read as the suffix `example.com`. */
  addSuffix(name: string, value: T): void {
    push(this.suffix, normaliseName(name.replace(/^\*?\./, '')), value);
    this.size++;
  }

  /** Values for the name: exact hits first, then suffixes from the longest to the shortest. */
  lookup(name: string | undefined): T[] {
    if (!name || this.size === 0) return [];
    const n = normaliseName(name);
    const out: T[] = [];
    const e = this.exact.get(n);
    if (e) out.push(...e);
    let i = 0;
    while (i >= 0) {
      const s = this.suffix.get(i === 0 ? n : n.slice(i));
      if (s) out.push(...s);
      const dot = n.indexOf('.', i);
      i = dot < 0 ? -1 : dot + 1;
    }
    return out;
  }
}

export function normaliseName(name: string): string {
  const n = name.trim().toLowerCase();
  return n.endsWith('.') ? n.slice(0, -1) : n;
}

/** A DNS name as rules accept it: labels of letters, digits, `-` and `_`, at least one dot or a TLD. */
export function isDomainName(name: string): boolean {
  const n = normaliseName(name.replace(/^\*?\./, ''));
  return (
    n.length > 0 &&
    n.length <= 253 &&
    /^([a-z0-9_]([a-z0-9_-]{0,61}[a-z0-9_])?)(\.[a-z0-9_]([a-z0-9_-]{0,61}[a-z0-9_])?)*$/.test(n)
  );
}

function push<K, T>(m: Map<K, T[]>, k: K, v: T): void {
  const list = m.get(k);
  if (list) list.push(v);
  else m.set(k, [v]);
}
