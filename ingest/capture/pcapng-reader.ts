import { InputError, type ProblemLog } from '../../model/index.js';
import type { PacketSink } from './packet-sink.js';
import { MAX_PACKET_BYTES } from './packet-sink.js';
import { badLength, NEED_MORE, type RecordFormat, RecordFramer } from './record-framer.js';

/** Block types (https://datatracker.ietf.org/doc/draft-ietf-opsawg-pcapng/ §4). */
const SECTION_HEADER = 0x0a0d0d0a;
const INTERFACE_DESCRIPTION = 0x00000001;
const OBSOLETE_PACKET = 0x00000002;
const SIMPLE_PACKET = 0x00000003;
const ENHANCED_PACKET = 0x00000006;
const BYTE_ORDER_MAGIC = 0x1a2b3c4d;
const OPT_ENDOFOPT = 0;
const OPT_IF_TSRESOL = 9;
const OPT_IF_TSOFFSET = 14;
/** Non-packet blocks (name resolution, decryption secrets…) may be large, but not unbounded. */
const MAX_OTHER_BLOCK = 16 * 1024 * 1024;
const MAX_PACKET_BLOCK = MAX_PACKET_BYTES + 64;
const TWO_32 = 4294967296;

export function isPcapng(head: Buffer): boolean {
  return head.length >= 12 && head.readUInt32LE(0) === SECTION_HEADER;
}

interface InterfaceInfo {
  linkType: number;
  snapLen: number;
  /** ms per timestamp unit (if_tsresol; default µs). */
  msPerUnit: number;
  /** if_tsoffset, in ms. */
  offsetMs: number;
}

/**
 * A push parser for pcapng: sections of either byte order, several interfaces, if_tsresol and
 * if_tsoffset, Enhanced/Simple/obsolete Packet Blocks; other blocks (statistics, name resolution,
 * custom, comments) are skipped. Same contract as PcapReader.
 */
export class PcapngReader implements RecordFormat {
  readonly headerBytes = 12;
  private readonly framer = new RecordFramer(this);
  private littleEndian = true;
  private interfaces: InterfaceInfo[] = [];
  private packets = 0;
  private blocks = 0;
  private readonly seenLinkTypes = new Set<number>();

  constructor(
    private readonly file: string,
    private readonly sink: PacketSink,
    private readonly problems: ProblemLog,
  ) {}

  get packetCount(): number {
    return this.packets;
  }

  get linkTypes(): number[] {
    return [...this.seenLinkTypes];
  }

  push(chunk: Buffer): void {
    this.framer.push(chunk);
  }

  end(): number {
    if (this.blocks === 0) {
      throw new InputError(
        'CW_ERR_INPUT_TRUNCATED',
        `${this.file}: pcapng file ends inside its section header (${this.framer.pending} bytes of it present)`,
        {
          file: this.file,
          offset: 0,
        },
      );
    }
    return this.framer.pending > 0 ? this.framer.position : -1;
  }

  private u32(b: Buffer, o: number): number {
    return this.littleEndian
      ? (b[o] | (b[o + 1] << 8) | (b[o + 2] << 16) | (b[o + 3] << 24)) >>> 0
      : ((b[o] << 24) | (b[o + 1] << 16) | (b[o + 2] << 8) | b[o + 3]) >>> 0;
  }

  private u16(b: Buffer, o: number): number {
    return this.littleEndian ? b[o] | (b[o + 1] << 8) : (b[o] << 8) | b[o + 1];
  }

  measure(buf: Buffer, off: number, avail: number, fileOffset: number): number {
    if (avail < 12) return NEED_MORE;
    // The block type reads the same in both byte orders only for the SHB; a new section may switch.
    if (buf.readUInt32LE(off) === SECTION_HEADER) {
      const bom = buf.readUInt32LE(off + 8);
      if (bom === BYTE_ORDER_MAGIC) this.littleEndian = true;
      else if (bom === 0x4d3c2b1a) this.littleEndian = false;
      else {
        throw new InputError(
          'CW_ERR_INPUT_MALFORMED',
          `${this.file}: section header at byte ${fileOffset} has byte-order magic ${buf.toString('hex', off + 8, off + 12)}, expected 1a2b3c4d`,
          { file: this.file, offset: fileOffset },
        );
      }
    } else if (this.blocks === 0) {
      throw new InputError(
        'CW_ERR_INPUT_UNKNOWN_FORMAT',
        `${this.file}: not a pcapng file (first block type ${buf.toString('hex', off, off + 4)})`,
        { file: this.file, offset: 0 },
      );
    }
    const type = this.u32(buf, off);
    const len = this.u32(buf, off + 4);
    const isPacket = type === ENHANCED_PACKET || type === SIMPLE_PACKET || type === OBSOLETE_PACKET;
    const max = isPacket ? MAX_PACKET_BLOCK : MAX_OTHER_BLOCK;
    if (len < 12 || len % 4 !== 0) {
      throw badLength(
        this.file,
        fileOffset,
        'block',
        len,
        'minimum is 12 and a multiple of 4',
        this.packets + 1,
      );
    }
    if (len > max) throw badLength(this.file, fileOffset, 'block', len, `max is ${max}`, this.packets + 1);
    return len;
  }

  record(buf: Buffer, off: number, len: number, fileOffset: number): void {
    this.blocks++;
    const type = this.u32(buf, off);
    const trailer = this.u32(buf, off + len - 4);
    if (trailer !== len) {
      this.problems.add(
        'pcapng-block-length-mismatch',
        `block starts with length ${len}, ends with ${trailer}`,
        {
          file: this.file,
          offset: fileOffset,
        },
      );
    }
    switch (type) {
      case ENHANCED_PACKET:
        this.packetBlock(buf, off, len, fileOffset, this.u32(buf, off + 8), 12);
        break;
      case OBSOLETE_PACKET:
        this.packetBlock(buf, off, len, fileOffset, this.u16(buf, off + 8), 12);
        break;
      case SIMPLE_PACKET:
        this.simplePacket(buf, off, len, fileOffset);
        break;
      case INTERFACE_DESCRIPTION:
        this.interfaceBlock(buf, off, len, fileOffset);
        break;
      case SECTION_HEADER: {
        const major = this.u16(buf, off + 12);
        const minor = this.u16(buf, off + 14);
        // 1.0 is the format; 1.2 was written by old tools and means the same (libpcap reads both).
        if (len < 28 || major !== 1 || (minor !== 0 && minor !== 2)) {
          throw new InputError(
            'CW_ERR_INPUT_MALFORMED',
            `${this.file}: section header at byte ${fileOffset} has ${len < 28 ? `length ${len}, minimum is 28` : `version ${major}.${minor}, only 1.0 and 1.2 exist`}`,
            { file: this.file, offset: fileOffset },
          );
        }
        this.interfaces = [];
        break;
      }
      default:
        break; // statistics, name resolution, custom, decryption secrets: nothing for flows
    }
  }

  private iface(id: number, fileOffset: number): InterfaceInfo | undefined {
    const i = this.interfaces[id];
    if (!i) {
      this.problems.add(
        'pcapng-unknown-interface',
        `packet names interface ${id}, ${this.interfaces.length} defined`,
        {
          file: this.file,
          offset: fileOffset,
          record: this.packets + 1,
        },
      );
    }
    return i;
  }

  /** EPB and the obsolete Packet Block share their layout from the timestamp on. */
  private packetBlock(
    buf: Buffer,
    off: number,
    len: number,
    fileOffset: number,
    ifId: number,
    tsAt: number,
  ): void {
    const capLen = this.u32(buf, off + tsAt + 8);
    const origLen = this.u32(buf, off + tsAt + 12);
    const dataAt = tsAt + 16;
    if (len < dataAt + 4 || capLen > len - dataAt - 4) {
      this.packets++;
      this.problems.add(
        'pcapng-bad-packet-length',
        `captured length ${capLen} does not fit block length ${len}`,
        {
          file: this.file,
          offset: fileOffset,
          record: this.packets,
        },
      );
      return;
    }
    const i = this.iface(ifId, fileOffset);
    this.packets++;
    if (!i) return;
    this.sink.time[0] =
      this.u32(buf, off + tsAt) * (TWO_32 * i.msPerUnit) +
      this.u32(buf, off + tsAt + 4) * i.msPerUnit +
      i.offsetMs;
    this.sink.packet(i.linkType, buf, off + dataAt, capLen, origLen, this.packets);
  }

  private simplePacket(buf: Buffer, off: number, len: number, fileOffset: number): void {
    const i = this.iface(0, fileOffset);
    this.packets++;
    if (!i) return;
    const origLen = this.u32(buf, off + 8);
    let capLen = Math.min(origLen, len - 16);
    if (i.snapLen > 0) capLen = Math.min(capLen, i.snapLen);
    // A simple packet block has no timestamp.
    this.sink.time[0] = 0;
    this.sink.packet(i.linkType, buf, off + 12, capLen, origLen, this.packets);
  }

  private interfaceBlock(buf: Buffer, off: number, len: number, fileOffset: number): void {
    const info: InterfaceInfo = {
      linkType: this.u16(buf, off + 8),
      snapLen: this.u32(buf, off + 12),
      msPerUnit: 1e-3,
      offsetMs: 0,
    };
    this.seenLinkTypes.add(info.linkType);
    let o = off + 16;
    const end = off + len - 4;
    while (o + 4 <= end) {
      const code = this.u16(buf, o);
      const olen = this.u16(buf, o + 2);
      const v = o + 4;
      if (code === OPT_ENDOFOPT) break;
      if (v + olen > end) {
        this.problems.add('pcapng-bad-option', `option ${code} of length ${olen} overruns its block`, {
          file: this.file,
          offset: fileOffset,
        });
        break;
      }
      if (code === OPT_IF_TSRESOL && olen >= 1) {
        const r = buf[v];
        const unitsPerSec = r & 0x80 ? 2 ** (r & 0x7f) : 10 ** r;
        info.msPerUnit = 1000 / unitsPerSec;
      } else if (code === OPT_IF_TSOFFSET && olen >= 8) {
        const hi = this.u32(buf, this.littleEndian ? v + 4 : v) | 0; // signed seconds
        const lo = this.u32(buf, this.littleEndian ? v : v + 4);
        info.offsetMs = (hi * TWO_32 + lo) * 1000;
      }
      o = v + ((olen + 3) & ~3);
    }
    this.interfaces.push(info);
  }
}
