/**
 * Rule packs compiled once into matchers: a domain exact/suffix map, a CIDR table by prefix length, an
 * ASN map and a port set for the vendor intelligence; the same structures per operator rule. Per peer,
 * a lookup costs a few Map reads whatever the number of rules.
 *
 * Built by `compileRules(packs)`; immutable afterwards. Suppressions are evaluated against the `nowMs`
 * the caller passes, so an expired suppression stops applying on the next analysis without a reload.
 */
import { RuleError } from '../../model/errors.js';
import { CidrTable } from './cidr-table.js';
import { DomainMatcher, normaliseName } from './domain-matcher.js';
import { cidrToIpv6Range, type ParsedIp, parseCidr, parseIp } from './ip-address.js';
import type { LoadedPack } from './load-rules.js';
import { PortSet, protoNumber } from './port-set.js';
import type {
  AllowRule,
  Confidence,
  Detector,
  DetectorSettings,
  DeviceGroup,
  MudPack,
  OperatorPack,
  PeerCondition,
  PolicyPack,
  Purpose,
  Scope,
  Severity,
  SeverityOverride,
  Suppression,
  VendorEndpoint,
  VendorPack,
  WatchRule,
} from './rule-types.js';
import { SEVERITIES } from './rule-types.js';
import { addressClass } from './special-ranges.js';

/** What is known about a peer when it is judged. Every field is optional. */
export interface PeerInfo {
  ip?: string;
  /** Best name (SNI, Host, DNS answer). */
  name?: string;
  /** Other names seen for the peer. */
  names?: readonly string[];
  port?: number;
  /** IANA number or `tcp`/`udp`. */
  proto?: number | string;
  asn?: number;
  /** ISO 3166 alpha-2. */
  country?: string;
}

/** The camera side, for scoping operator rules. */
export interface DeviceInfo {
  ip: string;
  site?: string;
  vendor?: string;
  name?: string;
}

export type MatchedBy = 'domain' | 'domainSuffix' | 'ip' | 'cidr' | 'asn' | 'port';

/** One vendor rule that matched a peer, with where the intelligence comes from. */
export interface VendorRuleMatch {
  ruleId: string;
  vendor: string;
  product: string | undefined;
  purpose: Purpose;
  matchedBy: MatchedBy;
  /** The rule's indicator (`hik-connect.com`, `195.60.68.0/24`, `8800/udp`). */
  indicator: string;
  /** The peer value that matched it (a name, address, ASN or port). */
  matchedValue: string;
  /**
   * `strong`: name, address or ASN — the peer is that vendor's endpoint. `weak`: port only — many other
   * services use the same port, so it is a hint that needs a public peer and other evidence.
   */
  strength: 'strong' | 'weak';
  direction: 'outbound' | 'lan';
  confidence: Confidence;
  source: string;
  sourceUrls: readonly string[];
  description: string;
  /** Ports the source gives for this endpoint (context). */
  ports: readonly (number | string)[];
  file: string;
}

interface EndpointRef {
  ep: VendorEndpoint;
  pack: VendorPack;
  file: string;
}

/** A rule from an operator pack, with the file it came from. */
export interface RuleRef<R> {
  rule: R;
  packId: string;
  file: string;
}

class CompiledPeer {
  private readonly networks?: CidrTable<true>;
  private readonly domains?: DomainMatcher<true>;
  private readonly asns?: Set<number>;
  private readonly countries?: Set<string>;
  private readonly ports?: PortSet<true>;
  private readonly proto: number;

  /** `exactNames`: names that match only themselves (MUD dnsname ACEs), beside `c.domains`. */
  constructor(c: PeerCondition, exactNames: readonly string[] = []) {
    if (c.networks) {
      this.networks = new CidrTable();
      for (const n of c.networks) this.networks.add(n, true);
    }
    if (c.domains || exactNames.length > 0) {
      this.domains = new DomainMatcher();
      for (const d of c.domains ?? []) this.domains.addSuffix(d, true);
      for (const d of exactNames) this.domains.addExact(d, true);
    }
    if (c.asns) this.asns = new Set(c.asns);
    if (c.countries) this.countries = new Set(c.countries.map((x) => x.toUpperCase()));
    if (c.ports) {
      this.ports = new PortSet();
      for (const p of c.ports) this.ports.add(p, c.proto, true);
    }
    this.proto = c.proto ? protoNumber(c.proto === 'any' ? undefined : c.proto) : 0;
  }

  matches(p: PeerInfo, ip: ParsedIp | undefined): boolean {
    if (this.networks && !this.networks.has(ip)) return false;
    if (this.domains && !peerNames(p).some((n) => this.domains!.lookup(n).length > 0)) return false;
    if (this.asns && (p.asn === undefined || !this.asns.has(p.asn))) return false;
    if (this.countries && (!p.country || !this.countries.has(p.country.toUpperCase()))) return false;
    const proto = protoNumber(p.proto);
    if (this.ports && !this.ports.has(p.port, proto)) return false;
    if (this.proto && proto && this.proto !== proto) return false;
    return true;
  }
}

class CompiledGroup {
  private readonly networks?: CidrTable<true>;
  constructor(readonly group: DeviceGroup) {
    if (group.networks) {
      this.networks = new CidrTable();
      for (const n of group.networks) this.networks.add(n, true);
    }
  }
  contains(d: DeviceInfo, ip: ParsedIp | undefined): boolean {
    const g = this.group;
    if (this.networks && !this.networks.has(ip)) return false;
    if (g.sites && (!d.site || !g.sites.includes(d.site))) return false;
    if (g.vendors && (!d.vendor || !g.vendors.some((v) => v.toLowerCase() === d.vendor!.toLowerCase())))
      return false;
    if (g.names && (!d.name || !g.names.includes(d.name))) return false;
    return true;
  }
}

class CompiledScope {
  private readonly devices?: CidrTable<true>;
  private readonly groups?: CompiledGroup[];
  constructor(
    private readonly scope: Scope | undefined,
    groups: Map<string, CompiledGroup>,
  ) {
    if (scope?.devices) {
      this.devices = new CidrTable();
      for (const n of scope.devices) this.devices.add(n, true);
    }
    if (scope?.groups) this.groups = scope.groups.map((g) => groups.get(g)!);
  }
  contains(d: DeviceInfo, ip: ParsedIp | undefined): boolean {
    if (!this.scope) return true;
    if (this.devices && !this.devices.has(ip)) return false;
    if (this.scope.sites && (!d.site || !this.scope.sites.includes(d.site))) return false;
    if (this.groups && !this.groups.some((g) => g.contains(d, ip))) return false;
    return true;
  }
}

interface Compiled<R> {
  ref: RuleRef<R>;
  scope: CompiledScope;
  peer: CompiledPeer | undefined;
}

/** Defaults for every detector; the policy pack overrides them. */
const DETECTOR_DEFAULTS: Record<Detector, Required<Pick<DetectorSettings, 'severity' | 'enabled'>>> = {
  egress: { severity: 'medium', enabled: true },
  'vendor-cloud': { severity: 'medium', enabled: true },
  p2p: { severity: 'high', enabled: true },
  beacon: { severity: 'medium', enabled: true },
  'new-peer': { severity: 'medium', enabled: true },
  'rare-peer': { severity: 'low', enabled: true },
  volume: { severity: 'high', enabled: true },
  'dns-outside': { severity: 'medium', enabled: true },
  doh: { severity: 'high', enabled: true },
  'ntp-public': { severity: 'low', enabled: true },
  'upnp-portmap': { severity: 'high', enabled: true },
  'nat-traversal': { severity: 'medium', enabled: true },
  'telnet-out': { severity: 'critical', enabled: true },
  'ssh-out': { severity: 'high', enabled: true },
  'inbound-internet': { severity: 'critical', enabled: true },
  watchlist: { severity: 'high', enabled: true },
};

export type ResolvedDetectorSettings = DetectorSettings & { severity: Severity; enabled: boolean };

/** What the operator rules say about one alert candidate. */
export interface OperatorVerdict {
  suppressedBy: RuleRef<Suppression> | undefined;
  severity: Severity;
  overriddenBy: RuleRef<SeverityOverride> | undefined;
}

export class CompiledRules {
  readonly policy: PolicyPack;
  readonly policyFile: string;
  readonly vendorPacks: readonly VendorPack[];
  readonly operatorPacks: readonly OperatorPack[];

  private readonly local = new CidrTable<string>();
  private readonly localCidrs: string[] = [];
  private readonly vDomains = new DomainMatcher<EndpointRef>();
  private readonly vAddresses = new CidrTable<EndpointRef>();
  private readonly vAsns = new Map<number, EndpointRef[]>();
  private readonly vPorts = new PortSet<EndpointRef>();
  private readonly allow: Compiled<AllowRule>[] = [];
  private readonly watch: Compiled<WatchRule>[] = [];
  private readonly overrides: Compiled<SeverityOverride>[] = [];
  private readonly suppressions: (Compiled<Suppression> & { expiresMs: number })[] = [];
  private readonly groups = new Map<string, CompiledGroup>();
  private readonly mudFiles = new Map<string, { pack: MudPack; file: string; bound: boolean }>();
  /** detector()'s answers: asked once per pair and alert in an analysis. */
  private readonly detectorSettings = new Map<Detector, Readonly<ResolvedDetectorSettings>>();

  constructor(packs: readonly LoadedPack[]) {
    const policies = packs.filter((p) => p.pack.kind === 'policy');
    if (policies.length !== 1) {
      throw new RuleError(
        policies.length === 0
          ? 'no policy pack loaded (rules/policy/default.yaml is the default)'
          : `only one policy pack may be loaded, found ${policies.map((p) => p.file).join(', ')}`,
      );
    }
    this.policy = policies[0]!.pack as PolicyPack;
    this.policyFile = policies[0]!.file;
    for (const n of this.policy.local.networks) {
      this.local.add(n, `policy ${this.policy.id}`);
      this.localCidrs.push(n);
    }

    const vendors: VendorPack[] = [];
    const operators: OperatorPack[] = [];
    for (const { file, pack } of packs)
      if (pack.kind === 'mud') this.mudFiles.set(pack.id, { pack, file, bound: false });
    for (const { file, pack } of packs) {
      if (pack.kind === 'vendor') {
        vendors.push(pack);
        this.addVendor(pack, file);
      } else if (pack.kind === 'operator') {
        operators.push(pack);
        this.addOperator(pack, file);
      }
    }
    this.vendorPacks = vendors;
    this.operatorPacks = operators;
    for (const [url, m] of this.mudFiles) {
      if (!m.bound)
        throw new RuleError(
          `${m.file}: MUD file ${url} applies to no device: bind its URL in an operator pack (mud: [{ url, scope }])`,
          { file: m.file },
        );
    }
  }

  private addVendor(pack: VendorPack, file: string): void {
    for (const ep of pack.endpoints) {
      const ref: EndpointRef = { ep, pack, file };
      const m = ep.match;
      if (m.domain !== undefined) this.vDomains.addExact(m.domain, ref);
      else if (m.domainSuffix !== undefined) this.vDomains.addSuffix(m.domainSuffix, ref);
      else if (m.ip !== undefined) this.vAddresses.add(m.ip, ref);
      else if (m.cidr !== undefined) this.vAddresses.add(m.cidr, ref);
      else if (m.asn !== undefined) {
        const list = this.vAsns.get(m.asn);
        if (list) list.push(ref);
        else this.vAsns.set(m.asn, [ref]);
      } else if (m.port !== undefined) this.vPorts.add(m.port, ep.proto, ref);
      // payload signatures are kept in the pack for a payload matcher; nothing to index by address
    }
  }

  private addOperator(pack: OperatorPack, file: string): void {
    const groups = new Map<string, CompiledGroup>();
    for (const g of pack.groups ?? []) groups.set(g.id, new CompiledGroup(g));
    for (const [id, g] of groups) if (!this.groups.has(id)) this.groups.set(id, g);
    for (const n of pack.infrastructure?.networks ?? []) {
      this.local.add(n, `infrastructure in ${file}`);
      this.localCidrs.push(n);
    }
    const wrap = <R extends { scope?: Scope }>(rule: R, peer: PeerCondition | undefined): Compiled<R> => ({
      ref: { rule, packId: pack.id, file },
      scope: new CompiledScope(rule.scope, groups),
      peer: peer ? new CompiledPeer(peer) : undefined,
    });
    for (const r of pack.allow ?? []) this.allow.push(wrap(r, r));
    for (const r of pack.watch ?? []) this.watch.push(wrap(r, r));
    for (const r of pack.severityOverrides ?? []) this.overrides.push(wrap(r, r.peer));
    for (const r of pack.suppressions ?? [])
      this.suppressions.push({ ...wrap(r, r.peer), expiresMs: expiryMs(r.expires) });
    for (const b of pack.mud ?? []) {
      const m = this.mudFiles.get(b.url);
      if (!m)
        throw new RuleError(`${file}: mud binding ${b.url}: no MUD file with that mud-url is loaded`, {
          file,
        });
      m.bound = true;
      const scope = new CompiledScope(b.scope, groups);
      const reason = b.reason ?? `MUD ${b.url}${m.pack.systeminfo ? ` (${m.pack.systeminfo})` : ''}`;
      for (const a of m.pack.allow) {
        this.allow.push({
          ref: { rule: { id: a.id, scope: b.scope, reason, ...a.peer }, packId: m.pack.id, file: m.file },
          scope,
          peer: new CompiledPeer(a.peer, a.hosts),
        });
      }
    }
  }

  /** Settings of a detector: the policy's, over the built-in defaults. */
  detector(d: Detector): Readonly<ResolvedDetectorSettings> {
    let settings = this.detectorSettings.get(d);
    if (!settings) {
      settings = Object.freeze({ ...DETECTOR_DEFAULTS[d], ...this.policy.detectors[d] });
      this.detectorSettings.set(d, settings);
    }
    return settings;
  }

  /** True when the policy (local networks) or an operator's infrastructure list covers the address. */
  isLocal(ip: string | undefined): boolean {
    return ip !== undefined && this.local.has(ip);
  }

  /**
   * The local networks (policy plus operator infrastructure) as inclusive IPv6 ranges, IPv4 mapped:
   * the `{localLo:Array(IPv6)}` / `{localHi:Array(IPv6)}` parameters of the detectors' SQL.
   */
  localRanges(): { lo: string[]; hi: string[] } {
    const lo: string[] = [];
    const hi: string[] = [];
    for (const n of this.localCidrs) {
      const c = parseCidr(n);
      if (!c) continue;
      const [a, b] = cidrToIpv6Range(c);
      lo.push(a);
      hi.push(b);
    }
    return { lo, hi };
  }

  /** `public`, or the special-purpose class of an address (`private`, `cgnat`, `multicast`…). */
  addressClass(ip: string): string {
    return addressClass(ip);
  }

  /**
   * Which vendor rules a peer matches, strongest first (exact name, suffix, address, network, ASN, port;
   * then by the rule's confidence: vendor documentation, research, community, inferred).
   * `camwatch lookup` prints this; the vendor-cloud/p2p detectors use it.
   */
  matchPeer(peer: PeerInfo): VendorRuleMatch[] {
    const out: VendorRuleMatch[] = [];
    const add = (ref: EndpointRef, by: MatchedBy, value: string): void => {
      // a handful of matches at most: a scan of them beats a Set made for every peer
      for (const m of out) if (m.ruleId === ref.ep.id) return;
      out.push(toMatch(ref, by, value));
    };
    for (const n of peerNames(peer)) {
      for (const ref of this.vDomains.lookup(n))
        add(ref, ref.ep.match.domain !== undefined ? 'domain' : 'domainSuffix', normaliseName(n));
    }
    if (peer.ip) {
      for (const ref of this.vAddresses.lookup(peer.ip))
        add(ref, ref.ep.match.ip !== undefined ? 'ip' : 'cidr', peer.ip);
    }
    if (peer.asn !== undefined)
      for (const ref of this.vAsns.get(peer.asn) ?? []) add(ref, 'asn', String(peer.asn));
    if (peer.port !== undefined) {
      const proto = protoNumber(peer.proto);
      for (const ref of this.vPorts.lookup(peer.port, proto)) {
        add(ref, 'port', `${peer.port}${proto === 6 ? '/tcp' : proto === 17 ? '/udp' : ''}`);
      }
    }
    return out.sort(byEvidence);
  }

  /** The first allow rule that covers this device and peer, if any. */
  allowedBy(device: DeviceInfo, peer: PeerInfo): RuleRef<AllowRule> | undefined {
    return this.first(this.allow, device, peer)?.ref;
  }

  /** Watch-list rules that match this device and peer. */
  watchHits(device: DeviceInfo, peer: PeerInfo): RuleRef<WatchRule>[] {
    if (this.watch.length === 0) return [];
    const dip = parseIp(device.ip);
    const pip = peer.ip ? parseIp(peer.ip) : undefined;
    return this.watch
      .filter((c) => c.scope.contains(device, dip) && c.peer!.matches(peer, pip))
      .map((c) => c.ref);
  }

  /**
   * Apply suppressions and severity overrides to one alert candidate. `purposes` are the purposes of
   * the vendor rules the peer matched. The last matching override wins (packs load in file order).
   */
  judge(
    detector: Detector,
    device: DeviceInfo,
    peer: PeerInfo,
    severity: Severity,
    nowMs: number,
    purposes: readonly Purpose[] = [],
  ): OperatorVerdict {
    // no operator rule to test (the packaged rules have none): no address to parse either
    if (this.suppressions.length === 0 && this.overrides.length === 0)
      return { suppressedBy: undefined, severity, overriddenBy: undefined };
    const dip = parseIp(device.ip);
    const pip = peer.ip ? parseIp(peer.ip) : undefined;
    let suppressedBy: RuleRef<Suppression> | undefined;
    for (const s of this.suppressions) {
      if (s.expiresMs < nowMs) continue;
      if (s.ref.rule.detector && s.ref.rule.detector !== detector) continue;
      if (!s.scope.contains(device, dip)) continue;
      if (s.peer && !s.peer.matches(peer, pip)) continue;
      suppressedBy = s.ref;
      break;
    }
    let overriddenBy: RuleRef<SeverityOverride> | undefined;
    let sev = severity;
    for (const o of this.overrides) {
      const r = o.ref.rule;
      if (r.detector && r.detector !== detector) continue;
      if (r.purpose && !purposes.includes(r.purpose)) continue;
      if (!o.scope.contains(device, dip)) continue;
      if (o.peer && !o.peer.matches(peer, pip)) continue;
      overriddenBy = o.ref;
      sev = r.severity;
    }
    return { suppressedBy, severity: sev, overriddenBy };
  }

  /** Accept ACEs of the loaded MUD files that were left out, with why (for `rules check` warnings). */
  mudNotes(): { file: string; note: string }[] {
    return [...this.mudFiles.values()].flatMap((m) => m.pack.notes.map((note) => ({ file: m.file, note })));
  }

  /** Whether a device belongs to a device group of the operator packs (the first pack defining the id). */
  inGroup(groupId: string, device: DeviceInfo): boolean | undefined {
    return this.groups.get(groupId)?.contains(device, parseIp(device.ip));
  }

  /** The definition of a device group (the first operator pack defining the id). */
  groupDefinition(groupId: string): DeviceGroup | undefined {
    return this.groups.get(groupId)?.group;
  }

  /** Suppressions whose expiry has passed at `nowMs` (for `rules check` warnings). */
  expiredSuppressions(nowMs: number): RuleRef<Suppression>[] {
    return this.suppressions.filter((s) => s.expiresMs < nowMs).map((s) => s.ref);
  }

  private first<R>(list: Compiled<R>[], device: DeviceInfo, peer: PeerInfo): Compiled<R> | undefined {
    if (list.length === 0) return undefined;
    const dip = parseIp(device.ip);
    const pip = peer.ip ? parseIp(peer.ip) : undefined;
    return list.find((c) => c.scope.contains(device, dip) && (!c.peer || c.peer.matches(peer, pip)));
  }
}

export function compileRules(packs: readonly LoadedPack[]): CompiledRules {
  return new CompiledRules(packs);
}

/** `rules.matchPeer(peer)` as a function: the vendor rules a peer matches, strongest first, with sources. */
export function matchPeer(rules: CompiledRules, peer: PeerInfo): VendorRuleMatch[] {
  return rules.matchPeer(peer);
}

/** The more severe of two severities. */
export function maxSeverity(a: Severity, b: Severity): Severity {
  return SEVERITIES.indexOf(a) >= SEVERITIES.indexOf(b) ? a : b;
}

const MATCH_RANK: Record<MatchedBy, number> = { domain: 0, domainSuffix: 1, ip: 2, cidr: 3, asn: 4, port: 5 };
const CONFIDENCE_RANK: Record<Confidence, number> = {
  'documented-by-vendor': 0,
  research: 1,
  community: 2,
  inferred: 3,
};

/** Strongest evidence first: how it matched (name > address > ASN > port), then how well sourced the rule is. */
function byEvidence(a: VendorRuleMatch, b: VendorRuleMatch): number {
  return (
    MATCH_RANK[a.matchedBy] - MATCH_RANK[b.matchedBy] ||
    CONFIDENCE_RANK[a.confidence] - CONFIDENCE_RANK[b.confidence]
  );
}

function peerNames(p: PeerInfo): string[] {
  const out: string[] = [];
  if (p.name) out.push(p.name);
  if (p.names) for (const n of p.names) if (n && n !== p.name) out.push(n);
  return out;
}

/** A date-only expiry runs to the end of that day (UTC). */
function expiryMs(text: string): number {
  const t = Date.parse(/^\d{4}-\d{2}-\d{2}$/.test(text) ? `${text}T23:59:59.999Z` : text);
  return Number.isNaN(t) ? 0 : t;
}

function toMatch(ref: EndpointRef, by: MatchedBy, value: string): VendorRuleMatch {
  const { ep, pack, file } = ref;
  const m = ep.match;
  const indicator =
    m.domain ??
    m.domainSuffix ??
    m.ip ??
    m.cidr ??
    (m.asn !== undefined ? `AS${m.asn}` : `${m.port}${ep.proto && ep.proto !== 'any' ? `/${ep.proto}` : ''}`);
  return {
    ruleId: ep.id,
    vendor: pack.vendor,
    product: ep.product,
    purpose: ep.purpose,
    matchedBy: by,
    indicator: String(indicator),
    matchedValue: value,
    strength: by === 'port' ? 'weak' : 'strong',
    direction: ep.direction,
    confidence: ep.confidence,
    source: ep.source,
    sourceUrls: ep.sourceUrls ?? [],
    description: ep.description,
    ports: ep.ports ?? [],
    file,
  };
}
