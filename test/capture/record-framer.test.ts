import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { NEED_MORE, type RecordFormat, RecordFramer } from '../../ingest/capture/record-framer.js';

/** Records of a 4-byte little-endian total length, then that many bytes minus 4 of filler. */
class LengthPrefixed implements RecordFormat {
  readonly headerBytes = 4;
  readonly seen: { offset: number; len: number; first: number }[] = [];
  measure(buf: Buffer, off: number, avail: number): number {
    return avail < 4 ? NEED_MORE : buf.readUInt32LE(off);
  }
  record(buf: Buffer, off: number, len: number, fileOffset: number): void {
    this.seen.push({ offset: fileOffset, len, first: buf[off + 4] });
  }
}

function stream(lengths: number[]): Buffer {
  const parts = lengths.map((len, i) => {
    const b = Buffer.alloc(len, i & 0xff);
    b.writeUInt32LE(len, 0);
    return b;
  });
  return Buffer.concat(parts);
}

describe('RecordFramer', () => {
  it('hands over every record once, at its offset, however the stream is cut (offsets past 2^32 too)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 5, max: 3000 }), { minLength: 1, maxLength: 40 }),
        fc.array(fc.integer({ min: 1, max: 4096 }), { minLength: 1, maxLength: 20 }),
        fc.constantFrom(0, 24, 2 ** 31 - 7, 2 ** 32 + 24),
        fc.integer({ min: 0, max: 4 }),
        (lengths, cuts, start, cutShort) => {
          const whole = stream(lengths);
          // the last record may be cut short: it must stay pending, not be handed over
          const bytes = whole.subarray(0, whole.length - Math.min(cutShort, lengths[lengths.length - 1]));
          const fmt = new LengthPrefixed();
          const framer = new RecordFramer(fmt, start);
          let pos = 0;
          for (let i = 0; pos < bytes.length; i++) {
            const n = cuts[i % cuts.length];
            // a copy: the framer may only keep bytes it copied itself
            framer.push(Buffer.from(bytes.subarray(pos, pos + n)));
            pos += n;
          }
          const complete = cutShort > 0 ? lengths.length - 1 : lengths.length;
          let offset = start;
          const expected = lengths.slice(0, complete).map((len, i) => {
            const r = { offset, len, first: i & 0xff };
            offset += len;
            return r;
          });
          expect(fmt.seen).toEqual(expected);
          expect(framer.position).toBe(offset);
          expect(framer.pending).toBe(bytes.length - (offset - start));
        },
      ),
      { numRuns: 300 },
    );
  });
});
