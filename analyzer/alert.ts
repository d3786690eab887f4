/**
 * The Alert record the detectors produce. It lives here until model/ takes it over (model/ is shared
 * and owned elsewhere); the field names are the public jsonl contract of `camwatch scan --format jsonl`:
 * `id`, `deviceIp`, `peerIp`, `peerName`, `detector`, `severity`, `score`, `firstSeen`, `lastSeen`,
 * `count`, `bytes`, `explanation`, `evidence`, `subScores`. Times are ms in memory and ISO-8601 UTC with
 * milliseconds in jsonl, as for flows.
 *
 * Identity: one alert per (device, detector, peer key). The id is a hash of those three, so analysing
 * the same data again yields the same ids and the store's ReplacingMergeTree keeps one row per alert.
 * The peer key is the peer's name when it has one (vendor clouds rotate addresses behind one name) and
 * its address otherwise (research/anchors.md §1.1, RITA keys by SNI first).
 */
import { createHash } from 'node:crypto';
import { parseIpv4 } from '../model/index.js';
import type { MatchedBy } from './rules/compiled-rules.js';
import { normaliseName } from './rules/domain-matcher.js';
import { parseIp } from './rules/ip-address.js';
import type { Confidence, Detector, Purpose, Severity } from './rules/rule-types.js';

/** A vendor rule behind an alert, with its public source. */
export interface AlertVendorRule {
  ruleId: string;
  vendor: string;
  product?: string;
  purpose: Purpose;
  matchedBy: MatchedBy;
  indicator: string;
  matchedValue: string;
  confidence: Confidence;
  source: string;
  sourceUrls: readonly string[];
}

/** A name the peer was seen under, how, and when first. */
export interface AlertName {
  name: string;
  /** sni, http, dns, quic */
  source?: string;
  firstSeen?: number;
  count?: number;
}

/** A flow behind the alert, to pivot to the raw data (Zeek/Suricata via Community ID). */
export interface FlowRef {
  start: number;
  communityId?: string;
  sourceFile?: string;
  sourceRecord?: number;
}

export interface AlertEvidence {
  names?: AlertName[];
  /** Peer ports (transport) seen. */
  ports?: number[];
  protos?: number[];
  /** All peer addresses seen under the peer key (up to 10). */
  peerIps?: string[];
  vendorRules?: AlertVendorRule[];
  /** Beacon details: period and jitter in ms, interval counts, median bytes, RITA's own score. */
  beacon?: {
    periodMs: number;
    jitterMs: number;
    intervals: number;
    onTime: number;
    missedBeats: number;
    medianBytes?: number;
    basis: 'connections' | 'sessions' | 'none';
    rita: { ts: number; ds: number; hist: number; dur: number; score: number };
  };
  /** Watch-list or allow rules involved. */
  rules?: {
    kind: 'watch' | 'allow' | 'override' | 'suppression';
    id: string;
    file: string;
    reason: string;
  }[];
  /** Detector-specific facts: DNS query, SOAP action, bytes thresholds, devices in the fleet… */
  facts?: Record<string, string | number | boolean | string[]>;
  /** Up to 10 flows behind the alert. */
  flows?: FlowRef[];
}

export interface Alert {
  id: string;
  deviceIp: string;
  deviceName?: string;
  deviceVendor?: string;
  deviceSite?: string;
  peerIp?: string;
  peerName?: string;
  peerPort?: number;
  peerCountry?: string;
  peerAsn?: number;
  peerAsOrg?: string;
  detector: Detector;
  severity: Severity;
  /** 0–100. */
  score: number;
  firstSeen: number;
  lastSeen: number;
  /** Flows (or events) behind the alert. */
  count: number;
  /** Bytes the device sent to the peer. */
  bytes: number;
  /** Bytes the peer sent back. */
  bytesIn?: number;
  explanation: string;
  evidence: AlertEvidence;
  /** The detector's sub-scores (0–1), e.g. interval, size, coverage, histogram for a beacon. */
  subScores?: Record<string, number>;
}

/**
 * An alert before its id and explanation are filled in. `key` replaces the peer key in the id when the
 * alert groups many peers (a scan: `scan:23`; exposure: `inbound:80`); it is not part of the alert.
 */
export type AlertDraft = Omit<Alert, 'id' | 'explanation'> & { key?: string };

/** Addresses as one text: IPv4-mapped IPv6 back to dotted IPv4, IPv6 lower case. */
export function normaliseIp(ip: string): string {
  // Dotted IPv4 the strict parser accepts (no leading zeros, no spaces) is already the canonical
  // text: the common case (every alert's device, most peers) needs no second text built.
  if (parseIpv4(ip) >= 0) return ip;
  const p = parseIp(ip);
  if (!p) return ip.toLowerCase();
  if (p.v === 4) return [p.n >>> 24, (p.n >>> 16) & 255, (p.n >>> 8) & 255, p.n & 255].join('.');
  return ip.toLowerCase();
}

/** The peer key: its name when known, otherwise its address. */
export function peerKey(peer: { peerName?: string | undefined; peerIp?: string | undefined }): string {
  if (peer.peerName) return `name:${normaliseName(peer.peerName)}`;
  if (peer.peerIp) return `ip:${normaliseIp(peer.peerIp)}`;
  return 'none';
}

/** Deterministic alert id: `cw-` and 24 hex digits of SHA-256(device | detector | peer key). */
export function alertId(deviceIp: string, detector: Detector, key: string): string {
  const h = createHash('sha256')
    .update(`${normaliseIp(deviceIp)}|${detector}|${key}`)
    .digest('hex');
  return `cw-${h.slice(0, 24)}`;
}

/**
 * Fold a fresh alert for the same id into a stored one (incremental analysis). The time range
 * widens; counts and bytes add when the fresh window starts after the stored one ended, and
 * otherwise (the same window analysed again) the larger value stands, so a re-run never doubles.
 * Score and severity take the fresh values (rules may have changed); evidence is the fresh one.
 */
export function mergeAlert(stored: Alert, fresh: Alert): Alert {
  if (stored.id !== fresh.id) throw new Error(`mergeAlert: ids differ (${stored.id}, ${fresh.id})`);
  const disjoint = fresh.firstSeen > stored.lastSeen;
  const add = (a: number, b: number): number => (disjoint ? a + b : Math.max(a, b));
  const merged: Alert = {
    ...fresh,
    firstSeen: Math.min(stored.firstSeen, fresh.firstSeen),
    lastSeen: Math.max(stored.lastSeen, fresh.lastSeen),
    count: add(stored.count, fresh.count),
    bytes: add(stored.bytes, fresh.bytes),
  };
  if (stored.bytesIn !== undefined || fresh.bytesIn !== undefined)
    merged.bytesIn = add(stored.bytesIn ?? 0, fresh.bytesIn ?? 0);
  return merged;
}

const iso = (ms: number): string => new Date(ms).toISOString();

/** The jsonl/JSON shape: times as ISO-8601 UTC strings, absent values omitted. */
export function alertToJson(a: Alert): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(a)) {
    if (v === undefined) continue;
    out[k] = k === 'firstSeen' || k === 'lastSeen' ? iso(v as number) : v;
  }
  const ev: Record<string, unknown> = { ...a.evidence };
  if (a.evidence.names)
    ev.names = a.evidence.names.map((n) =>
      n.firstSeen === undefined ? n : { ...n, firstSeen: iso(n.firstSeen) },
    );
  if (a.evidence.flows) ev.flows = a.evidence.flows.map((f) => ({ ...f, start: iso(f.start) }));
  out.evidence = ev;
  return out;
}

export const SEVERITY_RANK: Record<Severity, number> = { info: 0, low: 1, medium: 2, high: 3, critical: 4 };

/** What alerts are ordered by. */
type AlertOrder = Pick<Alert, 'severity' | 'score' | 'lastSeen' | 'id'>;

/** Worst first: severity, then score, then most recent, then id (stable). */
export function compareAlerts(a: AlertOrder, b: AlertOrder): number {
  return (
    SEVERITY_RANK[b.severity] - SEVERITY_RANK[a.severity] ||
    b.score - a.score ||
    b.lastSeen - a.lastSeen ||
    (a.id < b.id ? -1 : a.id > b.id ? 1 : 0)
  );
}

/**
 * `alerts` sorted by compareAlerts, for long lists: the keys are copied into objects of one shape
 * first. Alerts differ in shape (each detector sets other optional fields), so compareAlerts' reads
 * on them are megamorphic: sorting the 30 499 alerts of bench/analysis-bench.ts took 160 ms that way,
 * ~40 ms on the copied keys.
 */
export function sortAlerts(alerts: Iterable<Alert>): Alert[] {
  const keyed: (AlertOrder & { alert: Alert })[] = [];
  for (const a of alerts)
    keyed.push({ severity: a.severity, score: a.score, lastSeen: a.lastSeen, id: a.id, alert: a });
  keyed.sort(compareAlerts);
  return keyed.map((k) => k.alert);
}
