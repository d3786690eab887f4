import { type Flow, newFlow } from '../model/index.js';

/**
 * Realistic synthetic camera flows for store benchmarks: a fleet of cameras (10.20.x.y) talking
 * to an NVR, DNS/NTP, and a few hundred public peers (vendor clouds, P2P relays, CDNs), with SNI
 * or DNS metadata on part of them and enrichment filled as ingest/enrich would. Deterministic
 * (a small LCG) so runs compare.
 */
export class SyntheticFlows {
  private seed: number;
  private readonly devices: string[];
  private readonly peers: Array<{ ip: string; name: string; asn: number; org: string; cc: string }>;

  constructor(
    readonly deviceCount = 2000,
    readonly peerCount = 600,
    seed = 42,
  ) {
    this.seed = seed;
    this.devices = Array.from({ length: deviceCount }, (_, i) => `10.20.${(i >> 8) & 255}.${i & 255}`);
    const orgs = ['HIKVISION', 'AMAZON-02', 'ALIBABA-CN', 'CLOUDFLARENET', 'DAHUA', 'TENCENT', 'GOOGLE'];
    const ccs = ['CN', 'US', 'DE', 'NL', 'SG', 'IE'];
    this.peers = Array.from({ length: peerCount }, (_, i) => ({
      ip:
        i % 10 === 9
          ? `2a03:2880:f1${(i % 100).toString(16)}::${i.toString(16)}`
          : `47.${90 + (i % 40)}.${(i * 7) % 256}.${(i * 13) % 256}`,
      name: i % 3 === 0 ? '' : `p2p${i % 50}.${orgs[i % orgs.length].toLowerCase()}.example.com`,
      asn: 37963 + (i % 30),
      org: orgs[i % orgs.length],
      cc: ccs[i % ccs.length],
    }));
  }

  private rnd(): number {
    this.seed = (Math.imul(this.seed, 1664525) + 1013904223) >>> 0;
    return this.seed / 4294967296;
  }

  /** `n` flows starting within [dayStartMs, dayStartMs + spanMs). */
  batch(n: number, dayStartMs: number, spanMs = 86_400_000): Flow[] {
    const out: Flow[] = new Array(n);
    for (let i = 0; i < n; i++) {
      const dev = this.devices[Math.floor(this.rnd() * this.devices.length)];
      const start = dayStartMs + Math.floor(this.rnd() * spanMs);
      const kind = this.rnd();
      // As every reader does: a newFlow, then assignments (one hidden class for all flows).
      const f = newFlow('pcap', 'night-2026-11-26.pcap', i + 1);
      f.start = start;
      f.end = start + Math.floor(this.rnd() * 60_000);
      f.proto = 6;
      f.origIp = dev;
      f.origPort = 30000 + Math.floor(this.rnd() * 30000);
      f.respIp = '';
      f.respPort = 443;
      f.origPackets = 1 + Math.floor(this.rnd() * 200);
      f.respPackets = 1 + Math.floor(this.rnd() * 200);
      f.origBytes = 60 + Math.floor(this.rnd() * 200_000);
      f.respBytes = 60 + Math.floor(this.rnd() * 50_000);
      f.deviceSide = 'orig';
      f.deviceIp = dev;
      f.vlan = 120;
      f.state = 'SF';
      f.endReason = 'end';
      f.communityId = `1:${(this.seed >>> 0).toString(36)}bench=`;
      if (kind < 0.5) {
        const p = this.peers[Math.floor(this.rnd() * this.rnd() * this.peers.length)];
        f.respIp = p.ip;
        f.peerIp = p.ip;
        f.peerPort = 443;
        f.peerClass = 'public';
        f.peerAsn = p.asn;
        f.peerAsOrg = p.org;
        f.peerCountry = p.cc;
        f.tcpFlags = 0x1b;
        if (p.name) {
          f.tlsSni = p.name;
          f.peerName = p.name;
          f.peerNameSource = 'sni';
          f.ja4 = 't13d1516h2_8daaf6152771_02713d6af862';
          f.appProto = 'tls';
        }
      } else if (kind < 0.8) {
        f.respIp = '10.20.255.10';
        f.respPort = 554;
        f.peerIp = f.respIp;
        f.peerPort = 554;
        f.peerClass = 'private';
        f.appProto = 'rtsp';
        f.tcpFlags = 0x1b;
      } else if (kind < 0.95) {
        f.proto = 17;
        f.respIp = '10.20.255.53';
        f.respPort = 53;
        f.peerIp = f.respIp;
        f.peerPort = 53;
        f.peerClass = 'private';
        f.appProto = 'dns';
        f.state = 'SF';
        const p = this.peers[Math.floor(this.rnd() * this.peers.length)];
        f.dnsQuery = p.name || 'time.example.org';
        f.dnsAnswers = [p.ip];
      } else {
        f.proto = 17;
        f.respIp = '162.159.200.1';
        f.respPort = 123;
        f.peerIp = f.respIp;
        f.peerPort = 123;
        f.peerClass = 'public';
        f.ntpMode = 3;
        f.appProto = 'ntp';
      }
      out[i] = f;
    }
    return out;
  }
}
