/**
 * Where a capture reader hands each packet. The packet bytes are a view into the reader's chunk or
 * carry buffer, valid only during the call: copy what outlives it.
 */
export interface PacketSink {
  /**
   * @param linkType LINKTYPE_* of the packet's interface
   * @param tsMs capture time, ms since the epoch (fractional part keeps µs/ns resolution)
   * @param capLen bytes captured (`buf[off, off+capLen)`)
   * @param origLen bytes on the wire
   * @param recordNo 1-based packet number in the file
   */
  packet(
    linkType: number,
    tsMs: number,
    buf: Buffer,
    off: number,
    capLen: number,
    origLen: number,
    recordNo: number,
  ): void;
}

/** Largest packet record accepted whatever the header says (Wireshark's own limit is 256 KiB). */
export const MAX_PACKET_BYTES = 256 * 1024;
