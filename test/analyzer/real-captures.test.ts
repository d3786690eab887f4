/**
 * The analysis on real captures from ../shared/data (public repositories; contents described in
 * ../shared/data/PROVENANCE.md from capinfos/tshark). Captures that stay on the local network produce no
 * alert; captures with internet traffic produce the alerts their description implies.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, test } from 'vitest';
import type { Alert } from '../../analyzer/alert.js';
import { analyze } from '../../analyzer/analyze.js';
import type { CompiledRules } from '../../analyzer/rules/compiled-rules.js';
import { loadRules } from '../../analyzer/rules/default-rules.js';
import { createEnricher, type EnricherConfig } from '../../ingest/enrich/index.js';
import { runIngest } from '../../ingest/pipeline/index.js';
import { openStore } from '../../store/index.js';
import { data } from '../helpers/paths.js';

let rules: CompiledRules;
beforeAll(async () => {
  rules = await loadRules();
});

async function alertsOf(file: string, enrich: EnricherConfig = {}): Promise<Alert[]> {
  const dir = mkdtempSync(join(tmpdir(), 'cw-real-'));
  const store = await openStore({ dataDir: dir });
  const enricher = createEnricher(enrich);
  try {
    const [res] = await runIngest([data(file)], { store, enrich: (f) => enricher.enrich(f) });
    expect(res!.status).toBe('complete');
    const { alerts } = await analyze(store, rules, { window: { sinceMs: 0, untilMs: 4e12 }, nowMs: 0 });
    return alerts;
  } finally {
    await store.close();
    enricher.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

const brief = (a: Alert) => `${a.deviceIp} ${a.detector} ${a.peerName ?? a.peerIp ?? '*'}`;

describe.skipIf(!existsSync(data('pcap/iot')))('real captures', () => {
  // broadcast/multicast discovery, DHCP, RTSP between private hosts
  for (const f of [
    'pcap/iot/ndpi-TivoDVR.pcap',
    'pcap/iot/ndpi-tuya_lp.pcap',
    'pcap/iot/ndpi-tplink_shp.pcap',
    'pcap/iot/ndpi-ubntac2.pcap',
    'pcap/iot/zeek-dhcp.pcap',
    'pcap/ssdp-upnp/ndpi-ssdp-m-search-ua.pcap',
    'pcap/rtsp/ndpi-rtsp-sll.pcap',
    'pcap/rtsp/ndpi-rtsp_setup_http.pcapng',
  ]) {
    test(`${f}: local traffic only, no alert`, async () => {
      expect((await alertsOf(f)).map(brief)).toEqual([]);
    });
  }

  test('Xiaomi cloud and Alibaba HTTPDNS: egress from each device, no inbound from a midstream flow', async () => {
    const alerts = await alertsOf('pcap/iot/ndpi-xiaomi.pcap');
    expect(alerts.every((a) => a.detector === 'egress')).toBe(true);
    expect(alerts.map(brief)).toContain('192.168.2.100 egress 203.107.1.65');
    // XMPP (5222) to the Xiaomi push servers from four devices
    const push = alerts.filter((a) => a.peerPort === 5222).map((a) => a.deviceIp);
    expect(new Set(push)).toEqual(
      new Set(['192.168.2.100', '192.168.244.219', '192.168.247.13', '192.168.93.59']),
    );
  });

  test('NAT-PMP port mapping requests are upnp-portmap alerts', async () => {
    const alerts = await alertsOf('pcap/ssdp-upnp/ndpi-natpmp.pcap');
    expect(alerts.length).toBeGreaterThan(0);
    expect(alerts.every((a) => a.detector === 'upnp-portmap' && a.severity === 'high')).toBe(true);
    expect(alerts.every((a) => a.explanation.includes('open a port on the router'))).toBe(true);
  });

  test('NTP to a pool of public servers: one alert for the client', async () => {
    const alerts = await alertsOf('pcap/ntp/zeek-ntp.pcap');
    expect(alerts.map((a) => `${a.deviceIp} ${a.detector}`)).toEqual(['192.168.43.118 ntp-public']);
    expect(Number(alerts[0]!.evidence.facts?.peers)).toBeGreaterThan(5);
  });

  test('a Meraki device keeping a UDP tunnel to its cloud, once the inventory names it', async () => {
    const alerts = await alertsOf('pcap/iot/ndpi-merakicloud.pcapng', {
      inventory: { cameras: [{ ip: '2.36.234.133', name: 'meraki', vendor: 'Cisco Meraki' }] },
    });
    expect(alerts.map(brief).sort()).toEqual([
      '2.36.234.133 beacon 209.206.59.34',
      '2.36.234.133 egress 209.206.59.34',
    ]);
    const egress = alerts.find((a) => a.detector === 'egress')!;
    expect(egress).toMatchObject({ peerPort: 7351, deviceName: 'meraki' });
    // one UDP session for ~400 s with 22 packets out (PROVENANCE: 44 packets, both ways)
    expect(egress.evidence.facts?.longestSessionPackets).toBe(22);
    expect(Number(egress.evidence.facts?.longestSessionMs)).toBeGreaterThan(300_000);
    expect(egress.explanation).toMatch(/One session stayed open [\d.]+ min with 22 packets from the camera/);
    // The heartbeat inside that one session (tshark, frame.time_relative of the device's packets:
    // 15 of its 21 gaps are 25.0 s; PROVENANCE calls it a device-to-cloud heartbeat).
    const beacon = alerts.find((a) => a.detector === 'beacon')!;
    expect(beacon.evidence.beacon?.basis).toBe('sessions');
    expect(Math.abs(Number(beacon.evidence.beacon?.periodMs) - 25_000)).toBeLessThanOrEqual(8);
  });

  test('QUIC to Google from a capture that is otherwise an ARP scan', async () => {
    const alerts = await alertsOf('pcap/c2/slips-test8-malicious.pcap');
    expect(alerts.map(brief)).toEqual(['192.168.1.247 egress 173.194.76.189']);
  });
});
