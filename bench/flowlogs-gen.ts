/**
 * Writes a synthetic capture of N one-packet UDP/TCP conversations (distinct 5-tuples, 2 ms apart),
 * the input from which bench/flowlogs-bench.sh makes an nfcapd file (nfpcapd), its nfdump CSV and a
 * Zeek conn.log of the same flows.
 *   node dist/bench/flowlogs-gen.js <out.pcap> [flows=2000000]
 */
import { createWriteStream } from 'node:fs';

const [out, nText] = process.argv.slice(2);
if (!out) {
  process.stderr.write('usage: flowlogs-gen <out.pcap> [flows]\n');
  process.exit(2);
}
const n = Number(nText ?? 2_000_000);
const ws = createWriteStream(out);
const header = Buffer.alloc(24);
header.writeUInt32LE(0xa1b2c3d4, 0);
header.writeUInt16LE(2, 4);
header.writeUInt16LE(4, 6);
header.writeUInt32LE(65535, 16);
header.writeUInt32LE(1, 20); // Ethernet
ws.write(header);

const PAYLOAD = 32;
const FRAME = 14 + 20 + 8 + PAYLOAD;
const PER_CHUNK = 4096;
const chunk = Buffer.alloc(PER_CHUNK * (16 + FRAME));
const t0 = Date.UTC(2024, 0, 1) / 1000;

function checksum(b: Buffer, o: number, len: number): number {
  let s = 0;
  for (let i = 0; i < len; i += 2) s += b.readUInt16BE(o + i);
  while (s > 0xffff) s = (s & 0xffff) + (s >>> 16);
  return ~s & 0xffff;
}

let i = 0;
async function run(): Promise<void> {
  while (i < n) {
    let p = 0;
    for (let k = 0; k < PER_CHUNK && i < n; k++, i++) {
      const tMs = i * 2;
      chunk.writeUInt32LE(t0 + Math.floor(tMs / 1000), p);
      chunk.writeUInt32LE((tMs % 1000) * 1000, p + 4);
      chunk.writeUInt32LE(FRAME, p + 8);
      chunk.writeUInt32LE(FRAME, p + 12);
      const e = p + 16;
      chunk.fill(0, e, e + FRAME);
      chunk.writeUInt32BE(0x02000000, e); // dst MAC 02:00:00:00:00:01
      chunk.writeUInt16BE(0x0001, e + 4);
      chunk.writeUInt32BE(0x02000000, e + 6); // src MAC 02:00:00:00:00:02
      chunk.writeUInt16BE(0x0002, e + 10);
      chunk.writeUInt16BE(0x0800, e + 12);
      const ip = e + 14;
      chunk[ip] = 0x45;
      chunk.writeUInt16BE(20 + 8 + PAYLOAD, ip + 2);
      chunk[ip + 8] = 64;
      chunk[ip + 9] = 17;
      // 10.x.y.z cameras talking to 100 peers on a handful of ports.
      chunk.writeUInt32BE(((10 << 24) | (i & 0xffffff)) >>> 0, ip + 12);
      chunk.writeUInt32BE(((198 << 24) | (51 << 16) | (100 << 8) | (i % 100)) >>> 0, ip + 16);
      chunk.writeUInt16BE(checksum(chunk, ip, 20), ip + 10);
      const u = ip + 20;
      chunk.writeUInt16BE(1024 + (i % 60000), u);
      chunk.writeUInt16BE([53, 123, 443, 554, 8000][i % 5], u + 2);
      chunk.writeUInt16BE(8 + PAYLOAD, u + 4);
      p += 16 + FRAME;
    }
    if (!ws.write(Buffer.from(chunk.subarray(0, p))))
      await new Promise<void>((r) => ws.once('drain', () => r()));
  }
  await new Promise<void>((r) => ws.end(r));
}
await run();
process.stderr.write(`flowlogs-gen: ${n} packets → ${out}\n`);
