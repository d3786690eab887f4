/**
 * Where a capture reader hands each packet. The packet bytes are a view into the reader's chunk or
 * carry buffer, valid only during the call: copy what outlives it.
 */
export interface PacketSink {
  /**
   * The packet's capture time in ms since the epoch (the fraction keeps µs/ns), written by the
   * reader into slot 0 just before each `packet` call. A double passed as an argument to a call that
   * V8 does not inline is boxed in a fresh HeapNumber: per packet that was one allocation and a tenth
   * of the run time in the garbage collector; a typed-array slot is stored unboxed.
   */
  readonly time: Float64Array;
  /**
   * @param linkType LINKTYPE_* of the packet's interface
   * @param capLen bytes captured (`buf[off, off+capLen)`)
   * @param origLen bytes on the wire
   * @param recordNo 1-based packet number in the file
   */
  packet(linkType: number, buf: Buffer, off: number, capLen: number, origLen: number, recordNo: number): void;
}

/** Largest packet record accepted whatever the header says (Wireshark's own limit is 256 KiB). */
export const MAX_PACKET_BYTES = 256 * 1024;
