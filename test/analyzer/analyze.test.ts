/**
 * A whole analysis run on chDB over the scenario of analyzer-fixtures.ts. The expected alerts are read
 * off the scenario: what each camera did, and which rule or detector names it.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { Alert } from '../../analyzer/alert.js';
import { analyze } from '../../analyzer/analyze.js';
import { checkFlow } from '../../analyzer/detectors/flow-checks.js';
import { queryProtocolEvents } from '../../analyzer/queries/protocol-events-query.js';
import { type CompiledRules, compileRules } from '../../analyzer/rules/compiled-rules.js';
import { loadRulePackList } from '../../analyzer/rules/default-rules.js';
import { type LoadedPack, parseRulePack } from '../../analyzer/rules/load-rules.js';
import { saveAnalysedAlerts } from '../../analyzer/save-analysed-alerts.js';
import {
  ALERT_FIELDS,
  listAlerts,
  openStore,
  parseAlertSort,
  type Store,
  writeFlows,
} from '../../store/index.js';
import { BASELINE, scenario, T0, WINDOW } from './analyzer-fixtures.js';

let dir: string;
let store: Store;
let packs: LoadedPack[];
let rules: CompiledRules;
const NOW = T0 + 2 * 3_600_000;

function withOperator(yaml: string): CompiledRules {
  const r = parseRulePack(yaml, 'inline.yaml');
  expect(r.problems).toEqual([]);
  return compileRules([...packs, { file: 'inline.yaml', pack: r.pack! }]);
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'camwatch-analyze-'));
  store = await openStore({ dataDir: dir });
  await writeFlows(store, scenario());
  packs = await loadRulePackList();
  rules = compileRules(packs);
});

afterAll(async () => {
  await store?.close();
  rmSync(dir, { recursive: true, force: true });
});

const keyOf = (a: { deviceIp: string; detector: string; peerName?: string; peerIp?: string }) =>
  `${a.deviceIp} ${a.detector} ${a.peerName ?? a.peerIp ?? '*'}`;

describe('analyze', () => {
  test('every behaviour of the scenario becomes one alert, and nothing else does', async () => {
    const { alerts, suppressed } = await analyze(store, rules, {
      window: WINDOW,
      baseline: BASELINE,
      nowMs: NOW,
    });
    expect(suppressed).toEqual([]);
    expect(alerts.map(keyOf).sort()).toEqual(
      [
        // camera A
        '10.1.0.7 beacon dev.ezviz7.com', // 60 s heartbeat
        '10.1.0.7 vendor-cloud dev.ezviz7.com', // hikvision-005 (EZVIZ)
        '10.1.0.7 egress new.example.com', // 198.51.100.77 (documentation range: outside policy, not public)
        '10.1.0.7 dns-outside 8.8.8.8', // keyed by the resolver although enrichment named the flow by its query
        '10.1.0.7 ntp-public time.nist.gov',
        '10.1.0.7 nat-traversal 74.125.250.129',
        '10.1.0.7 upnp-portmap 192.168.1.1',
        // camera B
        '10.1.0.8 telnet-out *', // one alert for the scan of 3 addresses on port 23
        '10.1.0.8 telnet-out 10.5.5.5', // port 2323
        '10.1.0.8 inbound-internet 45.1.2.3',
        '10.1.0.8 vendor-cloud dev.ezviz7.com',
        // camera C (never enriched)
        '10.1.0.9 egress 203.0.113.50',
        // camera D (IPv6): the public peer only, not the unique-local one
        '2001:db8:cafe::7 egress 2a00:1450:4001:80b::200e',
      ].sort(),
    );
    // new peers (against the baseline) modify the pair's alerts instead of adding one each
    const newOnes = alerts.filter((a) => a.evidence.facts?.newPeer === true).map(keyOf);
    expect(newOnes.sort()).toEqual(
      [
        '10.1.0.7 egress new.example.com',
        '10.1.0.7 dns-outside 8.8.8.8',
        '10.1.0.7 nat-traversal 74.125.250.129',
        '10.1.0.8 vendor-cloud dev.ezviz7.com',
      ].sort(),
    );
    const egress = alerts.find((a) => a.peerName === 'new.example.com')!;
    expect(egress.score).toBe(40 + 10);
    expect(egress.explanation).toContain(
      'The peer is new: the camera never contacted it in the learned baseline',
    );
    const scan = alerts.find((a) => a.detector === 'telnet-out' && a.peerIp === undefined)!;
    expect(scan).toMatchObject({ count: 3, peerPort: 23, evidence: { facts: { peers: 3 } } });
    expect(scan.evidence.peerIps).toEqual(['1.2.3.4', '1.2.3.5', '1.2.3.6']);
    expect(scan.explanation).toContain(
      'opened 3 connections to telnet (port 23) on 3 addresses (1.2.3.4, 1.2.3.5, 1.2.3.6…)',
    );
    // worst first: critical telnet/inbound before the rest
    expect(alerts[0]!.severity).toBe('critical');
    expect(alerts.at(-1)!.severity).toBe('low');
  });

  test('a vendor match names the vendor, the rule, its source and the evidence', async () => {
    const { alerts } = await analyze(store, rules, { window: WINDOW, nowMs: NOW });
    const v = alerts.find((a) => a.detector === 'vendor-cloud' && a.deviceIp === '10.1.0.7')!;
    expect(v.evidence.vendorRules![0]).toMatchObject({
      ruleId: 'hikvision-005',
      vendor: 'Hikvision',
      matchedBy: 'domain',
    });
    expect(v.evidence.names).toEqual([{ name: 'dev.ezviz7.com', source: 'sni' }]);
    expect(v).toMatchObject({
      count: 60,
      peerPort: 8555,
      peerCountry: 'US',
      peerAsn: 14618,
      severity: 'medium',
    });
    expect(v.evidence.peerIps).toEqual(['52.22.50.150', '52.22.50.151']);
    expect(v.explanation).toContain('Hikvision EZVIZ cloud endpoint intelligence (rule hikvision-005');
    expect(v.explanation).toContain('60 connections');
    const b = alerts.find((a) => a.detector === 'beacon')!;
    expect(b.score).toBeGreaterThanOrEqual(85);
    expect(b.evidence.beacon!.periodMs).toBeGreaterThan(55_000);
    expect(b.evidence.beacon!.periodMs).toBeLessThan(65_000);
    expect(Object.keys(b.subScores!).sort()).toEqual([
      'coverage',
      'evidence',
      'histogram',
      'interval',
      'size',
    ]);
    expect(b.explanation).toMatch(/every \d+(\.\d)? s/);
    const dns = alerts.find((a) => a.detector === 'dns-outside')!;
    expect(dns.evidence.facts).toEqual({ queries: ['dev.ezviz7.com'] });
    // 8.8.8.8 is in three research entries: the DoH resolver list, and the resolver hard-coded in
    // Mirai and in Xiongmai firmware (vendor-endpoints.md, "Hard-coded DNS")
    expect(dns.evidence.vendorRules!.map((r) => r.vendor).sort()).toEqual([
      'Generic DoH resolvers',
      'Mirai-family botnet',
      'Xiongmai (XMEye/ICSee)',
    ]);
  });

  test('a wide window ("everything") scores beacons against the time the data covers', async () => {
    const wide = await analyze(store, rules, { window: { sinceMs: 0, untilMs: 4e12 }, nowMs: NOW });
    const narrow = await analyze(store, rules, { window: WINDOW, nowMs: NOW });
    const b = (r: typeof wide) => r.alerts.find((a) => a.detector === 'beacon' && a.deviceIp === '10.1.0.7');
    expect(b(wide)).toBeDefined();
    // the wide window also holds the baseline flow yesterday and one after the hour: coverage shrinks a
    // little, it does not collapse to 1 h / 126 years
    expect(b(wide)!.subScores!.coverage).toBeGreaterThan(0.01);
    expect(b(narrow)!.subScores!.coverage).toBeGreaterThan(0.9);
  });

  test('running again gives the same alerts (same ids: no duplicates)', async () => {
    const a = await analyze(store, rules, { window: WINDOW, baseline: BASELINE, nowMs: NOW });
    const b = await analyze(store, rules, { window: WINDOW, baseline: BASELINE, nowMs: NOW });
    expect(b.alerts).toEqual(a.alerts);
    expect(new Set(a.alerts.map((x) => x.id)).size).toBe(a.alerts.length);
  });

  test('a grouped NTP alert is allowed by the name its server was seen under, not only by address', async () => {
    // the scenario's NTP server is known by name only through the flows (time.nist.gov); a MUD
    // file or an operator allows it that way
    const byName = withOperator(`
kind: operator
id: ntp-by-name
allow:
  - id: nist-time
    domains: [time.nist.gov]
    reason: the site's chosen time source
`);
    const byOtherName = withOperator(`
kind: operator
id: ntp-other
allow:
  - id: other-time
    domains: [pool.ntp.org]
    reason: another time source
`);
    const keys = async (r: CompiledRules) =>
      (await analyze(store, r, { window: WINDOW, nowMs: NOW })).alerts.map(keyOf);
    expect(await keys(rules)).toContain('10.1.0.7 ntp-public time.nist.gov');
    expect(await keys(byName)).not.toContain('10.1.0.7 ntp-public time.nist.gov');
    expect(await keys(byOtherName)).toContain('10.1.0.7 ntp-public time.nist.gov');
  });

  test('operator rules apply at analysis time: allow, suppress (until expiry), override, watch', async () => {
    const r = withOperator(`
kind: operator
id: hq
allow:
  - id: ezviz-ok
    scope: { devices: [10.1.0.8] }
    domains: [ezviz7.com]
    reason: B's cloud use is approved
watch:
  - id: us-watch
    countries: [US]
    severity: high
    reason: test watch
severityOverrides:
  - id: ntp-info
    detector: ntp-public
    severity: info
    reason: accepted
suppressions:
  - id: lab-c
    scope: { devices: [10.1.0.9] }
    reason: camera C is a lab device
    expires: 2026-12-31
  - id: old
    detector: upnp-portmap
    reason: expired long ago
    expires: 2020-01-01
`);
    const { alerts, suppressed } = await analyze(store, r, {
      window: WINDOW,
      baseline: BASELINE,
      nowMs: NOW,
    });
    const keys = alerts.map(keyOf);
    expect(keys).not.toContain('10.1.0.8 vendor-cloud dev.ezviz7.com'); // allowed for B
    expect(keys).not.toContain('10.1.0.8 new-peer dev.ezviz7.com');
    expect(keys).toContain('10.1.0.7 vendor-cloud dev.ezviz7.com'); // not for A
    expect(keys).toContain('10.1.0.7 watchlist dev.ezviz7.com'); // US, from the enrichment columns
    expect(keys).toContain('10.1.0.7 upnp-portmap 192.168.1.1'); // suppression expired
    expect(keys.filter((k) => k.startsWith('10.1.0.9'))).toEqual([]);
    expect(suppressed.map((s) => `${keyOf(s.alert)} by ${s.by.rule.id}`)).toEqual([
      '10.1.0.9 egress 203.0.113.50 by lab-c',
    ]);
    const ntp = alerts.find((a) => a.detector === 'ntp-public')!;
    expect(ntp.severity).toBe('info');
    expect(ntp.evidence.rules).toEqual([
      { kind: 'override', id: 'ntp-info', file: 'inline.yaml', reason: 'accepted' },
    ]);
    const w = alerts.find((a) => a.detector === 'watchlist')!;
    expect(w.severity).toBe('high');
    expect(w.explanation).toContain('watch list (us-watch: test watch)');
  });

  test('policy thresholds: a volume alert above minBytesOut; detectors can be switched off', async () => {
    const policy = packs.find((p) => p.pack.kind === 'policy')!;
    const pol = structuredClone(policy.pack) as typeof policy.pack & { detectors: Record<string, object> };
    pol.detectors.volume = { severity: 'high', minBytesOut: 30_000 };
    pol.detectors.beacon = { enabled: false };
    const r = compileRules([...packs.filter((p) => p !== policy), { file: 'p.yaml', pack: pol }]);
    const { alerts } = await analyze(store, r, { window: WINDOW, nowMs: NOW });
    const vol = alerts.filter((a) => a.detector === 'volume').map(keyOf);
    // A sent 36 060 B to dev.ezviz7.com; the other public peers far less
    expect(vol).toEqual(['10.1.0.7 volume dev.ezviz7.com']);
    expect(alerts.some((a) => a.detector === 'beacon')).toBe(false);
  });
});

describe('alerts table', () => {
  test('alerts round-trip through the store; writing a re-run again keeps one row per id', async () => {
    const { alerts } = await analyze(store, rules, { window: WINDOW, baseline: BASELINE, nowMs: NOW });
    expect(await saveAnalysedAlerts(store, alerts)).toMatchObject({ created: alerts.length, updated: 0 });
    const again = await analyze(store, rules, { window: WINDOW, baseline: BASELINE, nowMs: NOW });
    expect(await saveAnalysedAlerts(store, again.alerts)).toMatchObject({
      created: 0,
      updated: alerts.length,
    });
    const page = await listAlerts<Alert>(store, {
      sort: parseAlertSort('+lastSeen'),
      limit: 500,
      withEvidence: true,
    });
    expect(page.items).toHaveLength(alerts.length);
    expect(page.items.every((b) => b.status === 'open')).toBe(true);
    // The store's rule for absent values (store/README.md): an optional number stored as 0 (bytesIn of
    // a peer that never answered) reads back absent.
    const optional = new Set(ALERT_FIELDS.filter((f) => !f.required).map((f) => f.name));
    const absentZeros = (a: Alert): Alert =>
      Object.fromEntries(Object.entries(a).filter(([k, v]) => v !== 0 || !optional.has(k))) as Alert;
    const byId = new Map(alerts.map((a) => [a.id, a]));
    for (const { status: _s, assignee: _a, closeReason: _c, version: _v, updatedAt: _u, ...b } of page.items)
      expect(b).toEqual(absentZeros(byId.get(b.id)!));
  });
});

describe('checkFlow', () => {
  test('per-flow protocol findings agree with the protocol SQL over the same flows', async () => {
    const rows = await queryProtocolEvents(store, rules, WINDOW);
    const fromSql = rows.map((r) => `${r.deviceIp} ${r.kind} ${r.eventKey} ${r.flows}`).sort();
    const counts = new Map<string, number>();
    for (const f of scenario()) {
      if (f.start < WINDOW.sinceMs || f.start >= WINDOW.untilMs) continue;
      for (const x of checkFlow(f, rules)) {
        if (['egress', 'vendor-cloud', 'p2p', 'watchlist'].includes(x.detector)) continue;
        const group =
          x.detector === 'telnet-out' || x.detector === 'ssh-out'
            ? `scan:${x.peerPort}`
            : x.detector === 'inbound-internet'
              ? `inbound:${x.devicePort}`
              : x.detector === 'ntp-public'
                ? 'ntp'
                : (x.peerName?.toLowerCase() ?? x.peerIp);
        const k = `${x.deviceIp} ${x.detector} ${group}`;
        counts.set(k, (counts.get(k) ?? 0) + 1);
      }
    }
    expect([...counts].map(([k, n]) => `${k} ${n}`).sort()).toEqual(fromSql);
  });

  test('destination findings: vendor, egress, nothing for local peers', () => {
    const flows = scenario();
    const ez = flows.find((f) => f.peerName === 'dev.ezviz7.com' && f.start >= T0)!;
    const [v] = checkFlow(ez, rules);
    expect(v).toMatchObject({
      detector: 'vendor-cloud',
      severity: 'medium',
      score: 70,
      peerName: 'dev.ezviz7.com',
    });
    expect(v!.vendorRules[0]!.ruleId).toBe('hikvision-005');
    expect(v!.reason).toBe(
      'dev.ezviz7.com:8555: Hikvision EZVIZ cloud endpoint (hikvision-005, by domain dev.ezviz7.com)',
    );
    const nvr = flows.find((f) => f.respIp === '10.9.0.10')!;
    expect(checkFlow(nvr, rules)).toEqual([]);
    const unknown = {
      ...ez,
      peerName: undefined,
      peerIp: '93.184.216.34',
      respIp: '93.184.216.34',
      respPort: 443,
      peerPort: 443,
    };
    expect(checkFlow(unknown, rules).map((x) => [x.detector, x.severity, x.score])).toEqual([
      ['egress', 'medium', 60],
    ]);
    // a P2P endpoint by name: Dahua's Easy4IP rendezvous
    const p2p = { ...unknown, peerName: 'www.easy4ipcloud.com', proto: 17, peerPort: 8800, respPort: 8800 };
    expect(checkFlow(p2p, rules).map((x) => [x.detector, x.severity])).toEqual([['p2p', 'high']]);
    // a port-only hint needs a single outbound port on a public peer: Hanwha's TURN range is not enough
    const turnRange = { ...unknown, proto: 17, peerPort: 40000, respPort: 40000 };
    expect(checkFlow(turnRange, rules).map((x) => x.detector)).toEqual(['egress']);
    // DNS over HTTPS to a resolver the DoH list names
    const doh = { ...unknown, peerName: 'dns.google', peerIp: '8.8.4.4', respIp: '8.8.4.4' };
    expect(checkFlow(doh, rules).map((x) => [x.detector, x.severity])).toEqual([['doh', 'high']]);
    const reolinkP2p = { ...unknown, proto: 17, peerPort: 9999, respPort: 9999 };
    const [hint] = checkFlow(reolinkP2p, rules);
    expect(hint).toMatchObject({ detector: 'p2p', score: 50 });
    expect(hint!.vendorRules[0]!.ruleId).toBe('reolink-012');
  });

  test('allow rules silence destinations but never telnet out', () => {
    const r = withOperator(`
kind: operator
id: allow-all
allow:
  - id: everything
    networks: [0.0.0.0/0]
    reason: test
`);
    const flows = scenario();
    const telnet = flows.find((f) => f.respPort === 23)!;
    expect(checkFlow(telnet, r).map((x) => x.detector)).toEqual(['telnet-out']);
    const dns = flows.find((f) => f.respPort === 53)!;
    expect(checkFlow(dns, r)).toEqual([]);
    expect(checkFlow(dns, rules).map((x) => x.detector)).toEqual(['dns-outside']);
  });
});
