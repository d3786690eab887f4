import { type Flow, ProblemLog } from '../../../model/index.js';
import type { OpenedInput } from '../../input/open-input.js';
import { type FormatReader, type IngestBatch, READER_BATCH_FLOWS, type ReadContext } from '../../reader.js';
import { finishBatch, newBatch } from '../flow-batch.js';
import { CaptureUdpSource, isPcapHead, isPcapngHead } from './export-capture.js';
import { NetflowDecoder } from './netflow-decoder.js';

/**
 * Readers of NetFlow/IPFIX messages at rest:
 * - `netflow`: an IPFIX file (RFC 5655: IPFIX messages back to back) or one captured UDP payload
 *   of NetFlow v5/v9/IPFIX (`.dat` files as Logstash/Akvorado test data keep them);
 * - `netflow-pcap`: a pcap/pcapng capture of the UDP export stream; each UDP datagram is one
 *   message and its source address is the exporter (template state per exporter and domain).
 * The UDP collector (udp-collector.ts) feeds the same decoder.
 */

/** Largest message accepted in a file: IPFIX messages are at most 65 535 bytes long. */
const MAX_MESSAGE = 65_535;

/** A plausible NetFlow/IPFIX message header at `buf[off]` with `avail` bytes present. */
export function looksLikeNetflow(buf: Buffer, off: number, avail: number): boolean {
  if (avail < 20) return false;
  const v = buf.readUInt16BE(off);
  if (v === 10) {
    const len = buf.readUInt16BE(off + 2);
    if (len < 20 || len > avail) return false;
    const setId = buf.readUInt16BE(off + 16);
    const setLen = buf.readUInt16BE(off + 18);
    return (setId === 2 || setId === 3 || setId >= 256) && setLen >= 4 && setLen <= len - 16;
  }
  if (v === 9) {
    const count = buf.readUInt16BE(off + 2);
    if (avail < 24 || count > 1024) return false;
    const setId = buf.readUInt16BE(off + 20);
    const setLen = buf.readUInt16BE(off + 22);
    return (setId === 0 || setId === 1 || setId >= 256) && setLen >= 4 && setLen <= avail - 20;
  }
  if (v === 5) {
    const count = buf.readUInt16BE(off + 2);
    return count >= 1 && count <= 30 && 24 + count * 48 <= avail;
  }
  return false;
}

/** The decoder's counts into the reader's counters (messages, templates, option records…). */
function addDecoderCounts(decoder: NetflowDecoder, ctx: ReadContext): void {
  const c = ctx.stats.counters;
  const d = decoder.counts;
  c.netflowMessages = (c.netflowMessages ?? 0) + d.messages;
  c.netflowTemplates = (c.netflowTemplates ?? 0) + d.templates;
  c.netflowOptionRecords = (c.netflowOptionRecords ?? 0) + d.optionRecords;
  c.netflowDataSetsWithoutTemplate = (c.netflowDataSetsWithoutTemplate ?? 0) + d.dataSetsWithoutTemplate;
}

function takeFlows(batch: IngestBatch, ctx: ReadContext): IngestBatch {
  return finishBatch(batch, ctx);
}

export const netflowFileReader: FormatReader = {
  format: 'netflow',
  description: 'IPFIX file (RFC 5655) or a captured NetFlow v5/v9/IPFIX UDP payload',
  detect: (head) => looksLikeNetflow(head, 0, head.length),
  async *read(input: OpenedInput, ctx: ReadContext): AsyncGenerator<IngestBatch> {
    const decoder = new NetflowDecoder(ctx.stats.problems);
    let batch = newBatch();
    // Messages are cut by their own length (IPFIX, v5); a v9 datagram has none, so a v9 input is
    // one datagram: the rest of the buffer.
    let carry = Buffer.alloc(0);
    let base = 0;
    let record = 0;
    const drain = (buf: Buffer, final: boolean): number => {
      let p = 0;
      while (p + 4 <= buf.length) {
        const version = buf.readUInt16BE(p);
        let need: number;
        if (version === 10) need = buf.readUInt16BE(p + 2);
        else if (version === 5) need = 24 + buf.readUInt16BE(p + 2) * 48;
        else if (version === 9) {
          // No length field: the datagram is the rest of the input, known only at its end.
          if (!final) break;
          need = buf.length - p;
        } else need = -1;
        if (need < 0 || need < 16 || need > MAX_MESSAGE + 24 * 48) {
          ctx.stats.problems.add(
            'netflow-bad-message',
            `no NetFlow/IPFIX message header here (version ${version}, length ${need}); rest of the file skipped`,
            { file: input.name, offset: base + p },
          );
          return buf.length;
        }
        if (p + need > buf.length) break;
        record++;
        ctx.stats.records++;
        const used = decoder.decode(
          buf,
          p,
          need,
          { exporter: input.name, file: input.name, record, offset: base + p },
          batch.flows,
        );
        if (used < 0) return buf.length;
        p += need;
      }
      return p;
    };
    for await (const chunk of input.stream) {
      ctx.stats.bytes += chunk.length;
      const buf = carry.length ? Buffer.concat([carry, chunk]) : chunk;
      const used = drain(buf, false);
      base += used;
      carry = Buffer.from(buf.subarray(used));
      if (carry.length > 16 * MAX_MESSAGE) {
        // Only a v9 datagram waits for the end; a file this big is not one.
        const used2 = drain(carry, true);
        base += used2;
        carry = Buffer.from(carry.subarray(used2));
      }
      if (batch.flows.length >= READER_BATCH_FLOWS) {
        yield takeFlows(batch, ctx);
        batch = newBatch();
      }
    }
    if (carry.length > 0) {
      const used = drain(carry, true);
      if (used < carry.length) {
        ctx.stats.problems.add(
          'netflow-truncated',
          `the input ends inside a message (${carry.length - used} bytes)`,
          {
            file: input.name,
            offset: base + used,
          },
        );
      }
    }
    addDecoderCounts(decoder, ctx);
    if (batch.flows.length > 0) yield takeFlows(batch, ctx);
  },
};

/**
 * Detection: a pcap/pcapng whose first UDP datagrams (in the 64 KiB head) all look like NetFlow or
 * IPFIX messages and which holds nothing but UDP — a capture of an export stream, not of a camera
 * network.
 */
function headIsExportCapture(head: Buffer): boolean {
  if (!isPcapHead(head) && !isPcapngHead(head)) return false;
  const src = new CaptureUdpSource('head', new ProblemLog());
  try {
    src.push(head);
  } catch {
    return false;
  }
  const got = src.take().slice(0, 16);
  return (
    got.length > 0 &&
    src.counts.notUdp === 0 &&
    got.every((d) => looksLikeNetflow(d.payload, 0, d.payload.length))
  );
}

export const netflowPcapReader: FormatReader = {
  format: 'netflow-pcap',
  description: 'pcap/pcapng of a NetFlow v5/v9/IPFIX UDP export stream',
  detect: headIsExportCapture,
  async *read(input: OpenedInput, ctx: ReadContext): AsyncGenerator<IngestBatch> {
    const decoder = new NetflowDecoder(ctx.stats.problems);
    let batch = newBatch();
    const src = new CaptureUdpSource(input.name, ctx.stats.problems);
    for await (const chunk of input.stream) {
      ctx.stats.bytes += chunk.length;
      src.push(chunk);
      for (const d of src.take()) {
        decodeDatagram(decoder, d.payload, d.exporter, input.name, d.packet, batch.flows);
      }
      if (batch.flows.length >= READER_BATCH_FLOWS) {
        yield takeFlows(batch, ctx);
        batch = newBatch();
      }
    }
    src.end();
    ctx.stats.records = src.counts.packets;
    const c = src.counts;
    if (c.notUdp + c.unknownLink > 0) {
      ctx.stats.problems.add(
        'netflow-not-udp',
        `${c.notUdp + c.unknownLink} packets are not UDP/IP and carry no export`,
        {
          file: input.name,
        },
      );
    }
    if (c.fragments > 0) {
      ctx.stats.problems.add('netflow-ip-fragment', `${c.fragments} IP fragments not reassembled; skipped`, {
        file: input.name,
      });
    }
    addDecoderCounts(decoder, ctx);
    if (batch.flows.length > 0) yield takeFlows(batch, ctx);
  },
};

/**
 * One UDP datagram → flows. An IPFIX datagram may hold several messages (RFC 7011 §10.3.3 allows
 * one per datagram, but some exporters pack more); v5/v9 hold one.
 */
export function decodeDatagram(
  decoder: NetflowDecoder,
  payload: Buffer,
  exporter: string,
  file: string,
  packet: number,
  out: Flow[],
): void {
  let p = 0;
  while (p + 4 <= payload.length) {
    const used = decoder.decode(
      payload,
      p,
      payload.length - p,
      { exporter, file, record: packet, offset: -1 },
      out,
    );
    if (used <= 0) return;
    p += used;
    if (payload.readUInt16BE(0) !== 10) return;
  }
}
