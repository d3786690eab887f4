/** The small parts of scan and alerts: windows, --since, CSV cells, the per-camera grouping. */
import { describe, expect, test } from 'vitest';
import type { Alert } from '../../analyzer/index.js';
import { parseSince } from '../../cli/commands/alerts.js';
import { joinWindows } from '../../cli/commands/scan-run.js';
import { ALERT_CSV_HEADER, alertsToCsv, alertsToJsonl } from '../../cli/report/alert-writers.js';
import { groupByCamera, peerText, renderReport, wrap } from '../../cli/report/terminal-report.js';

const alert = (over: Partial<Alert>): Alert => ({
  id: 'cw-000000000000000000000000',
  deviceIp: '10.0.0.1',
  detector: 'egress',
  severity: 'medium',
  score: 60,
  firstSeen: Date.UTC(2024, 2, 11, 8),
  lastSeen: Date.UTC(2024, 2, 11, 9),
  count: 3,
  bytes: 1200,
  explanation: 'Camera 10.0.0.1 made 3 connections.',
  evidence: {},
  ...over,
});

describe('joinWindows', () => {
  test('overlapping and near inputs are one window, far ones separate, in time order', () => {
    const h = 3_600_000;
    const w = joinWindows(
      [
        { since: 10 * h, until: 11 * h, flows: 5 },
        { since: 0, until: 2 * h, flows: 1 },
        { since: 1 * h, until: 3 * h, flows: 2 },
        { since: 3.5 * h, until: 4 * h, flows: 4 },
      ],
      h,
    );
    expect(w).toEqual([
      { sinceMs: 0, untilMs: 4 * h, flows: 7 },
      { sinceMs: 10 * h, untilMs: 11 * h, flows: 5 },
    ]);
  });
});

describe('parseSince', () => {
  const now = Date.UTC(2024, 2, 11, 12);
  test('durations back from now', () => {
    expect(parseSince('24h', now)).toBe(now - 86_400_000);
    expect(parseSince('90m', now)).toBe(now - 5_400_000);
    expect(parseSince('7d', now)).toBe(now - 7 * 86_400_000);
  });
  test('ISO dates are UTC', () => {
    expect(parseSince('2024-03-11', now)).toBe(Date.UTC(2024, 2, 11));
    expect(parseSince('2024-03-11T08:20:00Z', now)).toBe(Date.UTC(2024, 2, 11, 8, 20));
    expect(parseSince('yesterday', now)).toBeUndefined();
  });
});

describe('alert writers', () => {
  test('CSV quotes cells with commas, quotes and line breaks (RFC 4180)', () => {
    const a = alert({ peerAsOrg: 'Amazon.com, Inc.', explanation: 'a "quoted"\nline' });
    const [head, row] = alertsToCsv([{ alert: a, status: 'open' }])
      .trimEnd()
      .split(/\n(?=cw-)/);
    expect(head).toBe(ALERT_CSV_HEADER);
    expect(row).toContain('"Amazon.com, Inc."');
    expect(row).toContain('"a ""quoted""\nline"');
    expect(row!.split(',').length).toBeGreaterThan(20);
  });
  test('jsonl: ISO times, status, absent values omitted', () => {
    const o = JSON.parse(alertsToJsonl([{ alert: alert({}), status: 'acknowledged' }]));
    expect(o.firstSeen).toBe('2024-03-11T08:00:00.000Z');
    expect(o.status).toBe('acknowledged');
    expect('peerIp' in o).toBe(false);
  });
});

describe('terminal report', () => {
  test('cameras ordered by their worst alert; alerts worst first inside', () => {
    const g = groupByCamera([
      { alert: alert({ id: 'cw-a', deviceIp: '10.0.0.1', severity: 'low' }), status: 'open' },
      { alert: alert({ id: 'cw-b', deviceIp: '10.0.0.2', severity: 'critical' }), status: 'open' },
      { alert: alert({ id: 'cw-c', deviceIp: '10.0.0.1', severity: 'high' }), status: 'open' },
    ]);
    expect(g.map((x) => x.deviceIp)).toEqual(['10.0.0.2', '10.0.0.1']);
    expect(g[1]!.alerts.map((a) => a.alert.id)).toEqual(['cw-c', 'cw-a']);
  });
  test('peer text: name, address and port, country, ASN and organisation', () => {
    expect(
      peerText(
        alert({
          peerName: 'p2p.easy4ip.com',
          peerIp: '47.88.94.232',
          peerPort: 443,
          peerCountry: 'US',
          peerAsn: 45102,
          peerAsOrg: 'Alibaba',
        }),
      ),
    ).toBe('p2p.easy4ip.com (47.88.94.232:443) · US · AS45102 Alibaba');
    expect(peerText(alert({ evidence: { facts: { peers: 9716 }, ports: [23] } }))).toBe(
      '9716 addresses on port 23',
    );
  });
  test('wrap keeps the indent and the width', () => {
    const t = wrap('one two three four five six seven eight nine ten', 20, '   ');
    for (const l of t.split('\n')) {
      expect(l.startsWith('   ')).toBe(true);
      expect(l.length).toBeLessThanOrEqual(20);
    }
  });
  test('the vendor rule and its source are shown', () => {
    const text = renderReport([
      {
        alert: alert({
          detector: 'p2p',
          evidence: {
            vendorRules: [
              {
                ruleId: 'dahua-002',
                vendor: 'Dahua',
                purpose: 'p2p',
                matchedBy: 'port',
                indicator: '8800/udp',
                matchedValue: '8800/udp',
                confidence: 'research',
                source: 'https://example.org/src',
                sourceUrls: ['https://example.org/src'],
              },
            ],
          },
        }),
        status: 'open',
      },
    ]);
    expect(text).toContain('vendor rule dahua-002: Dahua p2p, matched by port 8800/udp');
    expect(text).toContain('source: https://example.org/src');
  });
});
