import { InputError } from '../../model/index.js';
import type { PacketSink } from './packet-sink.js';
import { MAX_PACKET_BYTES } from './packet-sink.js';
import { badLength, NEED_MORE, type RecordFormat, RecordFramer } from './record-framer.js';

/** Classic pcap magics as read little-endian (https://datatracker.ietf.org/doc/draft-ietf-opsawg-pcap/). */
const MAGIC_US = 0xa1b2c3d4;
const MAGIC_NS = 0xa1b23c4d;
const MAGIC_US_SWAPPED = 0xd4c3b2a1;
const MAGIC_NS_SWAPPED = 0x4d3cb2a1;
const GLOBAL_HEADER_BYTES = 24;
const RECORD_HEADER_BYTES = 16;

export function isPcap(head: Buffer): boolean {
  if (head.length < 4) return false;
  const m = head.readUInt32LE(0);
  return m === MAGIC_US || m === MAGIC_NS || m === MAGIC_US_SWAPPED || m === MAGIC_NS_SWAPPED;
}

/**
 * A push parser for classic pcap: `push` chunks in order, `end` at the end of the stream. Packets go
 * to the sink synchronously. Throws InputError for a bad header or an impossible record length (after
 * every packet before it was delivered); a truncated last record is reported by `end` as a warning.
 */
export class PcapReader implements RecordFormat {
  readonly headerBytes = RECORD_HEADER_BYTES;
  private framer: RecordFramer | undefined;
  private head = Buffer.alloc(GLOBAL_HEADER_BYTES);
  private headLen = 0;
  private littleEndian = true;
  private fracToMs = 1e-3;
  private linkType = 0;
  private snapLen = 0;
  private maxRecord = MAX_PACKET_BYTES;
  private packets = 0;

  constructor(
    private readonly file: string,
    private readonly sink: PacketSink,
  ) {}

  get packetCount(): number {
    return this.packets;
  }

  get linkTypes(): number[] {
    return [this.linkType];
  }

  push(chunk: Buffer): void {
    if (this.framer) {
      this.framer.push(chunk);
      return;
    }
    const take = Math.min(GLOBAL_HEADER_BYTES - this.headLen, chunk.length);
    chunk.copy(this.head, this.headLen, 0, take);
    this.headLen += take;
    if (this.headLen < GLOBAL_HEADER_BYTES) return;
    this.parseGlobalHeader();
    this.framer = new RecordFramer(this, GLOBAL_HEADER_BYTES);
    if (take < chunk.length) this.framer.push(chunk.subarray(take));
  }

  /** Returns the byte offset of a truncated last record, or -1 when the file ended cleanly. */
  end(): number {
    if (!this.framer) {
      throw new InputError(
        'CW_ERR_INPUT_TRUNCATED',
        `${this.file}: pcap file ends at byte ${this.headLen}, inside its ${GLOBAL_HEADER_BYTES}-byte header`,
        { file: this.file, offset: this.headLen },
      );
    }
    return this.framer.pending > 0 ? this.framer.position : -1;
  }

  private parseGlobalHeader(): void {
    const h = this.head;
    const m = h.readUInt32LE(0);
    if (m === MAGIC_US || m === MAGIC_NS) this.littleEndian = true;
    else if (m === MAGIC_US_SWAPPED || m === MAGIC_NS_SWAPPED) this.littleEndian = false;
    else {
      throw new InputError(
        'CW_ERR_INPUT_UNKNOWN_FORMAT',
        `${this.file}: not a pcap file (magic ${h.toString('hex', 0, 4)})`,
        {
          file: this.file,
          offset: 0,
        },
      );
    }
    this.fracToMs = m === MAGIC_NS || m === MAGIC_NS_SWAPPED ? 1e-6 : 1e-3;
    const major = this.littleEndian ? h.readUInt16LE(4) : h.readUInt16BE(4);
    if (major !== 2) {
      throw new InputError(
        'CW_ERR_INPUT_MALFORMED',
        `${this.file}: pcap major version ${major} at byte 4, only 2 exists`,
        {
          file: this.file,
          offset: 4,
        },
      );
    }
    this.snapLen = this.u32(h, 16);
    // The low 16 bits are the link type; the high bits carry FCS information.
    this.linkType = this.u32(h, 20) & 0xffff;
    // Some writers store a snaplen of 0 or a small one and still write longer records; allow the
    // larger of the snaplen and 64 KiB, never over 256 KiB.
    this.maxRecord = Math.min(MAX_PACKET_BYTES, Math.max(this.snapLen, 65_535));
  }

  private u32(b: Buffer, o: number): number {
    return this.littleEndian
      ? (b[o] | (b[o + 1] << 8) | (b[o + 2] << 16) | (b[o + 3] << 24)) >>> 0
      : ((b[o] << 24) | (b[o + 1] << 16) | (b[o + 2] << 8) | b[o + 3]) >>> 0;
  }

  measure(buf: Buffer, off: number, avail: number, fileOffset: number): number {
    if (avail < RECORD_HEADER_BYTES) return NEED_MORE;
    const inclLen = this.u32(buf, off + 8);
    if (inclLen > this.maxRecord) {
      throw badLength(
        this.file,
        fileOffset,
        'packet record',
        inclLen,
        `max is ${this.maxRecord} (snaplen ${this.snapLen})`,
        this.packets + 1,
      );
    }
    return RECORD_HEADER_BYTES + inclLen;
  }

  record(buf: Buffer, off: number, len: number): void {
    this.sink.time[0] = this.u32(buf, off) * 1000 + this.u32(buf, off + 4) * this.fracToMs;
    const origLen = this.u32(buf, off + 12);
    this.packets++;
    this.sink.packet(
      this.linkType,
      buf,
      off + RECORD_HEADER_BYTES,
      len - RECORD_HEADER_BYTES,
      origLen,
      this.packets,
    );
  }
}
