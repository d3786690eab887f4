// Raw read speed of a classic pcap file, outside camwatch, for bench/flows-bench.sh.
//
//   node bench/pcap-parser-read.mjs FILE          pcap-parser 0.2.1 (the reader named in the original
//                                                 design): counts its 'packet' events, nothing decoded
//   node bench/pcap-parser-read.mjs --bare FILE   the ceiling: a bare loop that reads FILE in 1 MiB
//                                                 chunks into one reused Buffer and walks the 16-byte
//                                                 record headers (inclLen at +8), touching no payload
//
// Prints one line to stdout: `<mode> packets=<n> bytes=<captured bytes> seconds=<s> pps=<packets/s>`.
// The timing that the benchmark table uses comes from /usr/bin/time around the whole process; the
// in-process figure here leaves out Node's start-up (~40 ms) and is only for a quick look.
import fs from 'node:fs';
import { createRequire } from 'node:module';

const PCAP_GLOBAL_HEADER_LEN = 24;
const PCAP_RECORD_HEADER_LEN = 16;
const CHUNK_LEN = 1 << 20;

function usage() {
  process.stderr.write('usage: node bench/pcap-parser-read.mjs [--bare] FILE\n');
  process.exit(2);
}

function report(mode, packets, bytes, startNs) {
  const seconds = Number(process.hrtime.bigint() - startNs) / 1e9;
  const pps = Math.round(packets / seconds);
  process.stdout.write(
    `${mode} packets=${packets} bytes=${bytes} seconds=${seconds.toFixed(3)} pps=${pps}\n`,
  );
}

/** Walks record headers only. Classic pcap, either byte order, µs or ns magic; no pcapng. */
function readBare(file) {
  const startNs = process.hrtime.bigint();
  const fd = fs.openSync(file, 'r');
  const buf = Buffer.allocUnsafe(CHUNK_LEN);
  let n = fs.readSync(fd, buf, 0, CHUNK_LEN, 0);
  if (n < PCAP_GLOBAL_HEADER_LEN) throw new Error(`${file}: shorter than a pcap global header`);
  const magic = buf.readUInt32LE(0);
  let littleEndian;
  if (magic === 0xa1b2c3d4 || magic === 0xa1b23c4d) littleEndian = true;
  else if (magic === 0xd4c3b2a1 || magic === 0x4d3cb2a1) littleEndian = false;
  else throw new Error(`${file}: not a classic pcap (magic 0x${magic.toString(16)})`);

  let packets = 0;
  let bytes = 0;
  let base = 0; // file offset of buf[0]
  let next = PCAP_GLOBAL_HEADER_LEN; // file offset of the next record header
  while (n > 0) {
    const end = base + n;
    let o = next - base;
    const last = n - PCAP_RECORD_HEADER_LEN;
    if (littleEndian) {
      while (o <= last) {
        const inclLen = buf.readUInt32LE(o + 8);
        packets++;
        bytes += inclLen;
        o += PCAP_RECORD_HEADER_LEN + inclLen;
      }
    } else {
      while (o <= last) {
        const inclLen = buf.readUInt32BE(o + 8);
        packets++;
        bytes += inclLen;
        o += PCAP_RECORD_HEADER_LEN + inclLen;
      }
    }
    next = base + o;
    // A header cut by the chunk end is read again at the start of the next chunk.
    base = Math.min(next, end);
    n = fs.readSync(fd, buf, 0, CHUNK_LEN, base);
  }
  fs.closeSync(fd);
  report('bare-header-loop', packets, bytes, startNs);
}

function readPcapParser(file) {
  const require = createRequire(import.meta.url);
  const pcapParser = require('pcap-parser');
  const startNs = process.hrtime.bigint();
  let packets = 0;
  let bytes = 0;
  const parser = pcapParser.parse(file);
  parser.on('packet', (packet) => {
    packets++;
    bytes += packet.data.length;
  });
  parser.on('error', (err) => {
    process.stderr.write(`pcap-parser: ${err.message}\n`);
    process.exitCode = 1;
  });
  parser.on('end', () => report('pcap-parser', packets, bytes, startNs));
}

const args = process.argv.slice(2);
const bare = args[0] === '--bare';
const file = bare ? args[1] : args[0];
if (!file) usage();
if (bare) readBare(file);
else readPcapParser(file);
