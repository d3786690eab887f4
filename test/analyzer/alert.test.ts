import { createHash } from 'node:crypto';
import { fc, test as fcTest } from '@fast-check/vitest';
import { describe, expect, test } from 'vitest';
import {
  type Alert,
  type AlertDraft,
  alertId,
  alertToJson,
  compareAlerts,
  mergeAlert,
  normaliseIp,
  peerKey,
  sortAlerts,
} from '../../analyzer/alert.js';
import { finishAlert } from '../../analyzer/build-alert.js';
import { explainAlert, formatBytes, formatDuration, when } from '../../analyzer/explain.js';
import { DETECTORS } from '../../analyzer/rules/rule-types.js';

const T = Date.UTC(2026, 10, 27, 8, 0, 0);

const draft = (over: Partial<AlertDraft> = {}): AlertDraft => ({
  deviceIp: '10.1.0.7',
  deviceName: 'cam-lobby',
  deviceVendor: 'Hikvision',
  peerIp: '52.22.50.150',
  peerName: 'dev.ezviz7.com',
  peerCountry: 'US',
  peerAsn: 14618,
  peerAsOrg: 'Amazon',
  detector: 'vendor-cloud',
  severity: 'medium',
  score: 80,
  firstSeen: T,
  lastSeen: T + 3_540_000,
  count: 60,
  bytes: 36_000,
  evidence: {
    vendorRules: [
      {
        ruleId: 'hikvision-005',
        vendor: 'Hikvision',
        product: 'EZVIZ',
        purpose: 'cloud',
        matchedBy: 'domain',
        indicator: 'dev.ezviz7.com',
        matchedValue: 'dev.ezviz7.com',
        confidence: 'inferred',
        source: 'unattributed public GitHub file(s), search-index id(s) 39280473314',
        sourceUrls: [],
      },
    ],
    names: [{ name: 'dev.ezviz7.com', source: 'sni', firstSeen: T, count: 60 }],
    flows: [{ start: T, communityId: '1:abc', sourceFile: 'cam.pcap', sourceRecord: 17 }],
  },
  ...over,
});

describe('alert identity', () => {
  test('the id is SHA-256 of device | detector | peer key, 24 hex digits', () => {
    const h = createHash('sha256').update('10.1.0.7|beacon|name:dev.ezviz7.com').digest('hex').slice(0, 24);
    expect(alertId('10.1.0.7', 'beacon', 'name:dev.ezviz7.com')).toBe(`cw-${h}`);
  });

  test('the same device, detector and peer give the same id however they are written', () => {
    const a = finishAlert(draft());
    const b = finishAlert(
      draft({ deviceIp: '::ffff:10.1.0.7', peerName: 'DEV.EZVIZ7.COM.', peerIp: '3.3.3.3', count: 9 }),
    );
    expect(b.id).toBe(a.id);
    expect(finishAlert(draft({ detector: 'beacon' })).id).not.toBe(a.id);
    expect(finishAlert(draft({ deviceIp: '10.1.0.8' })).id).not.toBe(a.id);
  });

  test('the peer key is the name first, the address otherwise', () => {
    expect(peerKey({ peerName: 'A.example', peerIp: '1.2.3.4' })).toBe('name:a.example');
    expect(peerKey({ peerIp: '::ffff:1.2.3.4' })).toBe('ip:1.2.3.4');
    expect(peerKey({ peerIp: '2001:DB8::1' })).toBe('ip:2001:db8::1');
  });
});

describe('mergeAlert', () => {
  const stored = finishAlert(draft());
  test('the same window analysed again does not double counts', () => {
    const again = mergeAlert(stored, finishAlert(draft()));
    expect(again.count).toBe(60);
    expect(again.bytes).toBe(36_000);
  });
  test('a later window adds counts and widens the time range', () => {
    const later = finishAlert(
      draft({ firstSeen: T + 3_600_000, lastSeen: T + 7_140_000, count: 59, bytes: 35_400 }),
    );
    const m = mergeAlert(stored, later);
    expect(m).toMatchObject({ firstSeen: T, lastSeen: T + 7_140_000, count: 119, bytes: 71_400 });
  });
});

describe('jsonl shape', () => {
  test('times are ISO-8601 UTC with ms; absent values are omitted; the contract keys are there', () => {
    const j = alertToJson(finishAlert(draft({ peerAsOrg: undefined })));
    for (const k of [
      'id',
      'deviceIp',
      'peerIp',
      'peerName',
      'detector',
      'severity',
      'score',
      'firstSeen',
      'lastSeen',
    ]) {
      expect(j).toHaveProperty(k);
    }
    expect(j).toHaveProperty('explanation');
    expect(j).toHaveProperty('evidence');
    expect(j.firstSeen).toBe('2026-11-27T08:00:00.000Z');
    expect(j).not.toHaveProperty('peerAsOrg');
    const ev = j.evidence as { names: { firstSeen: string }[]; flows: { start: string }[] };
    expect(ev.names[0]!.firstSeen).toBe('2026-11-27T08:00:00.000Z');
    expect(ev.flows[0]!.start).toBe('2026-11-27T08:00:00.000Z');
    expect(JSON.parse(JSON.stringify(j))).toEqual(j);
  });

  test('worst first: severity, then score, then recency', () => {
    const a = finishAlert(draft({ severity: 'high', score: 50 }));
    const b = finishAlert(draft({ severity: 'critical', score: 10, detector: 'telnet-out' }));
    const c = finishAlert(draft({ severity: 'high', score: 90, detector: 'beacon' }));
    expect([a, b, c].sort(compareAlerts).map((x: Alert) => x.id)).toEqual([b.id, c.id, a.id]);
  });
});

describe('explanations', () => {
  test('a vendor-cloud alert names the device, peer, vendor, rule, source and how often', () => {
    const text = explainAlert(draft());
    expect(text).toBe(
      'Camera 10.1.0.7 (cam-lobby, Hikvision) made 60 connections to dev.ezviz7.com (52.22.50.150, US, AS14618 Amazon) ' +
        'between 2026-11-27 08:00:00 UTC and 2026-11-27 08:59:00 UTC, sending 36.0 kB. ' +
        'It matches Hikvision EZVIZ cloud endpoint intelligence (rule hikvision-005, by name dev.ezviz7.com; confidence inferred; ' +
        'source: unattributed public GitHub file(s), search-index id(s) 39280473314). ' +
        'A vendor cloud connection lets the vendor (and whoever controls its cloud) reach the camera and its video.',
    );
  });

  test('a beacon explanation gives period, jitter, on-time intervals and the sub-scores', () => {
    const text = explainAlert(
      draft({
        detector: 'beacon',
        score: 97,
        subScores: { interval: 0.98, size: 1, coverage: 1, evidence: 1 },
        evidence: {
          beacon: {
            periodMs: 60_000,
            jitterMs: 3_000,
            intervals: 59,
            onTime: 59,
            missedBeats: 0,
            medianBytes: 612,
            basis: 'connections',
            rita: { ts: 0.9, ds: 1, hist: 1, dur: 1, score: 0.975 },
          },
        },
      }),
    );
    expect(text).toContain('every 60 s (±3 s), about 612 B each: 59 of 59 intervals on time');
    expect(text).toContain('Score 97: interval 0.98, size 1, coverage 1, evidence 1.');
  });

  test('every detector has a builder that mentions the camera', () => {
    for (const d of DETECTORS) {
      const text = explainAlert(draft({ detector: d, evidence: {} }));
      expect(text, d).toMatch(/10\.1\.0\.7/);
      expect(text, d).not.toMatch(/undefined|NaN/);
    }
  });

  test('units', () => {
    expect(formatBytes(999)).toBe('999 B');
    expect(formatBytes(1500)).toBe('1.5 kB');
    expect(formatBytes(52_000_000)).toBe('52.0 MB');
    expect(formatDuration(60_000)).toBe('60 s');
    expect(formatDuration(600_000)).toBe('10 min');
    expect(formatDuration(5_400_000)).toBe('90 min');
    expect(formatDuration(7_200_000)).toBe('2.0 h');
  });
});

describe('formatting shortcuts agree with their definitions', () => {
  // any ms time from 1970 to 2100, in any order: the day cache must not leak into the next call
  fcTest.prop([fc.array(fc.integer({ min: 0, max: 4_102_444_800_000 }), { minLength: 1, maxLength: 20 })])(
    'alert times: the ISO-8601 text without milliseconds, T as a space, UTC',
    (times) => {
      for (const ms of times)
        expect(when(ms)).toBe(`${new Date(ms).toISOString().slice(0, 19).replace('T', ' ')} UTC`);
    },
  );

  fcTest.prop([fc.ipV4(), fc.ipV4Extended(), fc.ipV6()])(
    'address text: dotted IPv4 unchanged, IPv4-mapped IPv6 as dotted IPv4, IPv6 lower case',
    (v4, v4ext, v6) => {
      expect(normaliseIp(v4)).toBe(v4);
      expect(normaliseIp(`::ffff:${v4}`)).toBe(v4);
      expect(normaliseIp(`::FFFF:${v4}`)).toBe(v4);
      // extended forms (octal, hex, short) are not addresses to inet_pton: left as text, lower case
      if (!/^\d+\.\d+\.\d+\.\d+$/.test(v4ext) || /(^|\.)0\d/.test(v4ext))
        expect(normaliseIp(v4ext)).toBe(v4ext.toLowerCase());
      if (!v6.toLowerCase().startsWith('::ffff:')) expect(normaliseIp(v6)).toBe(v6.toLowerCase());
    },
  );

  test('alerts sorted on copied keys come out in compareAlerts order', () => {
    const a = (id: string, severity: Alert['severity'], score: number, lastSeen: number): Alert =>
      ({ ...finishAlert(draft({ severity, score, lastSeen })), id }) as Alert;
    const list = [
      a('cw-3', 'low', 90, T),
      a('cw-1', 'high', 50, T),
      a('cw-2', 'high', 50, T + 1),
      a('cw-0', 'high', 50, T + 1),
      a('cw-4', 'critical', 10, T),
    ];
    expect(sortAlerts(list).map((x) => x.id)).toEqual([...list].sort(compareAlerts).map((x) => x.id));
    expect(sortAlerts(list).map((x) => x.id)).toEqual(['cw-4', 'cw-0', 'cw-2', 'cw-1', 'cw-3']);
  });
});
