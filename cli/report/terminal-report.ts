/**
 * The report a person reads on a terminal: alerts grouped per camera, cameras worst first (by their
 * worst alert), each alert with its peer (names, address, country, ASN and organisation), the
 * plain-language explanation, and the evidence behind it: names seen, the vendor rule and its public
 * source, beacon timing, detector facts and sub-scores, and the first flows (Community ID and packet
 * number, to pivot to Zeek, Suricata or Wireshark). Colours only when asked (a TTY without NO_COLOR).
 */
import { basename } from 'node:path';
import {
  type Alert,
  compareAlerts,
  formatBytes,
  formatDuration,
  SEVERITY_RANK,
} from '../../analyzer/index.js';
import type { AlertWithStatus } from './alert-writers.js';

export interface ReportOptions {
  /** Line width to wrap explanations at (default 100). */
  width?: number | undefined;
  colour?: boolean | undefined;
  /** Flows listed per alert (default 3). */
  flows?: number | undefined;
  /** Show the triage status of each alert (for `camwatch alerts`). */
  status?: boolean | undefined;
}

const SEVERITY_COLOUR: Record<string, string> = {
  critical: '\x1b[1;31m',
  high: '\x1b[31m',
  medium: '\x1b[33m',
  low: '\x1b[36m',
  info: '\x1b[2m',
};
const RESET = '\x1b[0m';
const BOLD = '\x1b[1m';

const utc = (ms: number): string =>
  new Date(ms)
    .toISOString()
    .replace('T', ' ')
    .replace(/\.\d{3}Z$/, '');

/** A time span: the second end drops the date when it is the same day. */
export function span(firstMs: number, lastMs: number): string {
  const a = utc(firstMs);
  const b = utc(lastMs);
  return `${a} → ${a.slice(0, 10) === b.slice(0, 10) ? b.slice(11) : b} UTC`;
}

/** Greedy word wrap with a hanging indent. */
export function wrap(text: string, width: number, indent: string): string {
  const words = text.split(/\s+/).filter(Boolean);
  const lines: string[] = [];
  let line = indent;
  for (const w of words) {
    if (line.length > indent.length && line.length + 1 + w.length > width) {
      lines.push(line);
      line = indent + w;
    } else {
      line += (line.length > indent.length ? ' ' : '') + w;
    }
  }
  if (line.length > indent.length) lines.push(line);
  return lines.join('\n');
}

/** "p2p.easy4ip.com (47.88.94.232:443) · US · AS45102 Alibaba (US) Technology Co., Ltd." */
export function peerText(a: Alert): string {
  const parts: string[] = [];
  const port = a.peerPort !== undefined ? `:${a.peerPort}` : '';
  if (a.peerName && a.peerIp) parts.push(`${a.peerName} (${a.peerIp}${port})`);
  else if (a.peerName) parts.push(`${a.peerName}${port}`);
  else if (a.peerIp) parts.push(`${a.peerIp}${port}`);
  else {
    const peers = a.evidence.facts?.peers;
    const ports = a.evidence.ports?.length ? ` on port ${a.evidence.ports.join(', ')}` : '';
    parts.push(`${peers !== undefined ? `${peers} addresses` : 'many peers'}${ports}`);
  }
  if (a.peerCountry) parts.push(a.peerCountry);
  if (a.peerAsn) parts.push(`AS${a.peerAsn}${a.peerAsOrg ? ` ${a.peerAsOrg}` : ''}`);
  else if (a.peerAsOrg) parts.push(a.peerAsOrg);
  return parts.join(' · ');
}

function factValue(v: string | number | boolean | string[]): string {
  if (Array.isArray(v)) return v.join(', ');
  return String(v);
}

/** The evidence lines of one alert, without indentation. */
export function evidenceLines(a: Alert, maxFlows: number): string[] {
  const e = a.evidence;
  const out: string[] = [];
  const traffic = [
    `${a.count} flow${a.count === 1 ? '' : 's'}`,
    `${formatBytes(a.bytes)} out`,
    ...(a.bytesIn !== undefined ? [`${formatBytes(a.bytesIn)} in`] : []),
  ];
  out.push(`seen ${span(a.firstSeen, a.lastSeen)} · ${traffic.join(' · ')}`);
  if (e.names?.length) {
    out.push(`names: ${e.names.map((n) => `${n.name}${n.source ? ` (${n.source})` : ''}`).join(', ')}`);
  }
  for (const r of e.vendorRules ?? []) {
    out.push(
      `vendor rule ${r.ruleId}: ${r.vendor}${r.product ? ` ${r.product}` : ''} ${r.purpose}, matched by ${r.matchedBy} ${r.indicator}` +
        `${r.matchedValue && r.matchedValue !== r.indicator ? ` (${r.matchedValue})` : ''}, confidence ${r.confidence}`,
    );
    const urls = r.sourceUrls.length ? r.sourceUrls.join(' ') : r.source;
    out.push(`  source: ${urls}`);
  }
  if (e.beacon) {
    const b = e.beacon;
    out.push(
      `beacon: every ${formatDuration(b.periodMs)} ±${formatDuration(b.jitterMs)}, ${b.onTime}/${b.intervals} intervals on time` +
        `${b.missedBeats ? `, ${b.missedBeats} missed` : ''}${b.medianBytes !== undefined ? `, ~${formatBytes(b.medianBytes)} each` : ''}` +
        ` (by ${b.basis}; RITA score ${b.rita.score.toFixed(2)})`,
    );
  }
  if (a.subScores && Object.keys(a.subScores).length) {
    out.push(
      `sub-scores: ${Object.entries(a.subScores)
        .map(([k, v]) => `${k} ${Number(v.toFixed(3))}`)
        .join(', ')}`,
    );
  }
  const facts = Object.entries(e.facts ?? {});
  if (facts.length) out.push(`facts: ${facts.map(([k, v]) => `${k}=${factValue(v)}`).join('; ')}`);
  const more: string[] = [];
  if (e.ports?.length) more.push(`port${e.ports.length === 1 ? '' : 's'} ${e.ports.join(', ')}`);
  if (e.peerIps && e.peerIps.length > 1) more.push(`addresses ${e.peerIps.join(', ')}`);
  if (more.length) out.push(more.join(' · '));
  for (const r of e.rules ?? []) out.push(`${r.kind} rule ${r.id} (${r.file}): ${r.reason}`);
  const flows = (e.flows ?? []).slice(0, maxFlows);
  for (const f of flows) {
    const file = f.sourceFile
      ? `${basename(f.sourceFile)}${f.sourceRecord ? ` #${f.sourceRecord}` : ''}`
      : '';
    out.push(['flow', utc(f.start).slice(11), f.communityId, file].filter(Boolean).join('  '));
  }
  const hidden = (e.flows?.length ?? 0) - flows.length;
  if (hidden > 0 && flows.length > 0)
    out.push(`(+${hidden} more flow${hidden === 1 ? '' : 's'} in --format jsonl)`);
  return out;
}

interface CameraGroup {
  deviceIp: string;
  alerts: AlertWithStatus[];
}

/** Cameras worst first: by their worst alert (the alerts are compared as the analyzer orders them). */
export function groupByCamera(alerts: readonly AlertWithStatus[]): CameraGroup[] {
  const groups = new Map<string, CameraGroup>();
  for (const a of [...alerts].sort((x, y) => compareAlerts(x.alert, y.alert))) {
    const g = groups.get(a.alert.deviceIp);
    if (g) g.alerts.push(a);
    else groups.set(a.alert.deviceIp, { deviceIp: a.alert.deviceIp, alerts: [a] });
  }
  return [...groups.values()]; // insertion order = order of each camera's worst alert
}

/** "2 critical, 1 high, 3 medium" */
export function severityCounts(alerts: readonly { alert: Alert }[]): string {
  const counts = new Map<string, number>();
  for (const { alert } of alerts) counts.set(alert.severity, (counts.get(alert.severity) ?? 0) + 1);
  return [...counts.entries()]
    .sort(([a], [b]) => SEVERITY_RANK[b as Alert['severity']] - SEVERITY_RANK[a as Alert['severity']])
    .map(([s, n]) => `${n} ${s}`)
    .join(', ');
}

export function renderReport(alerts: readonly AlertWithStatus[], opts: ReportOptions = {}): string {
  const width = Math.max(60, opts.width ?? 100);
  const c = opts.colour === true;
  const sev = (s: string): string => {
    const label = s.toUpperCase().padEnd(8);
    return c ? `${SEVERITY_COLOUR[s] ?? ''}${label}${RESET}` : label;
  };
  const bold = (s: string): string => (c ? `${BOLD}${s}${RESET}` : s);
  const lines: string[] = [];
  for (const g of groupByCamera(alerts)) {
    const first = g.alerts[0]!.alert;
    const who = [first.deviceName, first.deviceVendor, first.deviceSite].filter(Boolean).join(' · ');
    lines.push(
      bold(`■ ${g.deviceIp}${who ? `  ${who}` : ''}`) +
        `  — ${g.alerts.length} alert${g.alerts.length === 1 ? '' : 's'} (${severityCounts(g.alerts)})`,
    );
    for (const { alert: a, status } of g.alerts) {
      const head = `  ${sev(a.severity)} ${String(a.score).padStart(3)}  ${a.detector.padEnd(16)} ${peerText(a)}`;
      lines.push(head + (opts.status ? `  [${status}]` : ''));
      lines.push(wrap(a.explanation, width, '       '));
      for (const l of evidenceLines(a, opts.flows ?? 3))
        lines.push(wrap(l, width, '       · ').replace(/\n {7}· /g, '\n         '));
      lines.push(`       id ${a.id}`);
    }
    lines.push('');
  }
  return lines.join('\n');
}
