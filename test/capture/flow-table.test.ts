import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DEFAULT_FLOW_TABLE_OPTIONS, type FlowTableOptions, readInputs } from '../../ingest/index.js';
import { READER_BATCH_FLOWS } from '../../ingest/reader.js';
import { pcapFile, type TestPacket } from '../helpers/pcap-writer.js';
import { readFlows, totalPackets } from '../helpers/read-flows.js';

const dir = mkdtempSync(join(tmpdir(), 'camwatch-flows-'));
let n = 0;
const T0 = 1_700_000_000;

async function flowsOf(packets: TestPacket[], table: Partial<FlowTableOptions> = {}) {
  const f = join(dir, `s${n++}.pcap`);
  writeFileSync(f, pcapFile(packets));
  const r = await readFlows([f], {
    readerOptions: { '*': { flowTable: { ...DEFAULT_FLOW_TABLE_OPTIONS, ...table }, meta: false } },
  });
  return { flows: r.flows, counters: r.results[0].stats.counters };
}

const CAM = '10.20.1.10';
const CLOUD = '47.91.22.10';
const tcp = (t: number, fromCam: boolean, flags: string, payload = 0): TestPacket =>
  fromCam
    ? { t, src: CAM, dst: CLOUD, proto: 'tcp', sport: 50000, dport: 443, flags, payload }
    : { t, src: CLOUD, dst: CAM, proto: 'tcp', sport: 443, dport: 50000, flags, payload };

describe('orientation', () => {
  it('the SYN sender is the originator', async () => {
    const { flows } = await flowsOf([
      tcp(T0, true, 'S'),
      tcp(T0 + 0.01, false, 'SA'),
      tcp(T0 + 0.02, true, 'A'),
    ]);
    expect(flows).toHaveLength(1);
    expect(flows[0]).toMatchObject({
      origIp: CAM,
      origPort: 50000,
      respIp: CLOUD,
      respPort: 443,
      origPackets: 2,
      respPackets: 1,
    });
  });

  it('a capture that starts with the SYN-ACK still makes the client the originator', async () => {
    const { flows } = await flowsOf([tcp(T0, false, 'SA'), tcp(T0 + 0.01, true, 'A')]);
    expect(flows[0]).toMatchObject({ origIp: CAM, respPort: 443 });
  });

  it('mid-conversation, a packet from a server port to an ephemeral one comes from the responder', async () => {
    const { flows } = await flowsOf([
      { t: T0, src: '10.20.0.53', dst: CAM, proto: 'udp', sport: 53, dport: 40000, payload: 40 },
      { t: T0 + 1, src: CAM, dst: '10.20.0.53', proto: 'udp', sport: 40000, dport: 53, payload: 30 },
    ]);
    expect(flows[0]).toMatchObject({ origIp: CAM, origPort: 40000, respPort: 53, state: 'SF' });
  });
});

describe("Zeek's conn_state", () => {
  it.each([
    ['S0', [tcp(T0, true, 'S')]],
    ['REJ', [tcp(T0, true, 'S'), tcp(T0 + 0.1, false, 'RA')]],
    ['S1', [tcp(T0, true, 'S'), tcp(T0 + 0.1, false, 'SA'), tcp(T0 + 0.2, true, 'A')]],
    [
      'SF',
      [
        tcp(T0, true, 'S'),
        tcp(T0 + 0.1, false, 'SA'),
        tcp(T0 + 0.2, true, 'A'),
        tcp(T0 + 0.3, true, 'FA'),
        tcp(T0 + 0.4, false, 'FA'),
        tcp(T0 + 0.5, true, 'A'),
      ],
    ],
    [
      'RSTO',
      [tcp(T0, true, 'S'), tcp(T0 + 0.1, false, 'SA'), tcp(T0 + 0.2, true, 'A'), tcp(T0 + 0.3, true, 'R')],
    ],
    ['SH', [tcp(T0, true, 'S'), tcp(T0 + 0.1, true, 'F')]],
    ['OTH', [tcp(T0, true, 'A', 100), tcp(T0 + 0.1, false, 'A', 100)]],
  ] as const)('%s', async (state, packets) => {
    const { flows } = await flowsOf([...packets]);
    expect(flows).toHaveLength(1);
    expect(flows[0].state).toBe(state);
  });
});

describe('timeouts', () => {
  const udp = (t: number): TestPacket => ({
    t,
    src: CAM,
    dst: '8.8.8.8',
    proto: 'udp',
    sport: 40000,
    dport: 53,
    payload: 30,
  });

  it('a gap longer than the UDP idle timeout starts a new flow; a shorter one does not', async () => {
    expect(
      (await flowsOf([udp(T0), udp(T0 + 59), udp(T0 + 59 + 61)], { udpIdleMs: 60_000 })).flows.map(
        (f) => f.origPackets,
      ),
    ).toEqual([2, 1]);
  });

  it('the active timeout splits a long flow into records that add up', async () => {
    const packets = Array.from({ length: 240 }, (_, i) => udp(T0 + i * 10)); // 40 minutes, every 10 s
    const { flows } = await flowsOf(packets, { activeMs: 30 * 60_000 });
    expect(flows.length).toBe(2);
    expect(flows[0].endReason).toBe('active');
    expect(totalPackets(flows)).toBe(240);
    expect(flows[1].start).toBeGreaterThan(flows[0].end);
  });

  it('a new SYN on the same ports after a reset is a new connection', async () => {
    const { flows } = await flowsOf([tcp(T0, true, 'S'), tcp(T0 + 0.1, false, 'RA'), tcp(T0 + 1, true, 'S')]);
    expect(flows.map((f) => f.state)).toEqual(['REJ', 'S0']);
    expect(flows[0].endReason).toBe('end');
    expect(flows[1].start).toBe((T0 + 1) * 1000);
  });

  it('a connection closed by FIN from both sides is emitted after the linger, before the idle timeout', async () => {
    const { flows } = await flowsOf(
      [
        tcp(T0, true, 'S'),
        tcp(T0 + 0.1, false, 'SA'),
        tcp(T0 + 0.2, true, 'A'),
        tcp(T0 + 1, true, 'FA'),
        tcp(T0 + 1.1, false, 'FA'),
        tcp(T0 + 1.2, true, 'A'),
        // Something else, later: moves capture time past the 5 s linger but not the 300 s idle.
        { t: T0 + 30, src: CAM, dst: '10.20.0.53', proto: 'udp', sport: 1, dport: 53 },
      ],
      { closedLingerMs: 5_000, tcpIdleMs: 300_000 },
    );
    const conn = flows.find((f) => f.proto === 6);
    expect(conn?.endReason).toBe('end');
    expect(conn?.state).toBe('SF');
  });
});

/** A small UDP datagram from the camera to the NVR's port 554. */
const udpToNvr = (t: number, sport: number): TestPacket => ({
  t,
  src: CAM,
  dst: '10.20.0.10',
  proto: 'udp',
  sport,
  dport: 554,
  payload: 10,
});

describe('bounded table', () => {
  it('evicts the least recently active flows when full, counts them, and loses no packet', async () => {
    const packets: TestPacket[] = [];
    for (let i = 0; i < 100; i++) {
      packets.push({
        t: T0 + i,
        src: CAM,
        dst: '10.20.0.10',
        proto: 'udp',
        sport: 10000 + i,
        dport: 554,
        payload: 10,
      });
    }
    const { flows, counters } = await flowsOf(packets, { maxFlows: 16 });
    expect(flows).toHaveLength(100);
    expect(counters.evictedFlows).toBe(84);
    expect(counters.peakFlows).toBe(16);
    expect(totalPackets(flows)).toBe(100);
    expect(flows.filter((f) => f.endReason === 'evicted').map((f) => f.origPort)).toEqual(
      Array.from({ length: 84 }, (_, i) => 10000 + i),
    );
  });

  it('a flow seen again is not the least recently active any more', async () => {
    const udp = udpToNvr;
    // Flows 0..3 fill the table; 0 and 1 speak again; two new flows must push out 2 and 3.
    const packets = [0, 1, 2, 3].map((i) => udp(T0 + i, 10000 + i));
    packets.push(udp(T0 + 4, 10000), udp(T0 + 5, 10001), udp(T0 + 6, 10004), udp(T0 + 7, 10005));
    const { flows } = await flowsOf(packets, { maxFlows: 4 });
    expect(flows.filter((f) => f.endReason === 'evicted').map((f) => f.origPort)).toEqual([10002, 10003]);
    expect(flows.find((f) => f.origPort === 10000)?.origPackets).toBe(2);
  });

  it('a packet after the idle timeout starts a new flow even between expiry checks', async () => {
    // Two packets 60 s apart on a 60 s UDP idle timeout: two records (idle expiry is endMs + idle ≤ now).
    const p = (t: number, sport = 5000): TestPacket => udpToNvr(t, sport);
    // Another flow's packet at +60.2 s runs the (once a second) expiry check just before +60.5 s.
    const { flows } = await flowsOf([p(T0), p(T0 + 0.5), p(T0 + 60.2, 6000), p(T0 + 60.5)], {
      udpIdleMs: 60_000,
    });
    expect(flows.filter((f) => f.origPort === 5000).map((f) => f.origPackets)).toEqual([2, 1]);
  });
});

describe('VLAN', () => {
  it('the same endpoints on two VLANs are two flows, each with its VLAN id', async () => {
    const p = (vlan: number): TestPacket => ({
      t: T0,
      src: CAM,
      dst: '10.20.0.10',
      proto: 'udp',
      sport: 1,
      dport: 2,
      vlan,
    });
    const { flows } = await flowsOf([p(20), p(30)]);
    expect(flows.map((f) => f.vlan).sort()).toEqual([20, 30]);
  });
});

describe('end of input', () => {
  it('the flows still open end a batch at a time, every one of them', async () => {
    // 5 000 one-packet UDP conversations, all still open when the capture ends (no timeout fires
    // within the 5 s it spans): by construction 5 000 flows of one packet each.
    const packets: TestPacket[] = Array.from({ length: 5000 }, (_, i) => ({
      t: T0 + i / 1000,
      src: `10.20.${i >> 8}.${i & 255}`,
      dst: CLOUD,
      proto: 'udp',
      sport: 40000,
      dport: 8800,
    }));
    const f = join(dir, `s${n++}.pcap`);
    writeFileSync(f, pcapFile(packets));
    const sizes: number[] = [];
    let flows = 0;
    for await (const b of readInputs([f], { readerOptions: { '*': { meta: false } } })) {
      sizes.push(b.flows.length);
      flows += b.flows.reduce((a, x) => a + (x.origPackets === 1 && x.endReason === 'eof' ? 1 : 0), 0);
    }
    expect(flows).toBe(5000);
    expect(Math.max(...sizes)).toBeLessThanOrEqual(READER_BATCH_FLOWS);
    expect(sizes.length).toBeGreaterThanOrEqual(Math.ceil(5000 / READER_BATCH_FLOWS));
  });
});
