/**
 * The detectors' SQL on the real embedded engine (chDB through the store's API), over flows written by
 * the store's own writer. Expected rows come from how the flows were built, listed beside them.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { queryBeaconSeries } from '../../analyzer/queries/beacon-series-query.js';
import { queryNewPeers } from '../../analyzer/queries/new-peer-query.js';
import { queryPeerSummaries } from '../../analyzer/queries/peer-summary-query.js';
import { queryProtocolEvents } from '../../analyzer/queries/protocol-events-query.js';
import { queryRarePeers } from '../../analyzer/queries/rare-peer-query.js';
import type { CompiledRules } from '../../analyzer/rules/compiled-rules.js';
import { loadRules } from '../../analyzer/rules/default-rules.js';
import type { Flow } from '../../model/index.js';
import { openStore, type Store, writeFlows } from '../../store/index.js';

export const T0 = Date.UTC(2026, 10, 26, 8, 0, 0);
const HOUR = 3_600_000;
export const WINDOW = { sinceMs: T0, untilMs: T0 + HOUR };
const BASELINE = { sinceMs: T0 - 24 * HOUR, untilMs: T0 };

let rec = 0;
/** A camera-started flow, enriched (device = orig), with overrides. */
export function camFlow(
  dev: string,
  peer: string,
  port: number,
  start: number,
  over: Partial<Flow> = {},
): Flow {
  const proto = over.proto ?? 6;
  return {
    start,
    end: start + 800,
    proto,
    origIp: dev,
    origPort: 40000 + (rec % 20000),
    respIp: peer,
    respPort: port,
    origPackets: 6,
    origBytes: 600,
    respPackets: 5,
    respBytes: 4000,
    sourceFormat: 'pcap',
    sourceFile: 'test.pcap',
    sourceRecord: ++rec,
    communityId: `1:test${rec}`,
    deviceSide: 'orig',
    deviceIp: dev,
    peerIp: peer,
    peerPort: port,
    ...over,
  };
}

/** Deterministic ±5 % jitter. */
const jit = (i: number): number => ((((i * 7919) % 101) - 50) / 50) * 3000;

export function scenario(): Flow[] {
  const flows: Flow[] = [];
  const A = '10.1.0.7';
  const B = '10.1.0.8';
  const C = '10.1.0.9';
  const ez = {
    peerName: 'dev.ezviz7.com',
    peerNameSource: 'sni',
    peerCountry: 'US',
    peerAsn: 14618,
    peerAsOrg: 'AMAZON-AES',
  };
  // A: EZVIZ heartbeat every 60 s ± 3 s for the hour, over two rotating addresses
  for (let i = 0; i < 60; i++) {
    flows.push(
      camFlow(A, i % 2 ? '52.22.50.150' : '52.22.50.151', 8555, T0 + i * 60_000 + jit(i) + 3000, {
        ...ez,
        origBytes: 600 + (i % 3),
        deviceName: 'cam-lobby',
        deviceVendor: 'Hikvision',
      }),
    );
  }
  // A: the same cloud in the baseline (yesterday), so it is not new
  flows.push(camFlow(A, '52.22.50.150', 8555, T0 - 5 * HOUR, ez));
  // A: a peer never seen before
  flows.push(camFlow(A, '198.51.100.77', 443, T0 + 10 * 60_000, { peerName: 'new.example.com' }));
  // A: DNS straight to 8.8.8.8, three times
  for (let i = 0; i < 3; i++) {
    flows.push(
      camFlow(A, '8.8.8.8', 53, T0 + i * 120_000, { proto: 17, dnsQuery: 'dev.ezviz7.com', appProto: 'dns' }),
    );
  }
  // A: UPnP AddPortMapping to the gateway (local), NTP to a public server, STUN to a public relay
  flows.push(
    camFlow(A, '192.168.1.1', 49152, T0 + 5000, {
      soapAction: 'urn:schemas-upnp-org:service:WANIPConnection:1#AddPortMapping',
      httpMethod: 'POST',
    }),
  );
  flows.push(camFlow(A, '129.6.15.28', 123, T0 + 7000, { proto: 17, ntpMode: 3, peerName: 'time.nist.gov' }));
  flows.push(camFlow(A, '74.125.250.129', 3478, T0 + 9000, { proto: 17, stun: 'binding-request' }));
  // A: video to the NVR (local): never in any egress result
  for (let i = 0; i < 10; i++)
    flows.push(camFlow(A, '10.9.0.10', 554, T0 + i * 1000, { origBytes: 5_000_000 }));
  // B: telnet scanning, public and local targets
  flows.push(
    camFlow(B, '1.2.3.4', 23, T0 + 1000, { origPackets: 1, origBytes: 60, respPackets: 0, respBytes: 0 }),
  );
  flows.push(
    camFlow(B, '10.5.5.5', 2323, T0 + 2000, { origPackets: 1, origBytes: 60, respPackets: 0, respBytes: 0 }),
  );
  // B: someone on the internet connects to B's web server (B is the responder)
  flows.push({
    ...camFlow(B, '45.1.2.3', 51000, T0 + 3000),
    origIp: '45.1.2.3',
    origPort: 51000,
    respIp: B,
    respPort: 80,
    deviceSide: 'resp',
    peerPort: 51000,
  });
  // B: also talks to the EZVIZ cloud once (2 devices contact it: not rare with maxDevices 1)
  flows.push(camFlow(B, '52.22.50.150', 8555, T0 + 4000, ez));
  // B has a baseline too (so its new peers count)
  flows.push(camFlow(B, '10.9.0.10', 554, T0 - 2 * HOUR));
  // C: never enriched (device_ip absent): the originator is taken as the device
  const c = camFlow(C, '203.0.113.50', 443, T0 + 6000);
  for (const k of ['deviceSide', 'deviceIp', 'peerIp', 'peerPort'] as const)
    delete (c as Record<string, unknown>)[k];
  flows.push(c);
  // neither side a watched device: left out
  flows.push({ ...camFlow('10.9.0.10', '9.9.9.9', 443, T0 + 8000), deviceSide: 'none' });
  // outside the window
  flows.push(camFlow(A, '93.184.216.34', 443, T0 + HOUR + 1));
  return flows;
}

let dir: string;
let store: Store;
let rules: CompiledRules;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'camwatch-analyzer-'));
  store = await openStore({ dataDir: dir });
  await writeFlows(store, scenario());
  rules = await loadRules();
});

afterAll(async () => {
  await store?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('detector SQL on chDB', () => {
  test('peer summaries: non-local peers the camera contacted, keyed by name first', async () => {
    const rows = await queryPeerSummaries(store, rules, WINDOW);
    const keys = rows.map((r) => `${r.deviceIp} ${r.peerKey}`);
    expect(keys).toEqual([
      '10.1.0.7 74.125.250.129',
      '10.1.0.7 8.8.8.8',
      '10.1.0.7 dev.ezviz7.com',
      '10.1.0.7 new.example.com',
      '10.1.0.7 time.nist.gov',
      '10.1.0.8 1.2.3.4',
      '10.1.0.8 dev.ezviz7.com',
      '10.1.0.9 203.0.113.50',
    ]);
    const ez = rows.find((r) => r.deviceIp === '10.1.0.7' && r.peerKey === 'dev.ezviz7.com')!;
    expect(ez).toMatchObject({
      peerName: 'dev.ezviz7.com',
      peerIps: ['52.22.50.150', '52.22.50.151'],
      ports: [8555],
      protos: [6],
      flows: 60,
      bytesOut: 60 * 600 + 20 * 0 + 20 * 1 + 20 * 2,
      bytesIn: 60 * 4000,
      country: 'US',
      asn: 14618,
      asOrg: 'AMAZON-AES',
      deviceName: 'cam-lobby',
      deviceVendor: 'Hikvision',
      nameSource: 'sni',
    });
    expect(ez.flowRefs).toHaveLength(10);
    expect(ez.flowRefs[0]!.sourceFile).toBe('test.pcap');
    expect(ez.flowRefs[0]!.communityId).toMatch(/^1:test/);
    expect(ez.flowRefs.map((f) => f.start)).toEqual(
      [...ez.flowRefs.map((f) => f.start)].sort((a, b) => a - b),
    );
  });

  test('beacon series: sorted starts, ends and bytes of pairs with enough connections', async () => {
    const rows = await queryBeaconSeries(store, rules, WINDOW, 4);
    expect(rows.map((r) => `${r.deviceIp} ${r.peerKey}`)).toEqual(['10.1.0.7 dev.ezviz7.com']);
    const s = rows[0]!;
    expect(s.startsMs).toHaveLength(60);
    expect(s.startsMs).toEqual([...s.startsMs].sort((a, b) => a - b));
    expect(s.endsMs.every((e, i) => e - s.startsMs[i]! === 800)).toBe(true);
    expect(s.bytes.every((b) => b >= 600 && b <= 602)).toBe(true);
    expect(s.startsMs[0]).toBe(T0 + jit(0) + 3000);
  });

  test('protocol events: each kind with its peer, device ports and samples', async () => {
    const rows = await queryProtocolEvents(store, rules, WINDOW);
    expect(rows.map((r) => `${r.deviceIp} ${r.kind} ${r.peerKey}`)).toEqual([
      '10.1.0.7 dns-outside 8.8.8.8',
      '10.1.0.7 nat-traversal 74.125.250.129',
      '10.1.0.7 ntp-public time.nist.gov',
      '10.1.0.7 upnp-portmap 192.168.1.1',
      '10.1.0.8 inbound-internet 45.1.2.3',
      '10.1.0.8 telnet-out 1.2.3.4',
      '10.1.0.8 telnet-out 10.5.5.5',
    ]);
    const dns = rows.find((r) => r.kind === 'dns-outside')!;
    expect(dns).toMatchObject({ flows: 3, dnsQueries: ['dev.ezviz7.com'], ports: [53] });
    expect(rows.find((r) => r.kind === 'upnp-portmap')!.soapActions[0]).toMatch(/AddPortMapping$/);
    expect(rows.find((r) => r.kind === 'inbound-internet')!.devicePorts).toEqual([80]);
    expect(rows.find((r) => r.kind === 'nat-traversal')!.stun).toEqual(['binding-request']);
  });

  test('new peers: against the device`s own baseline; devices without a baseline are left out', async () => {
    const rows = await queryNewPeers(store, rules, WINDOW, BASELINE);
    expect(rows.map((r) => `${r.deviceIp} ${r.peerKey}`)).toEqual([
      '10.1.0.7 74.125.250.129',
      '10.1.0.7 8.8.8.8',
      '10.1.0.7 new.example.com',
      '10.1.0.7 time.nist.gov',
      '10.1.0.8 1.2.3.4',
      '10.1.0.8 dev.ezviz7.com',
    ]);
  });

  test('rare peers: contacted by at most N devices of a big enough fleet', async () => {
    // fleet in the window: A, B, C (3 devices)
    const rare = await queryRarePeers(store, rules, WINDOW, 1, 3);
    expect(rare.map((r) => `${r.deviceIp} ${r.peerKey} ${r.devices}/${r.fleet}`)).toEqual([
      '10.1.0.7 74.125.250.129 1/3',
      '10.1.0.7 8.8.8.8 1/3',
      '10.1.0.7 new.example.com 1/3',
      '10.1.0.7 time.nist.gov 1/3',
      '10.1.0.8 1.2.3.4 1/3',
      '10.1.0.9 203.0.113.50 1/3',
    ]);
    expect(await queryRarePeers(store, rules, WINDOW, 1, 4)).toEqual([]);
  });
});
