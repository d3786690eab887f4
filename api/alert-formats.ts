/**
 * How an alert leaves the API: the JSON shape (the analyzer's jsonl contract plus triage state),
 * CSV rows, and ECS documents (research/ecosystem.md §1.1: event.kind "alert", category network +
 * intrusion_detection, OCSF-style 1–5 severity, source = camera, destination = peer, related.*).
 */
import { type Alert, SEVERITY_RANK } from '../analyzer/index.js';
import type { StoredAlert } from '../store/index.js';

const iso = (ms: number): string => new Date(ms).toISOString();

export function alertJson(a: StoredAlert<Alert>): Record<string, unknown> {
  const out: Record<string, unknown> = {
    id: a.id,
    deviceIp: a.deviceIp,
    deviceName: a.deviceName,
    deviceVendor: a.deviceVendor,
    deviceSite: a.deviceSite,
    peerIp: a.peerIp,
    peerName: a.peerName,
    peerPort: a.peerPort,
    peerCountry: a.peerCountry,
    peerAsn: a.peerAsn,
    peerAsOrg: a.peerAsOrg,
    detector: a.detector,
    severity: a.severity,
    score: a.score,
    firstSeen: iso(a.firstSeen),
    lastSeen: iso(a.lastSeen),
    count: a.count,
    bytes: a.bytes,
    bytesIn: a.bytesIn,
    explanation: a.explanation,
    status: a.status,
    assignee: a.assignee || undefined,
    closeReason: a.closeReason || undefined,
    version: a.version,
    updatedAt: iso(a.updatedAt),
    subScores: a.subScores,
  };
  if (Object.keys(a.evidence).length > 0) out.evidence = a.evidence;
  return out;
}

const ALERT_PROPS = {
  id: { type: 'string' },
  deviceIp: { type: 'string' },
  deviceName: { type: 'string' },
  deviceVendor: { type: 'string' },
  deviceSite: { type: 'string' },
  peerIp: { type: 'string' },
  peerName: { type: 'string' },
  peerPort: { type: 'integer' },
  peerCountry: { type: 'string' },
  peerAsn: { type: 'integer' },
  peerAsOrg: { type: 'string' },
  detector: { type: 'string' },
  severity: { type: 'string', enum: ['info', 'low', 'medium', 'high', 'critical'] },
  score: { type: 'number' },
  firstSeen: { type: 'string', format: 'date-time' },
  lastSeen: { type: 'string', format: 'date-time' },
  count: { type: 'integer' },
  bytes: { type: 'integer' },
  bytesIn: { type: 'integer' },
  explanation: { type: 'string' },
  status: { type: 'string', enum: ['open', 'acknowledged', 'resolved', 'false-positive'] },
  assignee: { type: 'string' },
  closeReason: { type: 'string' },
  version: { type: 'integer', description: 'send it back in PATCH (or If-Match) to triage' },
  updatedAt: { type: 'string', format: 'date-time' },
  subScores: { type: 'object', additionalProperties: { type: 'number' } },
  evidence: { type: 'object', additionalProperties: true },
} as const;

export const ALERT_SCHEMA = {
  $id: 'Alert',
  type: 'object',
  required: ['id', 'deviceIp', 'detector', 'severity', 'score', 'firstSeen', 'lastSeen', 'status', 'version'],
  properties: ALERT_PROPS,
} as const;

// --------------------------------------------------------------------------------------------- CSV

export const CSV_COLUMNS = [
  'id',
  'severity',
  'score',
  'detector',
  'status',
  'deviceIp',
  'deviceName',
  'deviceSite',
  'peerIp',
  'peerName',
  'peerPort',
  'peerCountry',
  'peerAsn',
  'firstSeen',
  'lastSeen',
  'count',
  'bytes',
  'assignee',
  'closeReason',
  'explanation',
] as const;

const csvCell = (v: unknown): string => {
  if (v === undefined || v === null) return '';
  let s = String(v);
  // Spreadsheet formula injection: a leading = + - @ would run in Excel/LibreOffice.
  if (/^[=+\-@\t\r]/.test(s) && typeof v === 'string') s = `'${s}`;
  return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
};

export const csvHeader = (): string => `${CSV_COLUMNS.join(',')}\r\n`;
export function csvRow(a: StoredAlert<Alert>): string {
  const j = alertJson(a);
  return `${CSV_COLUMNS.map((c) => csvCell(j[c])).join(',')}\r\n`;
}

// --------------------------------------------------------------------------------------------- ECS

export const ECS_VERSION = '9.4.0';

/** One alert as an ECS document (event.kind "alert", never "signal": that one is Kibana's). */
export function alertEcs(a: StoredAlert<Alert>, observerVersion: string): Record<string, unknown> {
  const names = (a.evidence.names ?? []).map((n) => n.name);
  const hosts = [...new Set([a.peerName, ...names].filter((x): x is string => !!x))];
  const doc: Record<string, unknown> = {
    '@timestamp': iso(a.lastSeen),
    ecs: { version: ECS_VERSION },
    event: {
      kind: 'alert',
      category: ['network', 'intrusion_detection'],
      type: ['connection', 'info'],
      action: a.detector,
      module: 'camwatch',
      dataset: 'camwatch.alert',
      id: a.id,
      severity: SEVERITY_RANK[a.severity] + 1,
      risk_score: a.score,
      risk_score_norm: Math.max(0, Math.min(100, a.score)),
      start: iso(a.firstSeen),
      end: iso(a.lastSeen),
      reason: a.explanation,
    },
    rule: { id: `camwatch.${a.detector}`, name: a.detector, category: a.detector, ruleset: 'camwatch' },
    source: { ip: a.deviceIp, bytes: a.bytes },
    destination: {
      ...(a.peerIp ? { ip: a.peerIp } : {}),
      ...(a.peerPort ? { port: a.peerPort } : {}),
      ...(a.peerName ? { domain: a.peerName } : {}),
      ...(a.bytesIn ? { bytes: a.bytesIn } : {}),
      ...(a.peerAsn || a.peerAsOrg
        ? {
            as: {
              ...(a.peerAsn ? { number: a.peerAsn } : {}),
              ...(a.peerAsOrg ? { organization: { name: a.peerAsOrg } } : {}),
            },
          }
        : {}),
      ...(a.peerCountry ? { geo: { country_iso_code: a.peerCountry } } : {}),
    },
    network: { direction: 'outbound' },
    related: {
      ip: [a.deviceIp, ...(a.evidence.peerIps ?? (a.peerIp ? [a.peerIp] : []))].filter(
        (v, i, arr) => arr.indexOf(v) === i,
      ),
      ...(hosts.length ? { hosts } : {}),
    },
    observer: { vendor: 'camwatch', product: 'camwatch', type: 'sensor', version: observerVersion },
    camwatch: {
      status: a.status,
      ...(a.assignee ? { assignee: a.assignee } : {}),
      ...(a.closeReason ? { close_reason: a.closeReason } : {}),
      count: a.count,
      version: a.version,
    },
  };
  if (a.deviceVendor || a.deviceName) {
    doc.device = { ...(a.deviceVendor ? { manufacturer: a.deviceVendor } : {}) };
    doc.host = a.deviceName ? { name: a.deviceName } : undefined;
  }
  const flows = a.evidence.flows ?? [];
  const cid = flows.find((f) => f.communityId)?.communityId;
  if (cid) (doc.network as Record<string, unknown>).community_id = cid;
  const vr = a.evidence.vendorRules ?? [];
  if (vr.length) {
    doc.threat = {
      enrichments: vr.map((r) => ({
        indicator: {
          type:
            r.matchedBy === 'ip' || r.matchedBy === 'cidr'
              ? 'ipv4-addr'
              : r.matchedBy === 'asn'
                ? 'autonomous-system'
                : 'domain-name',
          description: `${r.vendor}${r.product ? ` ${r.product}` : ''} (${r.purpose})`,
          provider: 'camwatch vendor-endpoints',
          confidence:
            r.confidence === 'documented-by-vendor' ? 'High' : r.confidence === 'inferred' ? 'Low' : 'Medium',
          reference: r.sourceUrls[0],
        },
        matched: {
          atomic: r.matchedValue,
          field: r.matchedBy === 'ip' || r.matchedBy === 'cidr' ? 'destination.ip' : 'destination.domain',
          id: r.ruleId,
        },
      })),
    };
  }
  if (doc.host === undefined) delete doc.host;
  return doc;
}
