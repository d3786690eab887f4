/**
 * Per-flow checks, for the ingest pipeline to run on each flow as it passes (the caller — cli or api —
 * composes them; analyzer and ingest do not import each other). `checkFlow` is synchronous, allocates
 * only when it finds something, and needs nothing but the flow and the compiled rules.
 *
 * The protocol kinds are the same as the SQL of queries/protocol-events-query.ts (a test runs both on
 * the same flows): UPnP AddPortMapping / NAT-PMP, outbound telnet and SSH, inbound from the internet,
 * DNS to outside resolvers, DoT/DoQ, NTP to public servers, STUN/TURN/SSDP to outside peers. Beside
 * them: the destination verdict (egress outside policy, vendor endpoint, watch list).
 */
import type { Flow } from '../../model/flow-fields.js';
import { UPNP_CONTROL_PATH } from '../queries/protocol-events-query.js';
import type {
  CompiledRules,
  DeviceInfo,
  PeerInfo,
  RuleRef,
  VendorRuleMatch,
} from '../rules/compiled-rules.js';
import type { Detector, Severity, SeverityOverride, Suppression } from '../rules/rule-types.js';
import { ALLOWABLE, judgeDestination, PROTOCOL_SCORE } from './destination-judge.js';

/** The camera's view of one flow. */
export interface OrientedFlow {
  deviceIp: string;
  peerIp: string;
  peerPort: number;
  devicePort: number;
  /** The peer started the conversation. */
  inbound: boolean;
  proto: number;
}

/** Device and peer of a flow: enrichment's when present, else the originator is the device. */
export function orientFlow(f: Flow): OrientedFlow | undefined {
  if (f.deviceSide === 'none') return undefined;
  if (f.deviceIp && f.peerIp) {
    const inbound = f.deviceSide === 'resp';
    return {
      deviceIp: f.deviceIp,
      peerIp: f.peerIp,
      peerPort: f.peerPort ?? (inbound ? f.origPort : f.respPort),
      devicePort: inbound ? f.respPort : f.origPort,
      inbound,
      proto: f.proto,
    };
  }
  return {
    deviceIp: f.origIp,
    peerIp: f.respIp,
    peerPort: f.respPort,
    devicePort: f.origPort,
    inbound: false,
    proto: f.proto,
  };
}

const UPNP_CONTROL_RE = new RegExp(UPNP_CONTROL_PATH.replace('(?i)', ''), 'i');

/** The protocol-misuse kind of a flow (mirror of PROTOCOL_KIND_SQL), or undefined. */
export function protocolKind(f: Flow, o: OrientedFlow, peerLocal: boolean): Detector | undefined {
  const p = o.peerPort;
  if (
    (f.soapAction && /AddPortMapping/i.test(f.soapAction)) ||
    (o.proto === 17 && p === 5351 && !o.inbound) ||
    (!o.inbound && !f.soapAction && f.httpMethod === 'POST' && UPNP_CONTROL_RE.test(f.httpPath ?? ''))
  )
    return 'upnp-portmap';
  if (!o.inbound && o.proto === 6 && (p === 23 || p === 2323)) return 'telnet-out';
  if (!o.inbound && o.proto === 6 && p === 22) return 'ssh-out';
  if (o.inbound && !peerLocal && !(o.proto === 6 && f.state === 'OTH')) return 'inbound-internet';
  if (o.inbound || peerLocal) return undefined;
  if (p === 53 && (o.proto === 6 || o.proto === 17)) return 'dns-outside';
  if (p === 853 && (o.proto === 6 || o.proto === 17)) return 'doh';
  if (o.proto === 17 && p === 123) return 'ntp-public';
  if (f.stun || f.ssdp || p === 3478 || p === 3479 || p === 5349) return 'nat-traversal';
  return undefined;
}

export interface Finding {
  detector: Detector;
  severity: Severity;
  /** 0–100. */
  score: number;
  deviceIp: string;
  peerIp: string;
  peerName: string | undefined;
  peerPort: number;
  /** The camera's port (the one reached, for inbound-internet). */
  devicePort: number;
  proto: number;
  /** One line: what was seen. */
  reason: string;
  vendorRules: VendorRuleMatch[];
  watch: string[];
  suppressedBy: RuleRef<Suppression> | undefined;
  overriddenBy: RuleRef<SeverityOverride> | undefined;
}

export interface CheckFlowOptions {
  /** Time the suppressions are judged at (default: the flow's start). */
  nowMs?: number;
  /** Also return findings a suppression hides (with `suppressedBy` set). */
  includeSuppressed?: boolean;
}

const REASON: Record<string, (o: OrientedFlow, f: Flow) => string> = {
  'upnp-portmap': (o, f) =>
    `UPnP ${f.soapAction ? 'AddPortMapping' : 'NAT-PMP/PCP'} request to ${o.peerIp}:${o.peerPort}`,
  'telnet-out': (o) => `outbound telnet to ${o.peerIp}:${o.peerPort}`,
  'ssh-out': (o) => `outbound SSH to ${o.peerIp}:${o.peerPort}`,
  'inbound-internet': (o) => `connection from ${o.peerIp} to the camera's port ${o.devicePort}`,
  'dns-outside': (o, f) => `DNS query${f.dnsQuery ? ` for ${f.dnsQuery}` : ''} sent to ${o.peerIp}`,
  doh: (o) => `DNS over TLS/QUIC to ${o.peerIp}:${o.peerPort}`,
  'ntp-public': (o) => `NTP request to ${o.peerIp}`,
  'nat-traversal': (o, f) =>
    `${f.stun ? `STUN ${f.stun}` : f.ssdp ? 'SSDP' : 'STUN/TURN port'} to ${o.peerIp}:${o.peerPort}`,
};

/** Everything one flow tells about its camera, under the rules. */
export function checkFlow(f: Flow, rules: CompiledRules, opts: CheckFlowOptions = {}): Finding[] {
  const o = orientFlow(f);
  if (!o) return [];
  const peerLocal = rules.isLocal(o.peerIp);
  const kind = protocolKind(f, o, peerLocal);
  if (peerLocal && !kind) return [];

  const device: DeviceInfo = {
    ip: o.deviceIp,
    site: f.deviceSite,
    vendor: f.deviceVendor,
    name: f.deviceName,
  };
  // a DNS flow's name is the name it asked for, not the resolver's
  const dnsFlow = o.peerPort === 53 || o.peerPort === 853 || f.appProto === 'dns';
  const names: string[] = [];
  if (!dnsFlow)
    for (const n of [f.peerName, f.tlsSni, f.httpHost]) if (n && !names.includes(n)) names.push(n);
  const peer: PeerInfo & { ip: string } = {
    ip: o.peerIp,
    name: names[0],
    names,
    port: o.peerPort,
    proto: o.proto,
    asn: f.peerAsn,
    country: f.peerCountry,
  };
  const nowMs = opts.nowMs ?? f.start;
  const out: Finding[] = [];
  const push = (
    detector: Detector,
    severity: Severity,
    score: number,
    reason: string,
    vendor: VendorRuleMatch[],
    watch: string[],
  ) => {
    const verdict = rules.judge(
      detector,
      device,
      peer,
      severity,
      nowMs,
      vendor.map((v) => v.purpose),
    );
    if (verdict.suppressedBy && !opts.includeSuppressed) return;
    out.push({
      detector,
      severity: verdict.severity,
      score,
      deviceIp: o.deviceIp,
      peerIp: o.peerIp,
      peerName: peer.name,
      peerPort: o.peerPort,
      devicePort: o.devicePort,
      proto: o.proto,
      reason,
      vendorRules: vendor,
      watch,
      suppressedBy: verdict.suppressedBy,
      overriddenBy: verdict.overriddenBy,
    });
  };

  const dest = o.inbound || peerLocal ? undefined : judgeDestination(rules, device, peer);
  const allowed = dest?.allowedBy !== undefined || (o.inbound && rules.allowedBy(device, peer) !== undefined);
  if (kind) {
    const settings = rules.detector(kind);
    if (settings.enabled && !(allowed && ALLOWABLE.has(kind))) {
      push(kind, settings.severity, PROTOCOL_SCORE[kind] ?? 70, REASON[kind]!(o, f), dest?.vendor ?? [], []);
    }
  } else if (dest?.detector && !allowed) {
    const settings = rules.detector(dest.detector);
    if (settings.enabled) {
      const top = dest.vendor[0];
      const what = top
        ? `${top.vendor}${top.product ? ` ${top.product}` : ''} ${top.purpose} endpoint (${top.ruleId}, by ${top.matchedBy} ${top.matchedValue})`
        : `${dest.addressClass} address outside the policy`;
      push(
        dest.detector,
        dest.severity,
        dest.score,
        `${peer.name ?? o.peerIp}:${o.peerPort}: ${what}`,
        dest.vendor,
        [],
      );
    }
  }
  if (dest && !allowed && dest.watch.length > 0 && rules.detector('watchlist').enabled) {
    const sev = dest.watch.reduce<Severity>(
      (s, w) => (rank(w.rule.severity) > rank(s) ? w.rule.severity : s),
      'info',
    );
    push(
      'watchlist',
      sev,
      PROTOCOL_SCORE.watchlist ?? 85,
      `${peer.name ?? o.peerIp} is on the watch list (${dest.watch.map((w) => w.rule.id).join(', ')})`,
      dest.vendor,
      dest.watch.map((w) => w.rule.id),
    );
  }
  return out;
}

const RANKS: Record<Severity, number> = { info: 0, low: 1, medium: 2, high: 3, critical: 4 };
const rank = (s: Severity): number => RANKS[s];
