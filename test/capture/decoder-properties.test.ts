import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { LINKTYPE } from '../../ingest/decode/numbers.js';
import { Decoded, PacketDecoder } from '../../ingest/decode/packet-decoder.js';

const LINK_TYPES = [...Object.values(LINKTYPE), 147, 65535];

describe('PacketDecoder on arbitrary bytes', () => {
  it('never throws, and every offset it reports stays inside the bytes it was given', () => {
    const d = new PacketDecoder();
    fc.assert(
      fc.property(
        fc.constantFrom(...LINK_TYPES),
        fc.uint8Array({ minLength: 0, maxLength: 300 }),
        fc.nat(64),
        (linkType, bytes, pad) => {
          // The packet sits inside a larger buffer, as it does in a reader's chunk.
          const buf = Buffer.alloc(bytes.length + pad * 2, 0xee);
          buf.set(bytes, pad);
          const r = d.decode(linkType, buf, pad, bytes.length);
          expect([
            Decoded.Ip,
            Decoded.NotIp,
            Decoded.UnknownLink,
            Decoded.Unaddressable,
            Decoded.LinkTruncated,
          ]).toContain(r);
          if (r === Decoded.Ip) {
            expect(d.payloadLen).toBeGreaterThanOrEqual(0);
            if (d.payloadLen > 0) {
              expect(d.payloadOff).toBeGreaterThanOrEqual(pad);
              expect(d.payloadOff + d.payloadLen).toBeLessThanOrEqual(pad + bytes.length);
            }
            if (d.macOff >= 0) expect(d.macOff + 12).toBeLessThanOrEqual(pad + bytes.length);
            expect(d.srcPort).toBeLessThan(65536);
            expect(d.dstPort).toBeLessThan(65536);
          }
        },
      ),
      { numRuns: process.env.CI ? 20_000 : 5_000 },
    );
  });
});
