/**
 * IP → ASN + organisation from range CSV files in the ip-location-db layout
 * (`range_start,range_end,asn,organisation`, inclusive ranges; starts as dotted/colon text or as
 * decimal numbers), held as a compact sorted range table and searched by bisection.
 *
 * Why a range table and not an MMDB: the open ASN data on npm (`@ip-location-db/asn`) ships only CSV.
 * Parsing its 515 000 rows takes ~0.5–1 s, so the first load writes the table to a binary cache file
 * (typed arrays + one string block) that later loads map in tens of milliseconds; see
 * bench/enrich-bench.ts for the figures. Memory: 16 bytes per IPv4 range, 40 per IPv6 range, plus
 * the organisation names once each (~13 MB for the full table).
 *
 * Rows that do not parse are skipped and counted (`skippedRows`); a file that cannot be read, or
 * yields no row at all, is a `CW_ERR_ENRICH_DB` error naming it.
 */

import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { CamwatchError, parseIpv4, parseIpv6 } from '../../model/index.js';

export interface AsnHit {
  readonly asn: number;
  readonly asOrg: string | undefined;
}

export interface AsnTable {
  /** Lookup by IPv4 uint32. */
  lookupV4(n: number): AsnHit | undefined;
  /** Lookup by IPv6 words (most significant first). */
  lookupV6(w: Uint32Array): AsnHit | undefined;
  readonly v4Ranges: number;
  readonly v6Ranges: number;
  readonly skippedRows: number;
  /** Where the table came from: 'csv' (parsed now) or 'cache' (binary cache file). */
  readonly loadedFrom: 'csv' | 'cache';
}

interface Columns {
  v4Start: Uint32Array;
  v4End: Uint32Array;
  v4Asn: Uint32Array;
  v4Org: Uint32Array;
  v6Start: Uint32Array; // 4 words per range
  v6End: Uint32Array;
  v6Asn: Uint32Array;
  v6Org: Uint32Array;
  orgs: string[];
  skipped: number;
}

const TWO32 = 2 ** 32;

/** Grow-by-doubling uint32 column used while parsing. */
class U32Builder {
  a = new Uint32Array(1 << 16);
  n = 0;
  push(v: number): void {
    if (this.n === this.a.length) {
      const b = new Uint32Array(this.a.length * 2);
      b.set(this.a);
      this.a = b;
    }
    this.a[this.n++] = v;
  }
  done(): Uint32Array {
    return this.a.slice(0, this.n);
  }
}

function unquote(field: string): string {
  let f = field.trim();
  if (f.length >= 2 && f.charCodeAt(0) === 34 && f.charCodeAt(f.length - 1) === 34) {
    f = f.slice(1, -1).replaceAll('""', '"');
  }
  return f.replaceAll('\n', ' ');
}

function decimalToWords(s: string, out: Uint32Array): boolean {
  if (!/^\d{1,39}$/.test(s)) return false;
  let b = BigInt(s);
  if (b >= 1n << 128n) return false;
  for (let k = 3; k >= 0; k--) {
    out[k] = Number(b & 0xffffffffn);
    b >>= 32n;
  }
  return true;
}

/** Parse one address field of a row into v4 (returns number) or v6 (fills words, returns -2). */
function parseRangeBound(f: string, words: Uint32Array): number {
  if (f.includes(':')) return parseIpv6(f, words) ? -2 : -1;
  if (f.includes('.')) return parseIpv4(f);
  if (f.length <= 10 && /^\d+$/.test(f)) {
    const n = Number(f);
    return n < TWO32 ? n : -1;
  }
  return decimalToWords(f, words) ? -2 : -1;
}

function cmpWords(a: Uint32Array, ai: number, b: Uint32Array, bi: number): number {
  for (let k = 0; k < 4; k++) {
    const x = a[ai + k];
    const y = b[bi + k];
    if (x !== y) return x < y ? -1 : 1;
  }
  return 0;
}

/** Parse the text of range CSV files into columns. Exported for tests. */
export function parseAsnCsv(texts: readonly string[]): Columns {
  const v4s = new U32Builder();
  const v4e = new U32Builder();
  const v4a = new U32Builder();
  const v4o = new U32Builder();
  const v6s = new U32Builder();
  const v6e = new U32Builder();
  const v6a = new U32Builder();
  const v6o = new U32Builder();
  const orgIndex = new Map<string, number>();
  const orgs: string[] = [];
  let skipped = 0;
  const ws = new Uint32Array(4);
  const we = new Uint32Array(4);
  let v4Sorted = true;
  let v6Sorted = true;
  for (const text of texts) {
    let pos = 0;
    const len = text.length;
    while (pos < len) {
      let nl = text.indexOf('\n', pos);
      if (nl < 0) nl = len;
      let lineEnd = nl;
      if (lineEnd > pos && text.charCodeAt(lineEnd - 1) === 13) lineEnd--;
      const c1 = text.indexOf(',', pos);
      const c2 = c1 < 0 || c1 >= lineEnd ? -1 : text.indexOf(',', c1 + 1);
      const c3 = c2 < 0 || c2 >= lineEnd ? -1 : text.indexOf(',', c2 + 1);
      if (lineEnd === pos) {
        pos = nl + 1;
        continue;
      }
      if (c3 < 0 || c3 >= lineEnd) {
        skipped++;
        pos = nl + 1;
        continue;
      }
      const s = parseRangeBound(text.slice(pos, c1).trim(), ws);
      const e = parseRangeBound(text.slice(c1 + 1, c2).trim(), we);
      const asnText = text
        .slice(c2 + 1, c3)
        .trim()
        .replace(/^AS/i, '');
      const asn = /^\d{1,10}$/.test(asnText) ? Number(asnText) : -1;
      if (asn < 0 || asn >= TWO32 || s === -1 || e === -1 || (s === -2) !== (e === -2)) {
        skipped++;
        pos = nl + 1;
        continue;
      }
      const org = unquote(text.slice(c3 + 1, lineEnd));
      let oi = orgIndex.get(org);
      if (oi === undefined) {
        oi = orgs.length;
        orgs.push(org);
        orgIndex.set(org, oi);
      }
      if (s >= 0) {
        let start = s;
        const n = v4s.n;
        if (n > 0 && start <= v4e.a[n - 1] && start >= v4s.a[n - 1]) {
          // overlaps the previous row (upstream has a few): the earlier row keeps its part
          start = v4e.a[n - 1] + 1;
        }
        if (e < start) {
          skipped++;
        } else if (n > 0 && v4e.a[n - 1] + 1 === start && v4a.a[n - 1] === asn && v4o.a[n - 1] === oi) {
          v4e.a[n - 1] = e; // adjacent range of the same AS: merge
        } else {
          if (n > 0 && start < v4s.a[n - 1]) v4Sorted = false;
          v4s.push(start);
          v4e.push(e);
          v4a.push(asn);
          v4o.push(oi);
        }
      } else if (cmpWords(we, 0, ws, 0) < 0) {
        skipped++;
      } else {
        const n = v6a.n;
        if (n > 0 && cmpWords(ws, 0, v6e.a, (n - 1) * 4) <= 0) v6Sorted = false;
        for (let k = 0; k < 4; k++) {
          v6s.push(ws[k]);
          v6e.push(we[k]);
        }
        v6a.push(asn);
        v6o.push(oi);
      }
      pos = nl + 1;
    }
  }
  const cols: Columns = {
    v4Start: v4s.done(),
    v4End: v4e.done(),
    v4Asn: v4a.done(),
    v4Org: v4o.done(),
    v6Start: v6s.done(),
    v6End: v6e.done(),
    v6Asn: v6a.done(),
    v6Org: v6o.done(),
    orgs,
    skipped,
  };
  if (!v4Sorted) sortV4(cols);
  if (!v6Sorted) sortV6(cols);
  return cols;
}

/** Unsorted input (several files, or hand-made CSV): sort by start; overlaps are clipped, ranges inside others dropped. */
function sortV4(c: Columns): void {
  const idx = Array.from(c.v4Start.keys()).sort((i, j) => c.v4Start[i] - c.v4Start[j]);
  const keep: number[] = [];
  let lastEnd = -1;
  for (const i of idx) {
    if (c.v4End[i] <= lastEnd) {
      c.skipped++; // inside an earlier range
      continue;
    }
    if (c.v4Start[i] <= lastEnd) c.v4Start[i] = lastEnd + 1; // overlap: clip
    keep.push(i);
    lastEnd = c.v4End[i];
  }
  const pick = (a: Uint32Array): Uint32Array => Uint32Array.from(keep, (i) => a[i]);
  c.v4Start = pick(c.v4Start);
  c.v4End = pick(c.v4End);
  c.v4Asn = pick(c.v4Asn);
  c.v4Org = pick(c.v4Org);
}

function sortV6(c: Columns): void {
  const idx = Array.from(c.v6Asn.keys()).sort((i, j) => cmpWords(c.v6Start, i * 4, c.v6Start, j * 4));
  const keep: number[] = [];
  let last = -1;
  for (const i of idx) {
    if (last < 0 || cmpWords(c.v6Start, i * 4, c.v6End, last * 4) > 0) {
      keep.push(i);
      last = i;
    } else {
      c.skipped++;
    }
  }
  const pick4 = (a: Uint32Array): Uint32Array => {
    const out = new Uint32Array(keep.length * 4);
    keep.forEach((i, k) => {
      out.set(a.subarray(i * 4, i * 4 + 4), k * 4);
    });
    return out;
  };
  c.v6Start = pick4(c.v6Start);
  c.v6End = pick4(c.v6End);
  c.v6Asn = Uint32Array.from(keep, (i) => c.v6Asn[i]);
  c.v6Org = Uint32Array.from(keep, (i) => c.v6Org[i]);
}

function tableFromColumns(c: Columns, loadedFrom: 'csv' | 'cache'): AsnTable {
  const { v4Start, v4End, v4Asn, v4Org, v6Start, v6End, v6Asn, v6Org, orgs } = c;
  const n4 = v4Start.length;
  const n6 = v6Asn.length;
  const hit = (asn: number, org: number): AsnHit => ({ asn, asOrg: orgs[org] || undefined });
  return {
    lookupV4(n) {
      let lo = 0;
      let hi = n4 - 1;
      let found = -1;
      while (lo <= hi) {
        const mid = (lo + hi) >>> 1;
        if (v4Start[mid] <= n) {
          found = mid;
          lo = mid + 1;
        } else {
          hi = mid - 1;
        }
      }
      if (found < 0 || n > v4End[found]) return undefined;
      return hit(v4Asn[found], v4Org[found]);
    },
    lookupV6(w) {
      let lo = 0;
      let hi = n6 - 1;
      let found = -1;
      while (lo <= hi) {
        const mid = (lo + hi) >>> 1;
        if (cmpWords(v6Start, mid * 4, w, 0) <= 0) {
          found = mid;
          lo = mid + 1;
        } else {
          hi = mid - 1;
        }
      }
      if (found < 0 || cmpWords(w, 0, v6End, found * 4) > 0) return undefined;
      return hit(v6Asn[found], v6Org[found]);
    },
    v4Ranges: n4,
    v6Ranges: n6,
    skippedRows: c.skipped,
    loadedFrom,
  };
}

// ---- binary cache ----------------------------------------------------------------------------

const MAGIC = 'CWASN\u0001\n\0';
const CACHE_FORMAT = 1;

function serialize(c: Columns): Buffer {
  const orgBlock = Buffer.from(c.orgs.join('\n'), 'utf8');
  const header = Buffer.from(
    JSON.stringify({
      format: CACHE_FORMAT,
      littleEndian: new Uint8Array(new Uint32Array([1]).buffer)[0] === 1,
      n4: c.v4Start.length,
      n6: c.v6Asn.length,
      orgs: c.orgs.length,
      orgBytes: orgBlock.length,
      skipped: c.skipped,
    }),
  );
  const headerPadded = Buffer.alloc(Math.ceil(header.length / 4) * 4, 0x20);
  header.copy(headerPadded);
  const lenBuf = Buffer.alloc(4);
  lenBuf.writeUInt32LE(headerPadded.length);
  const arrays = [c.v4Start, c.v4End, c.v4Asn, c.v4Org, c.v6Start, c.v6End, c.v6Asn, c.v6Org];
  return Buffer.concat([
    Buffer.from(MAGIC, 'latin1'),
    lenBuf,
    headerPadded,
    ...arrays.map((a) => Buffer.from(a.buffer, a.byteOffset, a.byteLength)),
    orgBlock,
  ]);
}

function deserialize(buf: Buffer): Columns | undefined {
  if (buf.length < 12 || buf.toString('latin1', 0, 8) !== MAGIC) return undefined;
  const hlen = buf.readUInt32LE(8);
  const h = JSON.parse(buf.toString('utf8', 12, 12 + hlen)) as {
    format: number;
    littleEndian: boolean;
    n4: number;
    n6: number;
    orgBytes: number;
    skipped: number;
  };
  const le = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;
  if (h.format !== CACHE_FORMAT || h.littleEndian !== le) return undefined;
  let off = 12 + hlen;
  const expected = off + (h.n4 * 16 + h.n6 * 40) + h.orgBytes;
  if (buf.length !== expected) return undefined;
  // typed-array views need 4-byte alignment; readFileSync of a large file normally gives offset 0
  const base = buf.byteOffset % 4 === 0 ? buf : Buffer.from(buf);
  const view = (count: number): Uint32Array => {
    const a = new Uint32Array(base.buffer, base.byteOffset + off, count);
    off += count * 4;
    return a;
  };
  const cols: Columns = {
    v4Start: view(h.n4),
    v4End: view(h.n4),
    v4Asn: view(h.n4),
    v4Org: view(h.n4),
    v6Start: view(h.n6 * 4),
    v6End: view(h.n6 * 4),
    v6Asn: view(h.n6),
    v6Org: view(h.n6),
    orgs: [],
    skipped: h.skipped,
  };
  cols.orgs = base.toString('utf8', off, off + h.orgBytes).split('\n');
  return cols;
}

/** The cache folder: `CAMWATCH_CACHE_DIR`, else `$XDG_CACHE_HOME/camwatch`, else `~/.cache/camwatch`. */
export function defaultCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.CAMWATCH_CACHE_DIR) return resolve(env.CAMWATCH_CACHE_DIR);
  const base = env.XDG_CACHE_HOME ? resolve(env.XDG_CACHE_HOME) : join(homedir(), '.cache');
  return join(base, 'camwatch');
}

export interface LoadAsnTableOptions {
  /** Folder for the binary cache; `false` turns the cache off. Default: defaultCacheDir(). */
  cacheDir?: string | false;
}

function enrichDbError(file: string, why: string, cause?: unknown): CamwatchError {
  return new CamwatchError('CW_ERR_ENRICH_DB', `${file}: ${why}`, { file, cause });
}

/**
 * Load range CSV files (IPv4 and IPv6 rows may share a file or not) into one table, through the
 * binary cache when allowed. The cache key covers each file's absolute path, size and mtime.
 */
export function loadAsnTable(files: readonly string[], opts: LoadAsnTableOptions = {}): AsnTable {
  const stats = files.map((f) => {
    try {
      const st = statSync(f);
      if (!st.isFile()) throw new Error('not a file');
      return `${resolve(f)}:${st.size}:${st.mtimeMs}`;
    } catch (err) {
      throw enrichDbError(f, 'ASN range file is missing or unreadable', err);
    }
  });
  const cacheDir = opts.cacheDir === undefined ? defaultCacheDir() : opts.cacheDir;
  const key = createHash('sha256')
    .update(`${CACHE_FORMAT}\n${stats.join('\n')}`)
    .digest('hex')
    .slice(0, 24);
  const cacheFile = cacheDir === false ? undefined : join(cacheDir, `asn-${key}.bin`);
  if (cacheFile !== undefined) {
    try {
      const cols = deserialize(readFileSync(cacheFile));
      if (cols !== undefined) return tableFromColumns(cols, 'cache');
    } catch {
      // no cache yet, or unreadable: rebuild below
    }
  }
  const texts = files.map((f) => {
    try {
      return readFileSync(f, 'utf8');
    } catch (err) {
      throw enrichDbError(f, 'ASN range file cannot be read', err);
    }
  });
  const cols = parseAsnCsv(texts);
  if (cols.v4Start.length + cols.v6Asn.length === 0) {
    throw enrichDbError(
      files.join(', '),
      'no ASN range row could be read (expected start,end,asn,organisation)',
    );
  }
  if (cacheFile !== undefined && cacheDir !== false) {
    try {
      mkdirSync(cacheDir, { recursive: true });
      const tmp = `${cacheFile}.${process.pid}.tmp`;
      writeFileSync(tmp, serialize(cols));
      renameSync(tmp, cacheFile);
    } catch {
      // a read-only home is fine: the table is in memory, only the next start is slower
    }
  }
  return tableFromColumns(cols, 'csv');
}
