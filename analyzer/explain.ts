/**
 * Plain-language explanations, one builder per detector. Each reads only the alert draft (its fields,
 * evidence and sub-scores), so the text always agrees with the data an analyst sees beside it. The first
 * sentence says what happened, the second why it matters; numbers carry units.
 */
import type { AlertDraft } from './alert.js';
import type { Detector, Purpose } from './rules/rule-types.js';

export function formatBytes(n: number): string {
  if (n < 1000) return `${n} B`;
  const units = ['kB', 'MB', 'GB', 'TB'];
  let v = n;
  let i = -1;
  while (v >= 1000 && i < units.length - 1) {
    v /= 1000;
    i++;
  }
  return `${v >= 100 ? v.toFixed(0) : v.toFixed(1)} ${units[i]}`;
}

export function formatDuration(ms: number): string {
  const s = ms / 1000;
  if (s < 1) return `${Math.round(ms)} ms`;
  if (s < 120) return `${Number.isInteger(s) ? s : s.toFixed(1)} s`;
  if (s < 7200) return `${(s / 60).toFixed(s % 60 === 0 ? 0 : 1)} min`;
  if (s < 172_800) return `${(s / 3600).toFixed(1)} h`;
  return `${(s / 86_400).toFixed(1)} days`;
}

const DAY_MS = 86_400_000;
/** The date part of the last day `when` formatted: an analysis' times fall on a day or two. */
let lastDay = { day: Number.NaN, text: '' };
const two = (n: number): string => (n < 10 ? `0${n}` : `${n}`);

/**
 * `2026-11-25 22:00:00 UTC`: the ISO text without its milliseconds. The date comes from the ISO text
 * once per day, the time of day from arithmetic: twice per alert, 30 499 alerts per analysis of the
 * 10 M-flow night.
 */
export function when(ms: number): string {
  const day = Math.floor(ms / DAY_MS);
  if (day !== lastDay.day) {
    // toISOString also throws for a time outside the Date range, as this did before
    lastDay = { day, text: new Date(day * DAY_MS).toISOString().slice(0, 10) };
  }
  const s = Math.floor((ms - day * DAY_MS) / 1000);
  return `${lastDay.text} ${two(Math.floor(s / 3600))}:${two(Math.floor(s / 60) % 60)}:${two(s % 60)} UTC`;
}

/** `a, b`, `a`, `b` or '' of two optional parts (no array to build per alert). */
function pair(a: string | undefined, b: string | undefined): string {
  if (a && b) return `${a}, ${b}`;
  return a || b || '';
}

function device(a: AlertDraft): string {
  const extra = pair(a.deviceName, a.deviceVendor);
  return `Camera ${a.deviceIp}${extra ? ` (${extra})` : ''}`;
}

function peer(a: AlertDraft): string {
  const place = pair(
    a.peerCountry,
    a.peerAsn !== undefined ? `AS${a.peerAsn}${a.peerAsOrg ? ` ${a.peerAsOrg}` : ''}` : '',
  );
  const name = a.peerName && a.peerIp ? `${a.peerName} (${a.peerIp}${place ? `, ${place}` : ''})` : undefined;
  if (name) return name;
  const base = a.peerName ?? a.peerIp ?? 'an unknown peer';
  return place ? `${base} (${place})` : base;
}

/** The peer, or how many addresses a grouped alert (scan, exposure) covers. */
function targets(a: AlertDraft): string {
  const n = Number(a.evidence.facts?.peers ?? 1);
  if (n <= 1) return peer(a);
  const sample = (a.evidence.peerIps ?? []).slice(0, 3).join(', ');
  return `${n} addresses${sample ? ` (${sample}…)` : ''}`;
}

function span(a: AlertDraft): string {
  if (a.firstSeen === a.lastSeen) return `at ${when(a.firstSeen)}`;
  return `between ${when(a.firstSeen)} and ${when(a.lastSeen)}`;
}

function times(n: number, what = 'connection'): string {
  return `${n} ${what}${n === 1 ? '' : 's'}`;
}

const PURPOSE_WHY: Record<Purpose, string> = {
  p2p: 'A P2P registration or relay makes the camera reachable from the internet through the vendor, around the firewall.',
  cloud:
    'A vendor cloud connection lets the vendor (and whoever controls its cloud) reach the camera and its video.',
  ddns: 'Dynamic DNS publishes the camera’s public address so it can be reached from outside.',
  update: 'A firmware update check tells the vendor the camera exists and may change its software.',
  ntp: 'Time from an outside server is harmless on its own but is traffic the policy did not expect.',
  telemetry: 'Telemetry sends information about the camera to the vendor.',
  push: 'Push/alarm upload sends events (often snapshots) to the vendor’s cloud.',
  dns: 'Name lookups that bypass the network’s own resolver escape its logging and filtering.',
  other: 'The endpoint belongs to the vendor’s remote services.',
};

function vendorSentence(a: AlertDraft): string {
  const r = a.evidence.vendorRules?.[0];
  if (!r) return '';
  const what = `${r.vendor}${r.product ? ` ${r.product}` : ''}`;
  const how =
    r.matchedBy === 'port'
      ? `port ${r.matchedValue}`
      : r.matchedBy === 'domain' || r.matchedBy === 'domainSuffix'
        ? `name ${r.matchedValue}`
        : `address ${r.matchedValue}`;
  const src = r.sourceUrls[0] ?? r.source;
  return `It matches ${what} ${r.purpose} endpoint intelligence (rule ${r.ruleId}, by ${how}; confidence ${r.confidence}; source: ${src}).`;
}

type Builder = (a: AlertDraft) => string;

const BUILDERS: Record<Detector, Builder> = {
  egress: (a) =>
    `${device(a)} made ${times(a.count)} to ${peer(a)} ${span(a)}, sending ${formatBytes(a.bytes)}. ` +
    'No policy, infrastructure or allow rule covers this destination; cameras are expected to talk only to local networks and their recorders.',
  'vendor-cloud': (a) =>
    `${device(a)} made ${times(a.count)} to ${peer(a)} ${span(a)}, sending ${formatBytes(a.bytes)}. ${vendorSentence(a)} ` +
    PURPOSE_WHY[a.evidence.vendorRules?.[0]?.purpose ?? 'cloud'],
  p2p: (a) =>
    `${device(a)} made ${times(a.count)} to ${peer(a)} ${span(a)}. ${vendorSentence(a)} ${PURPOSE_WHY.p2p}`,
  beacon: (a) => {
    const b = a.evidence.beacon;
    if (!b) return `${device(a)} contacted ${peer(a)} at regular intervals ${span(a)}.`;
    const inside = b.basis === 'sessions' ? ' inside one long session' : '';
    const size = b.medianBytes !== undefined ? `, about ${formatBytes(Math.round(b.medianBytes))} each` : '';
    const sub = a.subScores
      ? ` Score ${a.score}: ${Object.entries(a.subScores)
          .map(([k, v]) => `${k} ${v}`)
          .join(', ')}.`
      : '';
    const missed = b.missedBeats > 0 ? ` (${b.missedBeats} more look like missed beats)` : '';
    return (
      `${device(a)} contacted ${peer(a)} every ${formatDuration(b.periodMs)} (±${formatDuration(b.jitterMs)})${inside}${size}: ` +
      `${b.onTime} of ${b.intervals} intervals on time${missed} ${span(a)}.${sub} ` +
      'A timer like this is a heartbeat or check-in: something on the camera keeps a connection to this peer alive.'
    );
  },
  'new-peer': (a) =>
    `${device(a)} contacted ${peer(a)} ${span(a)} (${times(a.count)}, ${formatBytes(a.bytes)} sent); it never did during the learned baseline` +
    `${a.evidence.facts?.baselineSince ? ` (${a.evidence.facts.baselineSince} to ${a.evidence.facts.baselineUntil})` : ''}. ` +
    'A new destination can follow a firmware change, a configuration change or a compromise.',
  'rare-peer': (a) => {
    const f = a.evidence.facts ?? {};
    return (
      `${device(a)} contacted ${peer(a)} ${span(a)}; only ${f.devicesContacting ?? 'a few'} of ${f.fleetSize ?? 'the'} cameras in the fleet did. ` +
      'Cameras of one fleet usually share destinations; one that differs deserves a look.'
    );
  },
  volume: (a) =>
    `${device(a)} sent ${formatBytes(a.bytes)} to ${peer(a)} ${span(a)} over ${times(a.count)}` +
    `${a.evidence.facts?.minBytesOut ? ` (threshold ${formatBytes(Number(a.evidence.facts.minBytesOut))})` : ''}. ` +
    'That much data leaving the building can be video or recordings going to the internet.',
  'dns-outside': (a) =>
    `${device(a)} sent ${times(a.count, 'DNS query')} straight to ${peer(a)} ${span(a)}` +
    `${a.evidence.facts?.queries ? ` (e.g. ${(a.evidence.facts.queries as string[]).slice(0, 3).join(', ')})` : ''}, not to the network’s own resolver. ` +
    PURPOSE_WHY.dns,
  doh: (a) =>
    `${device(a)} made ${times(a.count)} to ${peer(a)}, a DNS-over-HTTPS/TLS resolver, ${span(a)}. ${PURPOSE_WHY.dns}`,
  'ntp-public': (a) =>
    `${device(a)} asked ${peer(a)} for the time ${times(a.count, 'time')} ${span(a)}. ` +
    'Cameras should take time from the local NTP server; a public one shows firmware defaults left in place.',
  'upnp-portmap': (a) =>
    `${device(a)} asked ${peer(a)} to open a port on the router (UPnP ${a.evidence.facts?.soapAction ?? 'AddPortMapping'}) ${span(a)}. ` +
    'A port mapping exposes the camera to the internet.',
  'nat-traversal': (a) =>
    `${device(a)} used NAT traversal (${a.evidence.facts?.protocol ?? 'STUN/TURN'}) with ${peer(a)} ${span(a)} (${times(a.count)}). ` +
    'NAT traversal lets peers outside reach the camera through the firewall.',
  'telnet-out': (a) =>
    `${device(a)} opened ${times(a.count)} to telnet (port ${a.peerPort ?? 23}) on ${targets(a)} ${span(a)}. ` +
    'Outbound telnet from a camera is how Mirai-family malware spreads; treat the camera as compromised until shown otherwise.',
  'ssh-out': (a) =>
    `${device(a)} opened ${times(a.count)} to SSH (port ${a.peerPort ?? 22}) on ${targets(a)} ${span(a)}. ` +
    'A camera has no reason to log in to other machines; this is scanning or a reverse tunnel.',
  'inbound-internet': (a) =>
    `${targets(a)} on the internet opened ${times(a.count)} to the camera ${a.deviceIp}` +
    `${a.evidence.facts?.devicePort !== undefined ? ` port ${a.evidence.facts.devicePort}` : ''} ${span(a)}. ` +
    'The camera is reachable from the internet (port forwarding, UPnP or a public address).',
  watchlist: (a) => {
    const r = a.evidence.rules?.find((x) => x.kind === 'watch');
    return (
      `${device(a)} made ${times(a.count)} to ${peer(a)} ${span(a)}, a destination on the watch list` +
      `${r ? ` (${r.id}: ${r.reason})` : ''}.`
    );
  },
};

/** Sentences for the modifiers another detector added (new peer, rare peer). */
function modifiers(a: AlertDraft): string {
  const f = a.evidence.facts;
  if (!f) return '';
  let s = '';
  if (f.newPeer === true && a.detector !== 'new-peer')
    s += ` The peer is new: the camera never contacted it in the learned baseline (${f.baselineSince} to ${f.baselineUntil}).`;
  if (
    typeof f.longestSessionMs === 'number' &&
    typeof f.longestSessionPackets === 'number' &&
    a.detector !== 'beacon'
  ) {
    const every = f.longestSessionMs / Math.max(1, f.longestSessionPackets - 1);
    s += ` One session stayed open ${formatDuration(f.longestSessionMs)} with ${f.longestSessionPackets} packets from the camera (one every ${formatDuration(every)} on average): a kept-alive connection.`;
  }
  if (f.devicesContacting !== undefined && a.detector !== 'rare-peer')
    s += ` Only ${f.devicesContacting} of ${f.fleetSize} cameras in the fleet contact it.`;
  return s;
}

/** Whitespace the builders leave behind: a run of two, or one that is not a plain space. */
const LOOSE_SPACE = /\s\s|[^\S ]/;

/**
 * The explanation for an alert draft: the builders' text with whitespace runs made one space and the
 * ends trimmed. Most texts need neither, and testing for them is cheaper than rebuilding every text
 * (30 499 alerts per analysis in bench/analysis-bench.ts).
 */
export function explainAlert(a: AlertDraft): string {
  const text = BUILDERS[a.detector](a) + modifiers(a);
  return LOOSE_SPACE.test(text) ? text.replace(/\s+/g, ' ').trim() : text.trim();
}
