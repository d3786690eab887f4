/**
 * What a destination is, under the rules: one decision used by the per-flow checks (flow-checks.ts)
 * and by the analysis over stored flows (analyze.ts), so both name a peer the same way.
 *
 * Order: local (policy networks, operator infrastructure) → nothing to say; an operator allow rule →
 * allowed (no egress, vendor, watch, beacon, volume, DNS/NTP/NAT-traversal alerts; telnet/SSH out,
 * UPnP port mapping and inbound from the internet are never allowed away); otherwise vendor
 * intelligence decides the detector: a P2P endpoint → `p2p`, a DNS resolver → `doh`, any other vendor
 * endpoint → `vendor-cloud`; no vendor rule → `egress`, with the policy's severity for what the address
 * is (public, or CGNAT/documentation/reserved). Watch-list hits are reported beside it.
 *
 * Vendor rules that match by port only (`weak`) count only for a public peer, a single port (not a
 * range such as Hanwha's TURN 32355-65535) and an outbound rule; they give a lower score.
 */
import type {
  CompiledRules,
  DeviceInfo,
  PeerInfo,
  RuleRef,
  VendorRuleMatch,
} from '../rules/compiled-rules.js';
import { parsePortSpec } from '../rules/port-set.js';
import type { AllowRule, Confidence, Detector, Severity, WatchRule } from '../rules/rule-types.js';

/** Detectors an allow rule can silence. The others describe behaviour no destination excuses. */
export const ALLOWABLE: ReadonlySet<Detector> = new Set<Detector>([
  'egress',
  'vendor-cloud',
  'p2p',
  'beacon',
  'new-peer',
  'rare-peer',
  'volume',
  'dns-outside',
  'doh',
  'ntp-public',
  'nat-traversal',
  'watchlist',
]);

export interface DestinationVerdict {
  local: boolean;
  /** `public` or the special-purpose class. */
  addressClass: string;
  allowedBy: RuleRef<AllowRule> | undefined;
  watch: RuleRef<WatchRule>[];
  /** Vendor rules that count as evidence (strong ones, or qualifying weak ones). */
  vendor: VendorRuleMatch[];
  /** The destination detector, or undefined when local or allowed. */
  detector: 'egress' | 'vendor-cloud' | 'p2p' | 'doh' | undefined;
  severity: Severity;
  /** 0–100: how sure the detector is that the destination is what it says. */
  score: number;
}

const CONFIDENCE_SCORE: Record<Confidence, number> = {
  'documented-by-vendor': 90,
  research: 85,
  community: 80,
  inferred: 70,
};

/** Whether a port rule's indicator (`443/tcp`, `32355-65535/udp`) names one port, by indicator. */
const SINGLE_PORT = new Map<string, boolean>();

function singlePort(indicator: string): boolean {
  let single = SINGLE_PORT.get(indicator);
  if (single === undefined) {
    const r = parsePortSpec(/^\d+(-\d+)?/.exec(indicator)?.[0] ?? '');
    single = r !== undefined && r[0] === r[1];
    SINGLE_PORT.set(indicator, single); // one entry per port rule of the loaded packs
  }
  return single;
}

function qualifies(m: VendorRuleMatch, publicPeer: boolean): boolean {
  if (m.direction !== 'outbound') return false;
  if (m.strength === 'strong') return true;
  return publicPeer && singlePort(m.indicator);
}

export function judgeDestination(
  rules: CompiledRules,
  device: DeviceInfo,
  peer: PeerInfo & { ip: string },
): DestinationVerdict {
  const cls = rules.addressClass(peer.ip);
  const local = rules.isLocal(peer.ip);
  const base: DestinationVerdict = {
    local,
    addressClass: cls,
    allowedBy: undefined,
    watch: [],
    vendor: [],
    detector: undefined,
    severity: 'info',
    score: 0,
  };
  if (local) return base;
  base.allowedBy = rules.allowedBy(device, peer);
  if (base.allowedBy) return base;
  base.watch = rules.watchHits(device, peer);
  const publicPeer = cls === 'public';
  base.vendor = rules.matchPeer(peer).filter((m) => qualifies(m, publicPeer));
  const egress = rules.policy.egress;
  const top = base.vendor[0];
  if (top) {
    base.detector = top.purpose === 'p2p' ? 'p2p' : top.purpose === 'dns' ? 'doh' : 'vendor-cloud';
    const bySetting = rules.detector(base.detector).severity;
    base.severity = egress.byPurpose[top.purpose] ?? bySetting;
    base.score = top.strength === 'strong' ? CONFIDENCE_SCORE[top.confidence] : 50;
  } else {
    base.detector = 'egress';
    base.severity = publicPeer ? egress.unknownPublic : egress.otherNonLocal;
    base.score = publicPeer ? 60 : 40;
  }
  return base;
}

/** Fixed scores of the protocol detectors: how unambiguous the observation is. */
export const PROTOCOL_SCORE: Partial<Record<Detector, number>> = {
  'telnet-out': 95,
  'upnp-portmap': 90,
  'inbound-internet': 90,
  'ssh-out': 85,
  'dns-outside': 80,
  doh: 80,
  'nat-traversal': 70,
  'ntp-public': 60,
  watchlist: 85,
};
