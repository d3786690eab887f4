/**
 * The rule packs as written in YAML (what `rules/` holds). Three kinds, told apart by `kind`:
 *
 * - `policy`   — the camera policy: which networks are local, severities and thresholds per detector.
 *                `rules/policy/default.yaml` works with zero configuration.
 * - `vendor`   — endpoint intelligence for one vendor (`rules/vendors/<vendor>.yaml`), generated from
 *                ../shared/research/vendor-endpoints.yaml by scripts/make-vendor-rules.mjs.
 * - `operator` — a site's own rules: device groups, infrastructure, allow lists, watch lists, severity
 *                overrides and suppressions (with a reason and an expiry), and which devices a MUD
 *                file applies to (`mud`).
 * - `mud`      — a MUD file (RFC 8520, JSON), compiled into allow entries (read-mud.ts); it applies to
 *                the devices an operator pack binds its MUD URL to.
 *
 * The JSON Schema in rule-schema.ts is the contract; these types mirror it.
 */

export const SEVERITIES = ['info', 'low', 'medium', 'high', 'critical'] as const;
export type Severity = (typeof SEVERITIES)[number];

/** What a vendor endpoint is for (the research file's `kind`). */
export const PURPOSES = [
  'p2p',
  'cloud',
  'ddns',
  'update',
  'ntp',
  'telemetry',
  'push',
  'dns',
  'other',
] as const;
export type Purpose = (typeof PURPOSES)[number];

export const CONFIDENCES = ['documented-by-vendor', 'community', 'research', 'inferred'] as const;
export type Confidence = (typeof CONFIDENCES)[number];

/** Every detector camwatch runs; alerts carry one of these. */
export const DETECTORS = [
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
  'upnp-portmap',
  'nat-traversal',
  'telnet-out',
  'ssh-out',
  'inbound-internet',
  'watchlist',
] as const;
export type Detector = (typeof DETECTORS)[number];

export type Proto = 'tcp' | 'udp' | 'any';
/** A port or an inclusive range `"32355-65535"`. */
export type PortSpec = number | string;

// ---------------------------------------------------------------- vendor

export interface VendorMatch {
  domain?: string;
  domainSuffix?: string;
  ip?: string;
  cidr?: string;
  asn?: number;
  port?: PortSpec;
  /** A payload signature, described in words; kept for the payload matcher, not matched by address. */
  payload?: string;
}

export interface VendorEndpoint {
  id: string;
  product?: string;
  purpose: Purpose;
  match: VendorMatch;
  proto?: Proto;
  /** Ports the source gives for a name or address entry (context, not a condition). */
  ports?: PortSpec[];
  /** `outbound` phone-home indicator, or `lan`: a local service port useful to classify a device. */
  direction: 'outbound' | 'lan';
  description: string;
  /** The source as the research gives it (URL, github:owner/repo path, or an unattributed index id). */
  source: string;
  /** Public URLs taken from `source`. */
  sourceUrls?: string[];
  confidence: Confidence;
  observed?: string;
  notes?: string;
}

export interface VendorPack {
  kind: 'vendor';
  id: string;
  vendor: string;
  description?: string;
  endpoints: VendorEndpoint[];
}

// ---------------------------------------------------------------- policy

export interface DetectorSettings {
  severity?: Severity;
  /** Minimum 0–100 score for the detector to raise an alert (beacon). */
  minScore?: number;
  /** Minimum connections (beacon). */
  minConnections?: number;
  /** Bytes sent by the device to one public peer in the window (volume). */
  minBytesOut?: number;
  /** Rare peer: contacted by at most this many devices… */
  maxDevices?: number;
  /** …in a fleet of at least this many devices. */
  minFleet?: number;
  /** Set false to switch a detector off. */
  enabled?: boolean;
}

export interface PolicyPack {
  kind: 'policy';
  id: string;
  description?: string;
  /** Networks a camera may talk to freely (CIDR). */
  local: { networks: string[] };
  /** Severity of an egress by what the destination is. */
  egress: {
    /** Public address no rule names. */
    unknownPublic: Severity;
    /** Not local, not public (CGNAT, documentation, reserved ranges outside `local`). */
    otherNonLocal: Severity;
    /** Destination matches a vendor endpoint of this purpose. */
    byPurpose: Partial<Record<Purpose, Severity>>;
  };
  detectors: Partial<Record<Detector, DetectorSettings>>;
}

// ---------------------------------------------------------------- operator

/** Which devices a rule applies to. Fields AND together, the values inside a field OR. Absent: all. */
export interface Scope {
  sites?: string[];
  groups?: string[];
  /** Device addresses or networks (CIDR). */
  devices?: string[];
}

/** A peer condition. Fields AND together, the values inside a field OR. */
export interface PeerCondition {
  networks?: string[];
  /** `example.com` matches the name and every name under it; `*.example.com` means the same. */
  domains?: string[];
  asns?: number[];
  countries?: string[];
  ports?: PortSpec[];
  proto?: Proto;
}

export interface DeviceGroup {
  id: string;
  networks?: string[];
  vendors?: string[];
  sites?: string[];
  names?: string[];
  description?: string;
}

export interface AllowRule extends PeerCondition {
  id: string;
  scope?: Scope;
  reason: string;
}

export interface WatchRule extends PeerCondition {
  id: string;
  scope?: Scope;
  severity: Severity;
  reason: string;
}

export interface SeverityOverride {
  id: string;
  scope?: Scope;
  detector?: Detector;
  /** Only alerts whose peer matched a vendor endpoint of this purpose. */
  purpose?: Purpose;
  peer?: PeerCondition;
  severity: Severity;
  reason: string;
}

export interface Suppression {
  id: string;
  scope?: Scope;
  detector?: Detector;
  peer?: PeerCondition;
  reason: string;
  /** ISO date or date-time; the suppression stops applying after it. */
  expires: string;
}

/** Which devices a MUD file applies to: RFC 8520 devices announce their MUD URL; here the operator says it. */
export interface MudBinding {
  /** The file's `mud-url`. */
  url: string;
  scope: Scope;
  reason?: string;
}

export interface OperatorPack {
  kind: 'operator';
  id: string;
  description?: string;
  groups?: DeviceGroup[];
  /** NVR/VMS, DNS, NTP and other infrastructure a camera may talk to (CIDR). */
  infrastructure?: { networks: string[]; description?: string };
  allow?: AllowRule[];
  watch?: WatchRule[];
  severityOverrides?: SeverityOverride[];
  suppressions?: Suppression[];
  mud?: MudBinding[];
}

// ---------------------------------------------------------------- mud

/** One accept ACE of a MUD file's from-device policy, as an allow entry. */
export interface MudAllow {
  /** `acl/ace`. */
  id: string;
  peer: PeerCondition;
  /** Exact peer names (`ietf-acldns:dst-dnsname`); unlike `domains`, names under them do not match. */
  hosts: string[];
}

export interface MudPack {
  kind: 'mud';
  /** The MUD URL (RFC 8520 `mud-url`): what operator packs bind to devices. */
  id: string;
  lastUpdate: string;
  systeminfo?: string;
  allow: MudAllow[];
  /** Accept ACEs left out, with why (a MUD policy is never widened). */
  notes: string[];
}

export type RulePack = PolicyPack | VendorPack | OperatorPack | MudPack;
export type PackKind = RulePack['kind'];
