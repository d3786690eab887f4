import type { OpenedInput } from '../../input/open-input.js';
import type { FormatReader, IngestBatch, ReadContext } from '../../reader.js';
import { firstLine, readLineBatches } from '../flow-batch.js';
import { readJsonObjectBatches } from '../json-object-stream.js';
import { looksLikeNfdumpCsvHeader, NfdumpCsvParser } from './nfdump-csv-parser.js';
import { NfdumpJsonParser } from './nfdump-json-parser.js';

export const nfdumpCsvReader: FormatReader = {
  format: 'nfdump-csv',
  description: 'nfdump -o csv (1.6 and 1.7 layouts, csv-fast), Summary block checked',
  detect(head: Buffer): boolean {
    return looksLikeNfdumpCsvHeader(firstLine(head));
  },
  async *read(input: OpenedInput, ctx: ReadContext): AsyncGenerator<IngestBatch> {
    const parser = new NfdumpCsvParser(input.name, ctx.stats.problems, () => {
      ctx.stats.records++;
    });
    yield* readLineBatches(input, ctx, parser);
  },
};

/** `[` then `{` then `"type" : "FLOW"` (json), or `{"type":"FLOW"` on the first line (ndjson). */
function looksLikeNfdumpJson(head: Buffer): boolean {
  const text = head.subarray(0, 4096).toString('latin1').replace(/\s+/g, '');
  return /^\[?\{"type":"(FLOW|SAMPLER|EXPORTER)"/.test(text) || /^\[?\{"cnt":\d+,"type":"FLOW"/.test(text);
}

export const nfdumpJsonReader: FormatReader = {
  format: 'nfdump-json',
  description: 'nfdump -o json (array) and -o ndjson',
  detect: looksLikeNfdumpJson,
  async *read(input: OpenedInput, ctx: ReadContext): AsyncGenerator<IngestBatch> {
    const parser = new NfdumpJsonParser(input.name, ctx.stats.problems);
    yield* readJsonObjectBatches(input, ctx, new Set([0, 1]), parser);
    // Exporter/sampler records (type != FLOW) are not flows: counted, not problems.
    ctx.stats.counters.nfdumpNonFlowRecords =
      (ctx.stats.counters.nfdumpNonFlowRecords ?? 0) + parser.notFlows;
  },
};
