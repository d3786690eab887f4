import { type Flow, newFlow } from '../model/index.js';

/**
 * A camera fleet's night as stored flows, for the analysis bench (bench/analysis-bench.ts): sites of
 * 50 cameras (10.<site>.1.<n>, up to 256 sites) with their NVR, DNS and NTP servers (10.<site>.0.x), enriched as
 * ingest/enrich would (device side, inventory name/vendor/site, peer class, country, ASN, names).
 *
 * Every camera runs the local timers of a quiet camera network: the NVR polling ONVIF events and
 * pinging, RTSP sessions to the NVR (split by the exporter's 30-minute active timeout), DNS and NTP
 * to the site's servers, SSDP to the multicast group. A share of the cameras also phones home
 * (`TIMERS[].share`): vendor clouds by TLS name (real vendor domains, so vendor rules match, over
 * rotating addresses), P2P relay heartbeats by UDP, P2P hole punching to a new phone-app address every
 * 10 minutes (thousands of distinct public peers across the fleet), public NTP and DNS, an unnamed
 * beacon, a Mirai-like telnet scan, inbound connections from the internet and uploads big enough for
 * the volume detector. About 4 400 flows per camera in 8 hours, 70–75 % of them local.
 *
 * Deterministic (a small LCG seeded by `seed`), flows come in start-time order, in batches.
 */

/** One periodic behaviour of a camera: what it talks to, how often, on which share of cameras. */
interface TimerSpec {
  readonly kind: TimerKind;
  /** Share of cameras that run it (by a hash of the camera's index, so it is stable). */
  readonly share: number;
  readonly periodMs: number;
  /** Uniform jitter either side of the period. */
  readonly jitterMs: number;
}

type TimerKind =
  | 'onvif-poll'
  | 'nvr-ping'
  | 'rtsp'
  | 'dns-local'
  | 'ntp-local'
  | 'ssdp'
  | 'vendor-cloud'
  | 'p2p-relay'
  | 'p2p-punch'
  | 'ntp-public'
  | 'dns-public'
  | 'beacon'
  | 'telnet-scan'
  | 'inbound'
  | 'upload';

const TIMERS: readonly TimerSpec[] = [
  { kind: 'onvif-poll', share: 1, periodMs: 15_000, jitterMs: 1_500 },
  { kind: 'nvr-ping', share: 1, periodMs: 30_000, jitterMs: 500 },
  { kind: 'rtsp', share: 1, periodMs: 1_800_000, jitterMs: 0 },
  { kind: 'dns-local', share: 1, periodMs: 60_000, jitterMs: 20_000 },
  { kind: 'ntp-local', share: 1, periodMs: 256_000, jitterMs: 2_000 },
  { kind: 'ssdp', share: 1, periodMs: 60_000, jitterMs: 5_000 },
  { kind: 'vendor-cloud', share: 0.4, periodMs: 120_000, jitterMs: 12_000 },
  { kind: 'p2p-relay', share: 0.25, periodMs: 30_000, jitterMs: 3_000 },
  { kind: 'p2p-punch', share: 0.25, periodMs: 600_000, jitterMs: 300_000 },
  { kind: 'ntp-public', share: 0.1, periodMs: 1_024_000, jitterMs: 10_000 },
  { kind: 'dns-public', share: 0.03, periodMs: 120_000, jitterMs: 60_000 },
  { kind: 'beacon', share: 0.01, periodMs: 300_000, jitterMs: 5_000 },
  { kind: 'telnet-scan', share: 0.0025, periodMs: 5_000, jitterMs: 4_000 },
  { kind: 'inbound', share: 0.005, periodMs: 600_000, jitterMs: 300_000 },
  { kind: 'upload', share: 0.005, periodMs: 1_800_000, jitterMs: 600_000 },
];

/** Vendor clouds by name (each in rules/vendors/), with the addresses their names rotate over. */
const CLOUDS = [
  { name: 'dev.hik-connect.com', port: 443, asn: 16509, org: 'AMAZON-02', cc: 'US', net: '52.58' },
  { name: 'dev.ezviz7.com', port: 8555, asn: 14618, org: 'AMAZON-AES', cc: 'US', net: '52.22' },
  { name: 'www.easy4ipcloud.com', port: 443, asn: 37963, org: 'ALIBABA-CN', cc: 'CN', net: '47.91' },
  { name: 'p2p.amcrestview.com', port: 443, asn: 16509, org: 'AMAZON-02', cc: 'US', net: '54.183' },
  { name: 'dispatchse1-st.axis.com', port: 443, asn: 8075, org: 'MICROSOFT', cc: 'SE', net: '20.91' },
];
const CLOUD_ADDRESSES = 8;
/** P2P relays are reached by address only (UDP 32100, 8765, 10001). */
const RELAYS = 60;
const RELAY_PORTS = [32100, 8765, 10001];
/** Phone-app addresses the P2P cameras punch holes to. */
const PUNCH_PEERS = 20_000;
const NTP_POOL = 200;
const SCAN_SPACE = 1 << 24;

export const CAMERAS_PER_SITE = 50;
const VENDORS = ['Hikvision', 'Dahua', 'Axis', 'Hanwha', 'Reolink'];

export interface FleetNightOptions {
  cameras: number;
  /** First flow start (ms since the epoch). */
  startMs: number;
  hours: number;
  seed?: number;
  /** `sourceFile` and `ingestId` of the flows. */
  sourceFile?: string;
  ingestId?: string;
}

export class FleetNight {
  private seed: number;
  private readonly timerCamera: Int32Array;
  private readonly timerSpec: Uint8Array;
  private readonly timerNext: Float64Array;
  /** The session a camera's timer keeps (RTSP's port pair, the cloud address it is on). */
  private readonly timerState: Int32Array;
  private readonly endMs: number;
  private record = 0;
  flowsMade = 0;

  constructor(private readonly opts: FleetNightOptions) {
    if (opts.cameras > 256 * CAMERAS_PER_SITE) throw new RangeError('at most 256 sites of cameras');
    this.seed = opts.seed ?? 7;
    this.endMs = opts.startMs + opts.hours * 3_600_000;
    const cams: number[] = [];
    const specs: number[] = [];
    for (let c = 0; c < opts.cameras; c++) {
      TIMERS.forEach((t, i) => {
        if (shareHash(c, i) < t.share) {
          cams.push(c);
          specs.push(i);
        }
      });
    }
    this.timerCamera = Int32Array.from(cams);
    this.timerSpec = Uint8Array.from(specs);
    this.timerNext = new Float64Array(cams.length);
    this.timerState = new Int32Array(cams.length);
    for (let t = 0; t < cams.length; t++) {
      this.timerNext[t] = opts.startMs + Math.floor(this.rnd() * TIMERS[specs[t]].periodMs);
      this.timerState[t] = Math.floor(this.rnd() * 0x7fffffff);
    }
  }

  /** Cameras for about `flows` flows in `hours` (from the timer table's expected counts). */
  static camerasFor(flows: number, hours: number): number {
    const perCamera = TIMERS.reduce((n, t) => n + (t.share * hours * 3_600_000) / t.periodMs, 0);
    return Math.max(1, Math.round(flows / perCamera));
  }

  private rnd(): number {
    this.seed = (Math.imul(this.seed, 1664525) + 1013904223) >>> 0;
    return this.seed / 4294967296;
  }

  /** Batches of about `size` flows in start order, one minute of the night at a time. */
  *batches(size: number): Generator<Flow[]> {
    let out: Flow[] = [];
    for (let slice = this.opts.startMs; slice < this.endMs; slice += 60_000) {
      const sliceEnd = Math.min(slice + 60_000, this.endMs);
      const due: Array<[number, number]> = [];
      for (let t = 0; t < this.timerNext.length; t++) {
        while (this.timerNext[t] < sliceEnd) {
          due.push([this.timerNext[t], t]);
          const spec = TIMERS[this.timerSpec[t]];
          this.timerNext[t] += spec.periodMs + (this.rnd() * 2 - 1) * spec.jitterMs;
        }
      }
      due.sort((a, b) => a[0] - b[0]);
      for (const [at, t] of due) out.push(this.flow(t, Math.floor(at)));
      if (out.length >= size) {
        yield out;
        out = [];
      }
    }
    if (out.length > 0) yield out;
  }

  private flow(t: number, start: number): Flow {
    const cam = this.timerCamera[t];
    const kind = TIMERS[this.timerSpec[t]].kind;
    const site = Math.floor(cam / CAMERAS_PER_SITE);
    const dev = cameraAddress(cam);
    const net = `10.${site}`;
    this.flowsMade++;
    // Every field present from the start, as the readers' flows (model/new-flow.ts): one hidden class.
    const f: Flow = Object.assign(newFlow('pcap'), {
      start,
      end: start + 50,
      proto: 6,
      origIp: dev,
      origPort: 32768 + Math.floor(this.rnd() * 28000),
      respIp: '',
      respPort: 0,
      origPackets: 6,
      respPackets: 5,
      origBytes: 600,
      respBytes: 900,
      tcpFlags: 0x1b,
      state: 'SF',
      endReason: 'end',
      communityId: `1:${(this.seed >>> 4).toString(36)}fleet=`,
      sourceFormat: 'pcap',
      sourceFile: this.opts.sourceFile ?? 'fleet-night.pcap',
      sourceRecord: ++this.record,
      ingestId: this.opts.ingestId ?? 'fleet-night',
      vlan: 100 + (site % 8),
      deviceSide: 'orig',
      deviceIp: dev,
      deviceName: `cam-${site}-${cam % CAMERAS_PER_SITE}`,
      deviceVendor: VENDORS[cam % VENDORS.length],
      deviceSite: `site-${site}`,
      peerClass: 'private',
    });
    const toPeer = (ip: string, port: number): void => {
      f.respIp = ip;
      f.respPort = port;
      f.peerIp = ip;
      f.peerPort = port;
    };
    const fromPeer = (ip: string, port: number, devicePort: number): void => {
      f.origIp = ip;
      f.origPort = port;
      f.respIp = dev;
      f.respPort = devicePort;
      f.deviceSide = 'resp';
      f.peerIp = ip;
      f.peerPort = port;
    };
    const publicPeer = (asn: number, org: string, cc: string): void => {
      f.peerClass = 'public';
      f.peerAsn = asn;
      f.peerAsOrg = org;
      f.peerCountry = cc;
    };
    switch (kind) {
      case 'onvif-poll':
        fromPeer(`${net}.0.10`, 40000 + (cam % 20000), 80);
        f.appProto = 'http';
        f.httpMethod = 'POST';
        f.httpPath = '/onvif/event_service';
        f.origBytes = 1400;
        f.respBytes = 2100;
        break;
      case 'nvr-ping':
        fromPeer(`${net}.0.10`, 8, 0);
        f.proto = 1;
        f.tcpFlags = 0;
        f.state = 'OTH';
        f.origPackets = 1;
        f.respPackets = 1;
        f.origBytes = 84;
        f.respBytes = 84;
        f.end = start + 1;
        break;
      case 'rtsp':
        // the NVR holds the session; the exporter cuts it every 30 minutes
        fromPeer(`${net}.0.10`, 50000 + (this.timerState[t] % 10000), 554);
        f.appProto = 'rtsp';
        f.end = start + 1_800_000;
        f.endReason = 'active-timeout';
        f.origPackets = 9_000;
        f.respPackets = 540_000;
        f.origBytes = 500_000;
        f.respBytes = 700_000_000;
        break;
      case 'dns-local': {
        toPeer(`${net}.0.53`, 53);
        f.proto = 17;
        f.tcpFlags = 0;
        f.appProto = 'dns';
        const cloud = CLOUDS[cam % CLOUDS.length];
        f.dnsQuery = cam % 3 === 0 ? cloud.name : `ntp.site${site}.local`;
        f.dnsAnswers = [cam % 3 === 0 ? cloudAddress(cam % CLOUDS.length, 0) : `${net}.0.123`];
        f.origBytes = 70;
        f.respBytes = 120;
        f.origPackets = 1;
        f.respPackets = 1;
        break;
      }
      case 'ntp-local':
        toPeer(`${net}.0.123`, 123);
        udp(f, 76, 76);
        f.ntpMode = 3;
        f.appProto = 'ntp';
        break;
      case 'ssdp':
        toPeer('239.255.255.250', 1900);
        udp(f, 320, 0);
        f.peerClass = 'multicast';
        f.appProto = 'ssdp';
        f.ssdp = 'NOTIFY';
        break;
      case 'vendor-cloud': {
        const c = cam % CLOUDS.length;
        const cloud = CLOUDS[c];
        // the name resolves to a new address now and then: rotating addresses, one peer by name
        toPeer(cloudAddress(c, Math.floor(this.rnd() * CLOUD_ADDRESSES)), cloud.port);
        publicPeer(cloud.asn, cloud.org, cloud.cc);
        f.tlsSni = cloud.name;
        f.peerName = cloud.name;
        f.peerNameSource = 'sni';
        f.appProto = 'tls';
        f.ja4 = 't13d1516h2_8daaf6152771_02713d6af862';
        f.origBytes = 1_800 + Math.floor(this.rnd() * 40);
        f.respBytes = 4_200;
        f.end = start + 800;
        break;
      }
      case 'p2p-relay': {
        const r = cam % RELAYS;
        toPeer(relayAddress(r), RELAY_PORTS[r % RELAY_PORTS.length]);
        udp(f, 120, 96);
        publicPeer(37963, 'ALIBABA-CN', 'CN');
        break;
      }
      case 'p2p-punch': {
        const p = Math.floor(this.rnd() * PUNCH_PEERS);
        toPeer(punchAddress(p), 20000 + Math.floor(this.rnd() * 40000));
        udp(f, 2_400, 1_800);
        f.end = start + 20_000;
        publicPeer(7922 + (p % 5), 'COMCAST', 'US');
        break;
      }
      case 'ntp-public':
        toPeer(`162.159.${200 + (this.timerState[t] % 8)}.${Math.floor(this.rnd() * NTP_POOL)}`, 123);
        udp(f, 76, 76);
        f.ntpMode = 3;
        f.appProto = 'ntp';
        publicPeer(13335, 'CLOUDFLARENET', 'US');
        break;
      case 'dns-public':
        toPeer('8.8.8.8', 53);
        udp(f, 70, 140);
        f.appProto = 'dns';
        f.dnsQuery = CLOUDS[cam % CLOUDS.length].name;
        publicPeer(15169, 'GOOGLE', 'US');
        break;
      case 'beacon':
        toPeer(`185.${100 + (cam % 50)}.${cam % 256}.${(cam * 7) % 256}`, 8080);
        f.origBytes = 420;
        f.respBytes = 310;
        f.end = start + 300;
        publicPeer(48282, 'VDSINA', 'RU');
        break;
      case 'telnet-scan': {
        const target = Math.floor(this.rnd() * SCAN_SPACE);
        toPeer(`${91 + (target >> 22)}.${(target >> 14) & 255}.${(target >> 6) & 255}.${target & 63}`, 23);
        f.state = 'S0';
        f.tcpFlags = 0x02;
        f.origPackets = 1;
        f.respPackets = 0;
        f.origBytes = 60;
        f.respBytes = 0;
        f.end = start;
        publicPeer(4134, 'CHINANET', 'CN');
        break;
      }
      case 'inbound':
        fromPeer(punchAddress(Math.floor(this.rnd() * PUNCH_PEERS)), 40000 + (cam % 20000), 554);
        f.appProto = 'rtsp';
        publicPeer(3320, 'DTAG', 'DE');
        break;
      case 'upload':
        toPeer(`52.${216 + (cam % 4)}.${cam % 256}.9`, 443);
        f.origPackets = 40_000;
        f.origBytes = 48_000_000;
        f.respPackets = 8_000;
        f.respBytes = 500_000;
        f.end = start + 240_000;
        publicPeer(16509, 'AMAZON-02', 'US');
        break;
    }
    return f;
  }
}

function udp(f: Flow, out: number, back: number): void {
  f.proto = 17;
  f.tcpFlags = 0;
  f.state = back > 0 ? 'SF' : 'S0';
  f.origPackets = 1;
  f.respPackets = back > 0 ? 1 : 0;
  f.origBytes = out;
  f.respBytes = back;
}

/** A stable value in [0, 1) per (camera, timer): which cameras run which behaviour. */
function shareHash(cam: number, timer: number): number {
  let h = Math.imul(cam + 1, 0x9e3779b1) ^ Math.imul(timer + 1, 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 15), 0x2c1b3c6d);
  return ((h ^ (h >>> 13)) >>> 0) / 4294967296;
}

/** Camera `cam`: 10.<site>.1.<100 + n>, its site's servers on 10.<site>.0.x. */
export function cameraAddress(cam: number): string {
  return `10.${Math.floor(cam / CAMERAS_PER_SITE)}.1.${100 + (cam % CAMERAS_PER_SITE)}`;
}

const cloudAddress = (c: number, i: number): string => `${CLOUDS[c].net}.${10 + c}.${20 + i}`;
const relayAddress = (r: number): string => `47.${100 + (r % 20)}.${(r * 37) % 256}.${(r * 11) % 256}`;
const punchAddress = (p: number): string =>
  `${73 + (p % 30)}.${(p >> 8) & 255}.${p & 255}.${((p * 13) % 250) + 2}`;
