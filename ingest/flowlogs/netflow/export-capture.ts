import { InputError, type ProblemLog } from '../../../model/index.js';
import type { PacketSink } from '../../capture/packet-sink.js';
import { isPcap, PcapReader } from '../../capture/pcap-reader.js';
import { isPcapng, PcapngReader } from '../../capture/pcapng-reader.js';
import { ipv4Text, ipv6Text } from '../../decode/address-text.js';
import { Decoded, Malformed, PacketDecoder } from '../../decode/packet-decoder.js';

/**
 * UDP datagrams out of a pcap or pcapng capture of a NetFlow/IPFIX export stream, with the source
 * address of each (the exporter). The capture readers (ingest/capture) frame the packets and the
 * packet decoder (ingest/decode) reads the headers, so every link type and pcapng feature they know
 * works here too; this file only keeps the UDP payloads. IP fragments and non-UDP packets are
 * counted, not decoded.
 */
export interface UdpDatagram {
  exporter: string;
  /** A copy: it outlives the chunk it came from. */
  payload: Buffer;
  /** 1-based packet number in the capture. */
  packet: number;
}

export const isPcapHead = (head: Buffer): boolean => head.length >= 24 && isPcap(head);
export const isPcapngHead = (head: Buffer): boolean => isPcapng(head);

export interface UdpCounts {
  packets: number;
  notUdp: number;
  fragments: number;
  unknownLink: number;
}

const UDP = 17;
const EMPTY = Buffer.alloc(0);

/**
 * A push parser: `push` chunks, collect `take()`, `end()` at the end. A structural break in the
 * capture (what the capture readers throw for) is counted as `capture-malformed` and the rest of the
 * capture is skipped; the datagrams before it are kept.
 */
export class CaptureUdpSource implements PacketSink {
  readonly counts: UdpCounts = { packets: 0, notUdp: 0, fragments: 0, unknownLink: 0 };
  readonly time = new Float64Array(1);
  private readonly decoder = new PacketDecoder();
  private reader: PcapReader | PcapngReader | undefined;
  private broken = false;
  /** The first bytes, while fewer than 12 have come. */
  private head: Buffer = EMPTY;
  private out: UdpDatagram[] = [];

  constructor(
    private readonly file: string,
    private readonly problems: ProblemLog,
  ) {}

  push(chunk: Buffer): void {
    if (this.broken) return;
    if (!this.reader) {
      // Both magics are known from the first 12 bytes (the pcapng section header's).
      const head = this.head.length ? Buffer.concat([this.head, chunk]) : chunk;
      if (head.length < 12) {
        this.head = Buffer.from(head);
        return;
      }
      this.head = EMPTY;
      chunk = head;
      if (isPcapng(head)) this.reader = new PcapngReader(this.file, this, this.problems);
      else if (isPcap(head)) this.reader = new PcapReader(this.file, this);
      else {
        throw new InputError('CW_ERR_INPUT_UNKNOWN_FORMAT', `${this.file}: not a pcap or pcapng capture`, {
          file: this.file,
          offset: 0,
        });
      }
    }
    try {
      this.reader.push(chunk);
    } catch (e) {
      this.fail(e);
    }
    this.counts.packets = this.reader.packetCount;
  }

  /** Datagrams found since the last call. */
  take(): UdpDatagram[] {
    const o = this.out;
    this.out = [];
    return o;
  }

  /** A cut last record is reported as a problem. */
  end(): void {
    if (this.broken) return;
    if (!this.reader) {
      if (this.head.length > 0) {
        this.problems.add(
          'truncated-last-record',
          `the capture ends inside its header (${this.head.length} bytes)`,
          {
            file: this.file,
            offset: 0,
          },
        );
      }
      return;
    }
    let at: number;
    try {
      at = this.reader.end();
    } catch (e) {
      this.fail(e);
      return;
    }
    if (at >= 0) {
      this.problems.add('truncated-last-record', `the file ends inside the record starting at byte ${at}`, {
        file: this.file,
        offset: at,
      });
    }
  }

  private fail(e: unknown): void {
    if (!(e instanceof InputError)) throw e;
    this.broken = true;
    this.problems.add('capture-malformed', `${e.message}; the rest of the capture is skipped`, {
      file: this.file,
      offset: e.where.offset,
    });
  }

  packet(
    linkType: number,
    buf: Buffer,
    off: number,
    capLen: number,
    _origLen: number,
    recordNo: number,
  ): void {
    const d = this.decoder;
    const r = d.decode(linkType, buf, off, capLen);
    if (r !== Decoded.Ip) {
      if (r === Decoded.UnknownLink) this.counts.unknownLink++;
      else this.counts.notUdp++;
      return;
    }
    // IPv4: a bad header or another protocol is not UDP, even when fragmented.
    if (d.ipVersion === 4 && (d.malformed === Malformed.IpHeaderBad || d.proto !== UDP)) {
      this.counts.notUdp++;
      return;
    }
    if (d.fragOffset !== 0 || d.moreFragments) {
      this.counts.fragments++;
      return;
    }
    if (d.proto !== UDP || !d.hasPorts) {
      this.counts.notUdp++;
      return;
    }
    // The decoder's payload runs to the end of the IP packet; the UDP length may stop it earlier.
    let stop = d.payloadOff + d.payloadLen;
    const udpLen = (buf[d.payloadOff - 4] << 8) | buf[d.payloadOff - 3];
    if (udpLen >= 8) stop = Math.min(stop, d.payloadOff - 8 + udpLen);
    const exporter = d.ipVersion === 4 ? ipv4Text(d.src0) : ipv6Text(d.src0, d.src1, d.src2, d.src3);
    // The packet view is valid only during this call: the payload is copied.
    this.out.push({ exporter, payload: Buffer.from(buf.subarray(d.payloadOff, stop)), packet: recordNo });
  }
}
