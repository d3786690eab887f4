/**
 * The detectors' SQL on the real embedded engine (chDB through the store's API), over flows written by
 * the store's own writer. Expected rows come from how the flows were built, listed beside them.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { queryLocalPeers, queryWindowScope } from '../../analyzer/queries/flow-view.js';
import { queryNewPeers } from '../../analyzer/queries/new-peer-query.js';
import { queryPeerSummaries } from '../../analyzer/queries/peer-summary-query.js';
import { queryProtocolEvents } from '../../analyzer/queries/protocol-events-query.js';
import type { CompiledRules } from '../../analyzer/rules/compiled-rules.js';
import { loadRules } from '../../analyzer/rules/default-rules.js';
import { openStore, type Store, writeFlows } from '../../store/index.js';
import { BASELINE, jit, scenario, T0, WINDOW } from './analyzer-fixtures.js';

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
    const rows = await queryPeerSummaries(store, rules, WINDOW, 4);
    const keys = rows.map((r) => `${r.deviceIp} ${r.peerKey}`);
    expect(keys).toEqual([
      '10.1.0.7 74.125.250.129',
      '10.1.0.7 8.8.8.8',
      '10.1.0.7 dev.ezviz7.com',
      '10.1.0.7 new.example.com',
      '10.1.0.8 dev.ezviz7.com', // telnet and NTP are the protocol detectors'
      '10.1.0.9 203.0.113.50',
      '2001:db8:cafe::7 2a00:1450:4001:80b::200e', // public IPv6; fd00::10 is local (ULA)
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
    const rows = await queryPeerSummaries(store, rules, WINDOW, 4);
    const withSeries = rows.filter((r) => r.series);
    expect(withSeries.map((r) => `${r.deviceIp} ${r.peerKey}`)).toEqual(['10.1.0.7 dev.ezviz7.com']);
    const s = withSeries[0]!.series!;
    expect(s.startsMs).toHaveLength(60);
    expect(s.startsMs).toEqual([...s.startsMs].sort((a, b) => a - b));
    expect(s.endsMs.every((e, i) => e - s.startsMs[i]! === 800)).toBe(true);
    expect(s.bytes.every((b) => b >= 600 && b <= 602)).toBe(true);
    expect(s.startsMs[0]).toBe(T0 + jit(0) + 3000);
  });

  test('protocol events: each kind with its peer, device ports and samples', async () => {
    const rows = await queryProtocolEvents(store, rules, WINDOW);
    // scans group by the port scanned, exposure by the camera's port reached
    expect(rows.map((r) => `${r.deviceIp} ${r.kind} ${r.eventKey} ${r.peers}`)).toEqual([
      '10.1.0.7 dns-outside 8.8.8.8 1',
      '10.1.0.7 nat-traversal 74.125.250.129 1',
      '10.1.0.7 ntp-public ntp 1',
      '10.1.0.7 upnp-portmap 192.168.1.1 1',
      '10.1.0.8 inbound-internet inbound:80 1',
      '10.1.0.8 telnet-out scan:23 3',
      '10.1.0.8 telnet-out scan:2323 1',
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
      '10.1.0.8 dev.ezviz7.com',
    ]);
  });

  test('local peers: the window`s peer addresses inside the local networks, found once for every query', async () => {
    const local = await queryLocalPeers(store, rules, WINDOW);
    // 10/8, 192.168/16 and fc00::/7 peers of watched devices; 9.9.9.9 (no watched device) and the
    // public peers are not local.
    expect([...local].sort()).toEqual([
      '::ffff:10.5.5.5',
      '::ffff:10.9.0.10',
      '::ffff:192.168.1.1',
      'fd00::10',
    ]);
    // the same set from the one pass the analysis makes for its range and fleet as well
    expect([...(await queryWindowScope(store, rules, WINDOW)).localPeers].sort()).toEqual([...local].sort());
    expect(await queryPeerSummaries(store, rules, WINDOW, 4, local)).toEqual(
      await queryPeerSummaries(store, rules, WINDOW, 4),
    );
    expect(await queryProtocolEvents(store, rules, WINDOW, local)).toEqual(
      await queryProtocolEvents(store, rules, WINDOW),
    );
    expect(await queryNewPeers(store, rules, WINDOW, BASELINE, local)).toEqual(
      await queryNewPeers(store, rules, WINDOW, BASELINE),
    );
    // Handed no local peer, every peer counts as outside: the set is what decides.
    const summaries = await queryPeerSummaries(store, rules, WINDOW, 4, []);
    expect(summaries.map((r) => r.peerKey)).toEqual(expect.arrayContaining(['10.9.0.10', '192.168.1.1']));
  });

  test('rare peers: how many devices contacted each peer key, and the fleet of the window', async () => {
    // fleet in the window: A, B, C, D (4 devices)
    expect((await queryWindowScope(store, rules, WINDOW)).range?.devices).toBe(4);
    const rows = await queryPeerSummaries(store, rules, WINDOW, 4);
    expect(rows.filter((r) => r.devices <= 1).map((r) => `${r.deviceIp} ${r.peerKey} ${r.devices}`)).toEqual([
      '10.1.0.7 74.125.250.129 1',
      '10.1.0.7 8.8.8.8 1',
      '10.1.0.7 new.example.com 1',
      '10.1.0.9 203.0.113.50 1',
      '2001:db8:cafe::7 2a00:1450:4001:80b::200e 1',
    ]);
    // the EZVIZ cloud: A and B
    expect(rows.filter((r) => r.peerKey === 'dev.ezviz7.com').map((r) => r.devices)).toEqual([2, 2]);
  });
});
