import { InputError, type ProblemLog } from '../../../model/index.js';
import { ipv4TextAt, ipv6TextAt } from '../../decode/address-text.js';

/**
 * UDP datagrams out of a pcap or pcapng capture of a NetFlow/IPFIX export stream, with the source
 * address of each (the exporter). Deliberately small and separate from ingest/capture: an export
 * stream needs only UDP payloads, and this keeps the NetFlow readers independent of the capture
 * reader's internals (swap `CaptureUdpSource` for the capture readers' packet sink if that ever
 * pays). Link types: Ethernet (with 802.1Q/QinQ tags), raw IP, Linux cooked (v1/v2), BSD loopback.
 * IP fragments and non-UDP packets are counted, not decoded.
 */
export interface UdpDatagram {
  exporter: string;
  /** A copy: it outlives the chunk it came from. */
  payload: Buffer;
  /** 1-based packet number in the capture. */
  packet: number;
}

const PCAP_MAGICS = new Set([0xa1b2c3d4, 0xa1b23c4d, 0xd4c3b2a1, 0x4d3cb2a1]);
const PCAPNG_SHB = 0x0a0d0d0a;
const MAX_RECORD = 256 * 1024;

export const isPcapHead = (head: Buffer): boolean =>
  head.length >= 24 && PCAP_MAGICS.has(head.readUInt32LE(0));
export const isPcapngHead = (head: Buffer): boolean =>
  head.length >= 12 && head.readUInt32LE(0) === PCAPNG_SHB;

export interface UdpCounts {
  packets: number;
  notUdp: number;
  fragments: number;
  unknownLink: number;
}

/** A push parser: `push` chunks, collect `take()`, `end()` at the end. */
export class CaptureUdpSource {
  readonly counts: UdpCounts = { packets: 0, notUdp: 0, fragments: 0, unknownLink: 0 };
  private buf: Buffer = Buffer.alloc(0);
  private offset = 0;
  private started = false;
  private ng = false;
  private le = true;
  private linkType = 1;
  private readonly ifLinks: number[] = [];
  private out: UdpDatagram[] = [];

  constructor(
    private readonly file: string,
    private readonly problems: ProblemLog,
  ) {}

  push(chunk: Buffer): void {
    this.buf = this.buf.length ? Buffer.concat([this.buf, chunk]) : chunk;
    let p = 0;
    if (!this.started) {
      if (this.buf.length < 24) return;
      const m = this.buf.readUInt32LE(0);
      if (PCAP_MAGICS.has(m)) {
        this.le = m === 0xa1b2c3d4 || m === 0xa1b23c4d;
        this.linkType = this.u32(this.buf, 20) & 0xffff;
        p = 24;
      } else if (m === PCAPNG_SHB) {
        this.ng = true;
      } else {
        throw new InputError('CW_ERR_INPUT_UNKNOWN_FORMAT', `${this.file}: not a pcap or pcapng capture`, {
          file: this.file,
          offset: 0,
        });
      }
      this.started = true;
    }
    const b = this.buf;
    for (;;) {
      if (this.ng) {
        if (p + 12 > b.length) break;
        if (b.readUInt32LE(p) === PCAPNG_SHB) {
          const bom = b.readUInt32LE(p + 8);
          this.le = bom === 0x1a2b3c4d;
          if (!this.le && bom !== 0x4d3c2b1a) {
            this.broken(p, 'pcapng section header has no byte-order magic');
            return;
          }
          this.ifLinks.length = 0;
        }
        const len = this.u32(b, p + 4);
        if (len < 12 || len % 4 !== 0 || len > MAX_RECORD) {
          this.broken(p, `pcapng block length ${len}`);
          return;
        }
        if (p + len > b.length) break;
        this.block(b, p, len);
        p += len;
      } else {
        if (p + 16 > b.length) break;
        const capLen = this.u32(b, p + 8);
        if (capLen > MAX_RECORD) {
          this.broken(p, `pcap record length ${capLen}`);
          return;
        }
        if (p + 16 + capLen > b.length) break;
        this.counts.packets++;
        this.linkPacket(this.linkType, b, p + 16, capLen);
        p += 16 + capLen;
      }
    }
    this.offset += p;
    this.buf = p >= b.length ? Buffer.alloc(0) : Buffer.from(b.subarray(p));
  }

  /** Datagrams found since the last call. */
  take(): UdpDatagram[] {
    const o = this.out;
    this.out = [];
    return o;
  }

  /** Bytes left over at the end (a cut last record), reported as a problem. */
  end(): void {
    if (this.buf.length > 0) {
      this.problems.add(
        'truncated-last-record',
        `the capture ends inside a record (${this.buf.length} bytes)`,
        {
          file: this.file,
          offset: this.offset,
        },
      );
    }
  }

  private broken(p: number, why: string): void {
    this.problems.add('capture-malformed', `${why}; the rest of the capture is skipped`, {
      file: this.file,
      offset: this.offset + p,
    });
    this.offset += this.buf.length;
    this.buf = Buffer.alloc(0);
    this.push = () => {};
  }

  private u32(b: Buffer, o: number): number {
    return this.le ? b.readUInt32LE(o) : b.readUInt32BE(o);
  }

  private u16(b: Buffer, o: number): number {
    return this.le ? b.readUInt16LE(o) : b.readUInt16BE(o);
  }

  private block(b: Buffer, p: number, len: number): void {
    const type = this.u32(b, p);
    if (type === 1 && len >= 20) {
      this.ifLinks.push(this.u16(b, p + 8));
    } else if (type === 6 && len >= 32) {
      this.counts.packets++;
      const iface = this.u32(b, p + 8);
      const capLen = this.u32(b, p + 20);
      if (28 + capLen > len) return;
      this.linkPacket(this.ifLinks[iface] ?? -1, b, p + 28, capLen);
    } else if (type === 3 && len >= 16) {
      this.counts.packets++;
      this.linkPacket(this.ifLinks[0] ?? -1, b, p + 12, Math.min(this.u32(b, p + 8), len - 16));
    }
  }

  private linkPacket(link: number, b: Buffer, o: number, len: number): void {
    const end = o + len;
    let et = -1;
    let p = o;
    if (link === 1) {
      if (len < 14) {
        this.notUdp();
        return;
      }
      et = b.readUInt16BE(o + 12);
      p = o + 14;
      while ((et === 0x8100 || et === 0x88a8 || et === 0x9100) && p + 4 <= end) {
        et = b.readUInt16BE(p + 2);
        p += 4;
      }
    } else if (link === 101 || link === 12 || link === 14 || link === 228 || link === 229) {
      et = -2;
    } else if (link === 113) {
      if (len < 16) {
        this.notUdp();
        return;
      }
      et = b.readUInt16BE(o + 14);
      p = o + 16;
    } else if (link === 276) {
      if (len < 20) {
        this.notUdp();
        return;
      }
      et = b.readUInt16BE(o);
      p = o + 20;
    } else if (link === 0 || link === 108) {
      if (len < 4) {
        this.notUdp();
        return;
      }
      et = -2;
      p = o + 4;
    } else {
      this.counts.unknownLink++;
      return;
    }
    if (p >= end) {
      this.notUdp();
      return;
    }
    const v = b[p] >> 4;
    if (et === 0x0800 || (et === -2 && v === 4)) this.ipv4(b, p, end);
    else if (et === 0x86dd || (et === -2 && v === 6)) this.ipv6(b, p, end);
    else this.notUdp();
  }

  private notUdp(): void {
    this.counts.notUdp++;
  }

  private ipv4(b: Buffer, p: number, end: number): void {
    if (p + 20 > end) {
      this.notUdp();
      return;
    }
    const ihl = (b[p] & 0x0f) * 4;
    if (ihl < 20 || b[p + 9] !== 17) {
      this.notUdp();
      return;
    }
    const frag = b.readUInt16BE(p + 6);
    if ((frag & 0x3fff) !== 0) {
      this.counts.fragments++;
      return;
    }
    const total = b.readUInt16BE(p + 2);
    this.udp(b, p + ihl, Math.min(end, p + total), ipv4TextAt(b, p + 12));
  }

  private ipv6(b: Buffer, p: number, end: number): void {
    if (p + 40 > end) {
      this.notUdp();
      return;
    }
    if (b[p + 6] === 44) {
      this.counts.fragments++;
      return;
    }
    if (b[p + 6] !== 17) {
      this.notUdp();
      return;
    }
    const plen = b.readUInt16BE(p + 4);
    this.udp(b, p + 40, Math.min(end, p + 40 + plen), ipv6TextAt(b, p + 8));
  }

  private udp(b: Buffer, p: number, end: number, exporter: string): void {
    if (p + 8 > end) {
      this.notUdp();
      return;
    }
    const ulen = b.readUInt16BE(p + 4);
    const stop = ulen >= 8 ? Math.min(end, p + ulen) : end;
    this.out.push({ exporter, payload: Buffer.from(b.subarray(p + 8, stop)), packet: this.counts.packets });
  }
}
