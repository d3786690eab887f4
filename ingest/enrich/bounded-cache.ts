/**
 * A bounded map for per-address caches: two generations of `Map`. Lookups hit the young map; a
 * hit in the old map is promoted. When the young map reaches `capacity` it becomes the old one and
 * the previous old one is dropped whole, so memory stays under 2 × capacity entries.
 *
 * Why not a true LRU: a list-linked LRU pays a delete+insert (or pointer juggling) on every hit,
 * which is the common case here (a night of flows has ~10 000 distinct peers and millions of
 * flows); the two-generation scheme pays nothing on a young hit and evicts in O(1) amortised,
 * keeping anything used since the last rotation.
 */
export interface BoundedCache<V> {
  get(key: string): V | undefined;
  set(key: string, value: V): void;
  readonly size: number;
  clear(): void;
}

export function createBoundedCache<V>(capacity: number): BoundedCache<V> {
  const cap = Math.max(1, Math.floor(capacity));
  let young = new Map<string, V>();
  let old = new Map<string, V>();
  const set = (key: string, value: V): void => {
    if (young.size >= cap) {
      old = young;
      young = new Map();
    }
    young.set(key, value);
  };
  return {
    get(key) {
      const v = young.get(key);
      if (v !== undefined) return v;
      const o = old.get(key);
      if (o !== undefined) set(key, o);
      return o;
    },
    set,
    get size() {
      return young.size + old.size;
    },
    clear() {
      young = new Map();
      old = new Map();
    },
  };
}
