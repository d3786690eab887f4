/** Flows for the analyzer suites: a small camera network whose expected alerts are listed beside it. */
import type { Flow } from '../../model/index.js';

export const T0 = Date.UTC(2026, 10, 26, 8, 0, 0);
export const HOUR = 3_600_000;
export const WINDOW = { sinceMs: T0, untilMs: T0 + HOUR };
export const BASELINE = { sinceMs: T0 - 24 * HOUR, untilMs: T0 };

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
export const jit = (i: number): number => ((((i * 7919) % 101) - 50) / 50) * 3000;

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
      // enrichment names a DNS flow by the name it asked for; the resolver is still the peer
      camFlow(A, '8.8.8.8', 53, T0 + i * 120_000, {
        proto: 17,
        dnsQuery: 'dev.ezviz7.com',
        appProto: 'dns',
        peerName: 'dev.ezviz7.com',
        peerNameSource: 'dns',
      }),
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
  for (const [i, ip] of ['1.2.3.4', '1.2.3.5', '1.2.3.6'].entries()) {
    flows.push(
      camFlow(B, ip, 23, T0 + 1000 + i, { origPackets: 1, origBytes: 60, respPackets: 0, respBytes: 0 }),
    );
  }
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
  // D: an IPv6 camera: a public IPv6 peer (egress) and a unique-local one (fd00::/8: local)
  const D = '2001:db8:cafe::7';
  flows.push(camFlow(D, '2a00:1450:4001:80b::200e', 443, T0 + 11_000));
  flows.push(camFlow(D, 'fd00::10', 554, T0 + 12_000));
  // outside the window
  flows.push(camFlow(A, '93.184.216.34', 443, T0 + HOUR + 1));
  return flows;
}
