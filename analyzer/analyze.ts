/**
 * One analysis run over the stored flows of a time window: runs the detectors' SQL in ClickHouse,
 * judges the rows with the compiled rules (allow, watch, vendor intelligence, suppressions, overrides),
 * scores beacons, and returns the alerts, worst first. Rules are applied here, at alert time, so a
 * changed rule takes effect on the next run without re-ingesting (RITA's users asked for exactly that).
 *
 * Idempotent: alert ids are a hash of (device, detector, peer key); running twice over the same data
 * gives the same alerts. Writing them to the alerts table (a ReplacingMergeTree by id) is the caller's.
 */
import { type Alert, type AlertDraft, type FlowRef, sortAlerts } from './alert.js';
import { finishAlert } from './build-alert.js';
import { type BeaconScore, scoreBeacon } from './detectors/beacon-score.js';
import { ALLOWABLE, judgeDestination, PROTOCOL_SCORE } from './detectors/destination-judge.js';
import { type AnalysisWindow, type QueryRunner, queryWindowScope } from './queries/flow-view.js';
import { type NewPeerBaseline, queryNewPeers } from './queries/new-peer-query.js';
import { type PeerSummary, queryPeerSummaries } from './queries/peer-summary-query.js';
import { type ProtocolEvent, queryProtocolEvents } from './queries/protocol-events-query.js';
import type {
  CompiledRules,
  DeviceInfo,
  PeerInfo,
  RuleRef,
  VendorRuleMatch,
} from './rules/compiled-rules.js';
import type { Detector, Purpose, Severity, Suppression } from './rules/rule-types.js';

export interface AnalyzeOptions {
  window: AnalysisWindow;
  /**
   * What the new-peer detector compares with. Default: the learned baselines (`camwatch baseline
   * learn`), the most recently learned one covering each device; `{ name }`: that learned baseline;
   * a period `{ sinceMs, untilMs }`: the stored flows of that period. A device no baseline covers
   * gets no new-peer alerts.
   */
  baseline?: NewPeerBaseline;
  /** Time suppressions are judged at (default: now). */
  nowMs?: number;
}

export interface SuppressedAlert {
  alert: Alert;
  by: RuleRef<Suppression>;
}

export interface AnalysisResult {
  alerts: Alert[];
  /** Alerts a suppression hid, with the suppression (so `rules check` and the UI can show them). */
  suppressed: SuppressedAlert[];
  /** Alerts per detector, after suppression. */
  counts: Partial<Record<Detector, number>>;
}

type Facts = Record<string, string | number | boolean>;
type Pair = PeerSummary | string;

interface Pending {
  draft: AlertDraft;
  purposes: readonly Purpose[];
  /**
   * The pair, for the new/rare-peer modifiers: its summary (an identity lookup, no text to hash), or
   * `device|event key` for a protocol event no summary has.
   */
  pair: Pair;
  /** A destination alert, left out when a protocol alert covers its pair. */
  coverable: boolean;
  /** The rare-peer modifier's facts, once applied, and the facts before them. */
  rare?: { facts: Facts; before: AlertDraft['evidence']['facts'] };
  /** The draft settled (see `settle`); a modifier drops it, and the draft is settled again. */
  settled?: Settled;
}

/** A settled draft: the alert, and the suppression that hides it, if any. */
interface Settled {
  alert: Alert;
  suppressedBy: RuleRef<Suppression> | undefined;
}

interface Ctx {
  rules: CompiledRules;
  nowMs: number;
  alerts: Map<string, Alert>;
  suppressed: SuppressedAlert[];
}

function peerInfo(
  s: { peerIps: string[]; peerName?: string | undefined; country?: string; asn?: number },
  port?: number,
  proto?: number,
): PeerInfo & { ip: string } {
  return {
    ip: s.peerIps[0] ?? '::',
    name: s.peerName,
    port,
    proto,
    asn: s.asn,
    country: s.country,
  };
}

function deviceInfo(s: {
  deviceIp: string;
  deviceSite?: string | undefined;
  deviceVendor?: string | undefined;
  deviceName?: string | undefined;
}): DeviceInfo {
  return { ip: s.deviceIp, site: s.deviceSite, vendor: s.deviceVendor, name: s.deviceName };
}

/**
 * Every peer of a grouped event is covered by an allow rule (all peers listed, none left out), by
 * its address or a name it was seen under (a MUD file allows `pool.ntp.org` by name, not by address).
 */
function allPeersAllowed(rules: CompiledRules, e: ProtocolEvent): boolean {
  if (e.peerIps.length === 0 || e.peerIps.length !== e.peers) return false;
  const device = deviceInfo(e);
  const port = e.ports.length === 1 ? e.ports[0] : undefined;
  return e.peerIps.every((ip) => {
    const names = e.peerNames.filter(([at]) => at === ip).map(([, name]) => name);
    return judgeDestination(rules, device, { ip, port, names }).allowedBy !== undefined;
  });
}

function toAlertRules(v: VendorRuleMatch[]): AlertDraft['evidence']['vendorRules'] {
  if (v.length === 0) return undefined;
  return v.slice(0, 5).map((m) => ({
    ruleId: m.ruleId,
    vendor: m.vendor,
    ...(m.product ? { product: m.product } : {}),
    purpose: m.purpose,
    matchedBy: m.matchedBy,
    indicator: m.indicator,
    matchedValue: m.matchedValue,
    confidence: m.confidence,
    source: m.source,
    sourceUrls: m.sourceUrls,
  }));
}

/** Queue a draft; modifiers, suppressions and overrides are applied when every detector has run. */
function emit(
  list: Pending[],
  pair: Pair,
  draft: AlertDraft,
  purposes: readonly Purpose[] = [],
  coverable = false,
): void {
  list.push({ draft, purposes, pair, coverable });
}

/**
 * A new- or rare-peer modifier: score +10 and its facts (the explanation's sentence). Facts keep the
 * order new, then rare, whichever came first.
 */
function modifyDraft(p: Pending, facts: Facts, kind: 'new' | 'rare'): void {
  const ev = p.draft.evidence;
  if (kind === 'rare') {
    p.rare = { facts, before: ev.facts };
    ev.facts = { ...ev.facts, ...facts };
  } else if (p.rare) {
    ev.facts = { ...p.rare.before, ...facts, ...p.rare.facts };
  } else {
    ev.facts = { ...ev.facts, ...facts };
  }
  p.draft.score = Math.min(100, p.draft.score + 10);
  p.settled = undefined;
}

/**
 * Applies suppressions and overrides to a draft and makes its alert, kept as `p.settled` (the draft
 * is left as it is: a modifier may change it, and it is settled again).
 */
function settle(ctx: Ctx, p: Pending): Settled {
  const { draft, purposes } = p;
  const verdict = ctx.rules.judge(
    draft.detector,
    { ip: draft.deviceIp, site: draft.deviceSite, vendor: draft.deviceVendor, name: draft.deviceName },
    {
      ip: draft.peerIp,
      name: draft.peerName,
      port: draft.peerPort,
      asn: draft.peerAsn,
      country: draft.peerCountry,
    },
    draft.severity,
    ctx.nowMs,
    purposes,
  );
  const alert = finishAlert(draft);
  alert.severity = verdict.severity;
  if (verdict.overriddenBy) {
    const r = verdict.overriddenBy;
    alert.evidence = {
      ...alert.evidence,
      rules: [
        ...(alert.evidence.rules ?? []),
        { kind: 'override', id: r.rule.id, file: r.file, reason: r.rule.reason },
      ],
    };
  }
  p.settled = { alert, suppressedBy: verdict.suppressedBy };
  return p.settled;
}

/** Keep a settled alert (the higher score wins on an id clash), or count it as suppressed. */
function keep(ctx: Ctx, { alert, suppressedBy }: Settled): void {
  if (suppressedBy) {
    ctx.suppressed.push({ alert, by: suppressedBy });
    return;
  }
  const prev = ctx.alerts.get(alert.id);
  if (!prev || prev.score < alert.score) ctx.alerts.set(alert.id, alert);
}

function commonDraft(
  s:
    | PeerSummary
    | {
        deviceIp: string;
        peerIps: string[];
        peerName?: string | undefined;
        country?: string | undefined;
        asn?: number | undefined;
        asOrg?: string | undefined;
        deviceName?: string | undefined;
        deviceVendor?: string | undefined;
        deviceSite?: string | undefined;
        ports: number[];
      },
): Pick<
  AlertDraft,
  | 'deviceIp'
  | 'deviceName'
  | 'deviceVendor'
  | 'deviceSite'
  | 'peerIp'
  | 'peerName'
  | 'peerPort'
  | 'peerCountry'
  | 'peerAsn'
  | 'peerAsOrg'
> {
  // Every field, absent ones as undefined (which the jsonl and the store leave out): drafts of one
  // shape, so building and copying them stays on V8's fast paths (objects of ten different shapes
  // made each property store after a spread a slow lookup: ~0.1 s per analysis of 28 654 pairs).

  return {
    deviceIp: s.deviceIp,
    deviceName: s.deviceName || undefined,
    deviceVendor: s.deviceVendor || undefined,
    deviceSite: s.deviceSite || undefined,
    peerIp: s.peerIps[0] || undefined,
    peerName: s.peerName || undefined,
    peerPort: s.ports.length === 1 ? s.ports[0] : undefined,
    peerCountry: s.country || undefined,
    peerAsn: s.asn || undefined,
    peerAsOrg: s.asOrg || undefined,
  };
}

/**
 * `{ ...common, ...fields }`, written so that V8 (Node 20) builds it cheaply. A literal that starts
 * with a spread and adds keys (`{ ...common, detector, … }`) is made by cloning common's shape, which
 * has no room for more keys, and then growing it: 2.9 KB per object in a 28 000-object test, against
 * 0.5 KB this way (a key before the spreads makes V8 copy into a fresh literal). The leading key is
 * common's first, so the keys keep their order (the jsonl's). Drafting the 10 M-flow night's 28 654
 * destination alerts allocated 118 MB before, 44 MB after.
 */
function withCommon<C extends { deviceIp: string }, const F extends object>(common: C, fields: F): C & F {
  return { deviceIp: common.deviceIp, ...(common as Partial<C>), ...fields } as C & F;
}

function namesOf(s: PeerSummary): AlertDraft['evidence']['names'] {
  if (s.names.length === 0) return undefined;
  return s.names.map((n) => ({ name: n, ...(s.nameSource ? { source: s.nameSource } : {}) }));
}

export async function analyze(
  db: QueryRunner,
  rules: CompiledRules,
  opts: AnalyzeOptions,
): Promise<AnalysisResult> {
  const ctx: Ctx = { rules, nowMs: opts.nowMs ?? Date.now(), alerts: new Map(), suppressed: [] };
  const w = opts.window;
  const beaconCfg = rules.detector('beacon');
  const rareCfg = rules.detector('rare-peer');
  // The window's local peers once, for every query that needs them (flow-view.ts, ANALYSIS_VIEW_SQL),
  // with the time range and fleet the beacon and rare-peer detectors measure against.
  const { range, localPeers } = await queryWindowScope(db, rules, w);
  // Queued in this order on the store's engine, which runs one query at a time on a thread of its own
  // (chDB: a libuv worker), not on this one: the summaries are judged and their beacons scored below
  // while the engine runs the protocol-events query.
  const summariesDone = queryPeerSummaries(
    db,
    rules,
    w,
    beaconCfg.enabled ? (beaconCfg.minConnections ?? 4) : Infinity,
    localPeers,
  );
  const othersDone = Promise.all([
    queryProtocolEvents(db, rules, w, localPeers),
    rules.detector('new-peer').enabled
      ? queryNewPeers(db, rules, w, opts.baseline, localPeers)
      : Promise.resolve([]),
  ]);
  othersDone.catch(() => undefined); // a failed summary query is the error reported; this one is awaited below
  const summaries = await summariesDone;
  const pairKey = (dev: string, peer: string): string => `${dev}|${peer}`;
  const summaryByPair = new Map(summaries.map((s) => [pairKey(s.deviceIp, s.peerKey), s]));
  // keyed by the summary itself: an identity lookup, no pair text to build and hash per call
  const verdictOf = new Map<PeerSummary, ReturnType<typeof judgeDestination>>();
  const judgePair = (s: PeerSummary) => {
    let v = verdictOf.get(s);
    if (!v) {
      const device = deviceInfo(s);
      const candidates = s.ports.length > 0 ? s.ports : [undefined];
      // judge per port and keep the strongest verdict: a name match wins over a port hint
      for (const port of candidates) {
        const one = judgeDestination(
          rules,
          device,
          peerInfo(s, port, s.protos.length === 1 ? s.protos[0] : undefined),
        );
        if (!v || one.allowedBy || one.score > v.score) v = one;
        if (one.allowedBy) break;
      }
      for (const ip of s.peerIps.slice(1)) {
        const one = judgeDestination(rules, device, { ...peerInfo(s), ip });
        if (one.allowedBy) v = one;
      }
      verdictOf.set(s, v!);
    }
    return v!;
  };
  for (const s of summaries) judgePair(s);
  const beaconScores = new Map<PeerSummary, BeaconScore>();
  for (const s of beaconCfg.enabled ? summaries : []) {
    const b = s.series;
    if (!b || judgePair(s).allowedBy) continue;
    beaconScores.set(
      s,
      scoreBeacon({
        startsMs: b.startsMs,
        endsMs: b.endsMs,
        bytes: b.bytes,
        sessions: b.sessions.length > 0 ? b.sessions : undefined,
        windowStartMs: range?.sinceMs ?? w.sinceMs,
        windowEndMs: range?.untilMs ?? w.untilMs,
      }),
    );
  }
  // The summaries' own alerts (destinations, watch list, volume, beacons) are drafted and settled
  // (rules judged, id and explanation made) while the engine runs the protocol-events query; what
  // that query changes comes after it: a destination alert gives way to a protocol alert on the same
  // pair, and new-peer modifiers settle their drafts again.
  const early: Pending[] = [];
  // destinations: egress / vendor-cloud / p2p / doh, watch lists, volume
  const volumeCfg = rules.detector('volume');
  for (const s of summaries) {
    const v = judgePair(s);
    if (v.local || v.allowedBy) continue;
    const common = commonDraft(s);
    const base = withCommon(common, {
      firstSeen: s.firstMs,
      lastSeen: s.lastMs,
      count: s.flows,
      bytes: s.bytesOut,
      bytesIn: s.bytesIn,
    });
    // a session kept open with traffic through it: a heartbeat the connection-start timing cannot see
    const kept =
      s.longestMs >= 300_000 && s.longestPackets >= 5
        ? { longestSessionMs: s.longestMs, longestSessionPackets: s.longestPackets }
        : undefined;
    const evidence = (): AlertDraft['evidence'] => {
      // conditional keys set one by one: spreading `cond ? {…} : {}` made a temporary object each
      const ev: AlertDraft['evidence'] = {};
      if (kept) ev.facts = { ...kept };
      const names = namesOf(s);
      if (names) ev.names = names;
      ev.ports = s.ports;
      ev.protos = s.protos;
      ev.peerIps = s.peerIps;
      if (v.vendor.length) ev.vendorRules = toAlertRules(v.vendor);
      ev.flows = s.flowRefs as FlowRef[];
      return ev;
    };
    const purposes = v.vendor.map((m) => m.purpose);
    if (v.detector && rules.detector(v.detector).enabled) {
      emit(
        early,
        s,
        withCommon(base, {
          detector: v.detector,
          severity: v.severity,
          score: v.score,
          evidence: evidence(),
        }),
        purposes,
        true,
      );
    }
    if (v.watch.length > 0 && rules.detector('watchlist').enabled) {
      const sev = v.watch.reduce<Severity>(
        (acc, r) => (rank(r.rule.severity) > rank(acc) ? r.rule.severity : acc),
        'info',
      );
      emit(
        early,
        s,
        withCommon(base, {
          detector: 'watchlist',
          severity: sev,
          score: PROTOCOL_SCORE.watchlist ?? 85,
          evidence: {
            ...evidence(),
            rules: v.watch.map((r) => ({
              kind: 'watch' as const,
              id: r.rule.id,
              file: r.file,
              reason: r.rule.reason,
            })),
          },
        }),
        purposes,
      );
    }
    const minBytes = volumeCfg.minBytesOut ?? 10_000_000;
    if (volumeCfg.enabled && s.bytesOut >= minBytes && v.addressClass === 'public') {
      const score = Math.min(100, Math.round(60 + 10 * Math.log2(s.bytesOut / Math.max(1, minBytes))));
      emit(
        early,
        s,
        withCommon(base, {
          detector: 'volume',
          severity: volumeCfg.severity,
          score,
          evidence: { ...evidence(), facts: { ...kept, minBytesOut: minBytes } },
        }),
        purposes,
      );
    }
  }
  // beacons
  for (const [s, score] of beaconScores) {
    const b = s.series!;
    if (score.score < (beaconCfg.minScore ?? 70)) continue;
    const vendor = judgePair(s).vendor;
    const sub: Record<string, number> = {
      interval: score.sub.interval,
      coverage: score.sub.coverage,
      evidence: score.sub.evidence,
    };
    if (score.sub.size !== undefined) sub.size = score.sub.size;
    if (score.sub.histogram !== undefined) sub.histogram = score.sub.histogram;
    if (score.sub.session !== undefined) sub.session = score.sub.session;
    emit(
      early,
      s,
      withCommon(commonDraft(s), {
        detector: 'beacon',
        severity: beaconCfg.severity,
        score: score.score,
        firstSeen: b.startsMs[0]!,
        lastSeen: lastEnd(b.endsMs),
        count: s.flows,
        bytes: s.bytesOut,
        bytesIn: s.bytesIn,
        subScores: sub,
        evidence: {
          ...(namesOf(s) ? { names: namesOf(s) } : {}),
          ports: s.ports,
          peerIps: s.peerIps,
          ...(vendor.length ? { vendorRules: toAlertRules(vendor) } : {}),
          beacon: {
            periodMs: Math.round(score.periodMs),
            jitterMs: Math.round(score.jitterMs),
            intervals: score.intervals,
            onTime: score.onTime,
            missedBeats: score.missedBeats,
            ...(score.medianBytes !== undefined ? { medianBytes: score.medianBytes } : {}),
            basis: score.basis,
            rita: score.rita,
          },
          flows: s.flowRefs,
        },
      }),
      vendor.map((m) => m.purpose),
    );
  }
  // new and rare peers: modifiers of the pair's other alerts (score +10, a sentence in the
  // explanation), standalone alerts only for pairs nothing else reported (RITA's prevalence and
  // first-seen modifiers work the same way; one alert per pair and detector keeps the queue short).
  // Rare: peer keys at most `maxDevices` devices contacted, in a fleet big enough for that to mean
  // something (in a small fleet every peer is "rare").
  const fleet = range?.devices ?? 0;
  const rareInFleet = rareCfg.enabled && fleet >= (rareCfg.minFleet ?? 10);
  const rare = new Map<PeerSummary, Facts>();
  for (const s of rareInFleet ? summaries : []) {
    if (s.devices > (rareCfg.maxDevices ?? 2) || judgePair(s).allowedBy) continue;
    rare.set(s, { devicesContacting: s.devices, fleetSize: fleet });
  }
  for (const p of early) {
    const facts = typeof p.pair === 'string' ? undefined : rare.get(p.pair);
    if (facts) modifyDraft(p, facts, 'rare');
  }
  for (const p of early) settle(ctx, p);

  const [events, newPeers] = await othersDone;
  const protocol: Pending[] = [];
  // protocol misuse
  const coveredByProtocol = new Set<Pair>();
  for (const e of events) {
    const settings = rules.detector(e.kind);
    if (!settings.enabled) continue;
    const grouped =
      e.eventKey.startsWith('scan:') || e.eventKey.startsWith('inbound:') || e.eventKey === 'ntp';
    const key = grouped ? '' : pairKey(e.deviceIp, e.eventKey);
    const s = grouped ? undefined : summaryByPair.get(key);
    const pair = s ?? key;
    const v = s ? judgePair(s) : undefined;
    if (v?.allowedBy && ALLOWABLE.has(e.kind)) continue;
    // A grouped event (public NTP per camera…) is allowed when every one of its peers is.
    if (grouped && ALLOWABLE.has(e.kind) && allPeersAllowed(rules, e)) continue;
    if (!grouped) coveredByProtocol.add(pair);
    const facts: Record<string, string | number | boolean | string[]> = {};
    if (e.dnsQueries.length) facts.queries = e.dnsQueries;
    if (e.soapActions.length) facts.soapAction = e.soapActions[0]!.replace(/^.*#/, '');
    if (e.stun.length) facts.protocol = `STUN ${e.stun.join(', ')}`;
    else if (e.ssdp.length) facts.protocol = 'SSDP';
    if (e.kind === 'inbound-internet' && e.devicePorts.length) facts.devicePort = e.devicePorts[0]!;
    if (grouped) facts.peers = e.peers;
    const common = commonDraft(e);
    if (grouped && e.peers > 1) {
      common.peerIp = undefined;
      common.peerName = undefined;
      common.peerCountry = undefined;
      common.peerAsn = undefined;
      common.peerAsOrg = undefined;
    }
    emit(
      protocol,
      pair,
      withCommon(common, {
        ...(grouped ? { key: e.eventKey } : {}),
        detector: e.kind,
        severity: settings.severity,
        score: PROTOCOL_SCORE[e.kind] ?? 70,
        firstSeen: e.firstMs,
        lastSeen: e.lastMs,
        count: e.flows,
        bytes: e.bytesOut,
        bytesIn: e.bytesIn,
        evidence: {
          ports: e.ports,
          peerIps: e.peerIps,
          ...(v?.vendor.length ? { vendorRules: toAlertRules(v.vendor) } : {}),
          ...(Object.keys(facts).length ? { facts } : {}),
          flows: e.flowRefs,
        },
      }),
      v?.vendor.map((m) => m.purpose) ?? [],
    );
  }
  const kept = early.filter((p) => !(p.coverable && coveredByProtocol.has(p.pair)));
  const byPair = new Map<Pair, Pending[]>();
  for (const p of [...protocol, ...kept]) {
    const list = byPair.get(p.pair);
    if (list) list.push(p);
    else byPair.set(p.pair, [p]);
  }
  const late: Pending[] = [];
  const newCfg = rules.detector('new-peer');
  const standalone = (
    s: PeerSummary,
    detector: 'new-peer' | 'rare-peer',
    severity: Severity,
    score: number,
    facts: Facts,
  ) => {
    emit(
      late,
      s,
      withCommon(commonDraft(s), {
        detector,
        severity,
        score,
        firstSeen: s.firstMs,
        lastSeen: s.lastMs,
        count: s.flows,
        bytes: s.bytesOut,
        bytesIn: s.bytesIn,
        evidence: {
          ...(namesOf(s) ? { names: namesOf(s) } : {}),
          ports: s.ports,
          peerIps: s.peerIps,
          facts,
          flows: s.flowRefs,
        },
      }),
    );
  };
  for (const n of newPeers) {
    const s = summaryByPair.get(pairKey(n.deviceIp, n.peerKey));
    if (!s || judgePair(s).allowedBy) continue;
    const facts = {
      newPeer: true,
      ...(n.baseline.name ? { baseline: n.baseline.name } : {}),
      baselineSince: new Date(n.baseline.sinceMs).toISOString(),
      baselineUntil: new Date(n.baseline.untilMs).toISOString(),
    };
    const list = byPair.get(s);
    if (list) for (const p of list) modifyDraft(p, facts, 'new');
    else standalone(s, 'new-peer', newCfg.severity, 60, facts);
  }
  for (const [s, facts] of rare) {
    const list = byPair.get(s);
    // the summaries' drafts have it already; the protocol drafts of the pair get it now
    if (list) {
      for (const p of list) if (!p.rare) modifyDraft(p, facts, 'rare');
    } else {
      standalone(
        s,
        'rare-peer',
        rareCfg.severity,
        Math.round(50 + 40 * (1 - s.devices / Math.max(1, fleet))),
        facts,
      );
    }
  }

  // kept in the order the detectors ran: protocol, the summaries', then standalone new/rare peers
  for (const p of [...protocol, ...kept, ...late]) keep(ctx, p.settled ?? settle(ctx, p));
  const alerts = sortAlerts(ctx.alerts.values());
  const counts: Partial<Record<Detector, number>> = {};
  for (const a of alerts) counts[a.detector] = (counts[a.detector] ?? 0) + 1;
  return { alerts, suppressed: ctx.suppressed, counts };
}

/** The latest end of a series: a loop, as `Math.max(...ends)` copies every element to the stack. */
function lastEnd(ends: readonly number[]): number {
  let last = -Infinity;
  for (const e of ends) if (e > last) last = e;
  return last;
}

const RANKS: Record<Severity, number> = { info: 0, low: 1, medium: 2, high: 3, critical: 4 };
const rank = (s: Severity): number => RANKS[s];
