/**
 * What ssl.log and dns.log say about a connection, keyed by Zeek's connection `uid`, so the conn.log
 * flow of the same connection carries its SNI and DNS query/answers.
 *
 * Why a side table and not a join after the fact: Zeek writes ssl.log/dns.log rows when the TLS
 * handshake or DNS transaction completes, but conn.log rows only when the connection ends, so for
 * one rotation interval the ssl/dns rows of a connection are in the same directory (same rotation
 * suffix) as its conn row. Reading those two small files first (they hold one row per TLS or DNS
 * transaction, not per packet) and then streaming conn.log keeps conn.log — the big one — streaming.
 * The table is bounded (`maxEntries`); past it, further rows are counted and not joined.
 */
import type { Flow } from '../../../model/index.js';

export interface ZeekSideInfo {
  tlsSni: string | undefined;
  dnsQuery: string | undefined;
  dnsAnswers: string[] | undefined;
}

export const DEFAULT_JOIN_MAX_ENTRIES = 2_000_000;
const MAX_ANSWERS_PER_UID = 32;

export class ZeekSideTable {
  private readonly byUid = new Map<string, ZeekSideInfo>();
  /** Rows not stored because the table was full. */
  dropped = 0;

  constructor(private readonly maxEntries = DEFAULT_JOIN_MAX_ENTRIES) {}

  get size(): number {
    return this.byUid.size;
  }

  get(uid: string): ZeekSideInfo | undefined {
    return this.byUid.get(uid);
  }

  /** Copies what ssl/dns said about `uid` into its conn flow; true when the uid was known. */
  fill(uid: string | undefined, f: Flow): boolean {
    const info = uid === undefined ? undefined : this.byUid.get(uid);
    if (info === undefined) return false;
    f.tlsSni = info.tlsSni;
    f.dnsQuery = info.dnsQuery;
    f.dnsAnswers = info.dnsAnswers;
    return true;
  }

  private entry(uid: string): ZeekSideInfo | undefined {
    let e = this.byUid.get(uid);
    if (e) return e;
    if (this.byUid.size >= this.maxEntries) {
      this.dropped++;
      return undefined;
    }
    e = { tlsSni: undefined, dnsQuery: undefined, dnsAnswers: undefined };
    this.byUid.set(uid, e);
    return e;
  }

  addSni(uid: string, sni: string): void {
    const e = this.entry(uid);
    if (e && e.tlsSni === undefined) e.tlsSni = sni;
  }

  /** The first query of a connection is kept; answers of all its transactions are merged. */
  addDns(uid: string, query: string | undefined, answers: readonly string[]): void {
    const e = this.entry(uid);
    if (!e) return;
    if (e.dnsQuery === undefined && query !== undefined) e.dnsQuery = query;
    if (answers.length === 0) return;
    const list = e.dnsAnswers ?? [];
    for (const a of answers) {
      if (list.length >= MAX_ANSWERS_PER_UID) break;
      if (!list.includes(a)) list.push(a);
    }
    e.dnsAnswers = list;
  }
}
