import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { PacketSink } from '../../ingest/capture/packet-sink.js';
import { PcapReader } from '../../ingest/capture/pcap-reader.js';
import { PcapngReader } from '../../ingest/capture/pcapng-reader.js';
import { CamwatchError, ProblemLog } from '../../model/index.js';
import { data } from '../helpers/paths.js';
import { readFlows } from '../helpers/read-flows.js';

interface Seen {
  linkType: number;
  ts: number;
  len: number;
  orig: number;
  first: number;
}

function collector(): PacketSink & { seen: Seen[] } {
  const seen: Seen[] = [];
  const time = new Float64Array(1);
  return {
    seen,
    time,
    packet(linkType, buf, off, capLen, origLen) {
      seen.push({ linkType, ts: time[0], len: capLen, orig: origLen, first: capLen > 0 ? buf[off] : -1 });
    },
  };
}

/** Feeds `bytes` to a fresh reader in the given chunk sizes (cycled). */
function feed(kind: 'pcap' | 'pcapng', bytes: Buffer, sizes: number[]) {
  const sink = collector();
  const problems = new ProblemLog();
  const r = kind === 'pcap' ? new PcapReader('x', sink) : new PcapngReader('x', sink, problems);
  let o = 0;
  let i = 0;
  while (o < bytes.length) {
    const n = Math.max(1, sizes[i++ % sizes.length]);
    r.push(bytes.subarray(o, o + n));
    o += n;
  }
  return { seen: sink.seen, truncatedAt: r.end(), problems };
}

const PCAP = data('pcap/http/zeek-http-get.pcap');
const PCAPNG = data('pcapng/multi-interface/zeek-pcapng-multi-interface.pcapng');

describe('capture readers cut records the same whatever the chunking', () => {
  for (const [kind, file] of [
    ['pcap', PCAP],
    ['pcapng', PCAPNG],
  ] as const) {
    it(`${kind}: arbitrary chunk sizes give the same packets as one chunk`, () => {
      const bytes = readFileSync(file);
      const whole = feed(kind, bytes, [bytes.length]);
      expect(whole.seen.length).toBeGreaterThan(0);
      fc.assert(
        fc.property(fc.array(fc.integer({ min: 1, max: 3000 }), { minLength: 1, maxLength: 20 }), (sizes) => {
          expect(feed(kind, bytes, sizes).seen).toEqual(whole.seen);
        }),
        { numRuns: 100 },
      );
    });
  }
});

describe('pcap headers', () => {
  it('reads both byte orders and nanosecond timestamps (tcpdump nano sample)', () => {
    const r = feed('pcap', readFileSync(data('pcap/linktypes/tcpdump-tcp-handshake-nano.pcap')), [1 << 20]);
    expect(r.seen.length).toBeGreaterThan(0);
    // Nanosecond files keep sub-microsecond fractions of a millisecond.
    expect(r.seen.some((s) => Math.round(s.ts * 1e6) % 1000 !== 0)).toBe(true);
  });

  it('a byte-swapped copy of a file gives the same packets', () => {
    const le = readFileSync(PCAP);
    expect(le.readUInt32LE(0)).toBe(0xa1b2c3d4);
    const be = Buffer.from(le);
    const swap32 = (o: number) => be.writeUInt32BE(le.readUInt32LE(o), o);
    const swap16 = (o: number) => be.writeUInt16BE(le.readUInt16LE(o), o);
    swap32(0);
    swap16(4);
    swap16(6);
    for (const o of [8, 12, 16, 20]) swap32(o);
    for (let o = 24; o < le.length; ) {
      const incl = le.readUInt32LE(o + 8);
      for (const k of [0, 4, 8, 12]) swap32(o + k);
      o += 16 + incl;
    }
    expect(feed('pcap', be, [4096]).seen).toEqual(feed('pcap', le, [4096]).seen);
  });
});

describe('bad input', () => {
  const dir = mkdtempSync(join(tmpdir(), 'camwatch-bad-'));

  it('a file that is not a capture names the file and the magic found', async () => {
    const f = join(dir, 'notes.txt');
    writeFileSync(f, 'hello, this is not a capture\n');
    const { results } = await readFlows([f]);
    expect(results[0].error?.code).toBe('CW_ERR_INPUT_UNKNOWN_FORMAT');
    expect(results[0].error?.message).toContain(f);
    expect(results[0].error?.message).toContain('68 65 6c 6c');
  });

  it('a truncated last record is a warning with its byte offset; every packet before it is kept', async () => {
    const bytes = readFileSync(PCAP);
    const f = join(dir, 'cut.pcap');
    writeFileSync(f, bytes.subarray(0, bytes.length - 10));
    const whole = await readFlows([PCAP]);
    const cut = await readFlows([f]);
    expect(cut.results[0].error).toBeUndefined();
    const p = cut.results[0].stats.problems.summaries().find((s) => s.reason === 'truncated-last-record');
    expect(p?.count).toBe(1);
    // The last record starts 16 + its captured length before the end of the whole file.
    let o = 24;
    let last = 24;
    while (o < bytes.length) {
      last = o;
      o += 16 + bytes.readUInt32LE(o + 8);
    }
    expect(p?.examples[0].where).toContain(`byte ${last}`);
    expect(cut.results[0].stats.records).toBe(whole.results[0].stats.records - 1);
  });

  it('a record length over 256 KiB is an error with the offset, never an allocation', async () => {
    const bytes = Buffer.from(readFileSync(PCAP));
    // Corrupt the third record's captured length.
    let o = 24;
    for (let i = 0; i < 2; i++) o += 16 + bytes.readUInt32LE(o + 8);
    bytes.writeUInt32LE(0x7fffffff, o + 8);
    const f = join(dir, 'huge.pcap');
    writeFileSync(f, bytes);
    const { results, flows } = await readFlows([f]);
    expect(results[0].error?.code).toBe('CW_ERR_INPUT_TOO_LARGE');
    expect(results[0].error?.message).toContain(`byte ${o}`);
    expect(results[0].error?.message).toContain(f);
    // The two packets before the break are kept.
    expect(flows.reduce((a, x) => a + x.origPackets + x.respPackets, 0)).toBe(2);
  });

  it('gzip captures are read transparently, by magic', async () => {
    const { gzipSync } = await import('node:zlib');
    const f = join(dir, 'http.pcap.gz');
    writeFileSync(f, gzipSync(readFileSync(PCAP)));
    const plain = await readFlows([PCAP]);
    const gz = await readFlows([f]);
    expect(gz.flows.map((x) => x.communityId)).toEqual(plain.flows.map((x) => x.communityId));
    expect(gz.results[0].stats.records).toBe(plain.results[0].stats.records);
  });
});

describe('readers and decoders never throw anything but a CamwatchError', () => {
  const seeds = [
    PCAP,
    PCAPNG,
    data('pcap/vlan/zeek-q-in-q.pcap'),
    data('pcap/ipv6/libpcap-ipv6_ext_headers.pcap'),
  ].map((f) => readFileSync(f));
  const dir = mkdtempSync(join(tmpdir(), 'camwatch-fuzz-'));

  it('on mutated real captures', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 0, max: seeds.length - 1 }),
        fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 30 }),
        fc.nat(),
        async (which, flips, cut) => {
          const b = Buffer.from(seeds[which]);
          for (const [at, v] of flips) b[at % b.length] = v;
          const f = join(dir, 'm.cap');
          writeFileSync(f, b.subarray(0, Math.max(1, b.length - (cut % 64))));
          const { results } = await readFlows([f]);
          const e = results[0].error;
          if (e !== undefined) expect(e).toBeInstanceOf(CamwatchError);
        },
      ),
      { numRuns: process.env.CI ? 300 : 100 },
    );
  });

  it('on random bytes behind a valid magic', async () => {
    await fc.assert(
      fc.asyncProperty(fc.boolean(), fc.uint8Array({ minLength: 0, maxLength: 4000 }), async (ng, body) => {
        const head = ng ? seeds[1].subarray(0, 28) : seeds[0].subarray(0, 24);
        const f = join(dir, 'r.cap');
        writeFileSync(f, Buffer.concat([head, Buffer.from(body)]));
        const { results } = await readFlows([f]);
        const e = results[0].error;
        if (e !== undefined) expect(e).toBeInstanceOf(CamwatchError);
      }),
      { numRuns: process.env.CI ? 300 : 100 },
    );
  });
});
