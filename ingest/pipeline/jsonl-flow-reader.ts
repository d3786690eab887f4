import { FLOW_FIELDS, type Flow, type FlowField, newFlow } from '../../model/index.js';
import type { OpenedInput } from '../input/open-input.js';
import { type FormatReader, type IngestBatch, READER_BATCH_FLOWS, type ReadContext } from '../reader.js';

const BY_NAME = new Map<string, FlowField>(FLOW_FIELDS.map((f) => [f.name, f]));
const REQUIRED = FLOW_FIELDS.filter((f) => f.required);

/** A jsonl value back to the in-memory value of its field; undefined when it does not fit. */
function fieldValue(f: FlowField, v: unknown): unknown {
  switch (f.kind) {
    case 'timeMs': {
      const ms = typeof v === 'string' ? Date.parse(v) : typeof v === 'number' ? v : Number.NaN;
      return Number.isFinite(ms) ? ms : undefined;
    }
    case 'uint':
      return typeof v === 'number' && Number.isInteger(v) && v >= 0 ? v : undefined;
    case 'strings':
      return Array.isArray(v) && v.every((s) => typeof s === 'string') ? v : undefined;
    default:
      return typeof v === 'string' ? v : undefined;
  }
}

/**
 * One line to a Flow, or the reason it is not one. Keys follow the field table (the public jsonl
 * contract); unknown keys are ignored so newer files still load.
 */
export function jsonToFlow(obj: unknown): Flow | string {
  if (obj === null || typeof obj !== 'object' || Array.isArray(obj)) return 'not a JSON object';
  const input = obj as Record<string, unknown>;
  for (const f of REQUIRED)
    if (input[f.name] === undefined || input[f.name] === null) return `missing ${f.name}`;
  // Every field set on a newFlow: the flow gets the one hidden class every reader's flows have.
  const out = newFlow('') as unknown as Record<string, unknown>;
  for (const [k, v] of Object.entries(input)) {
    const f = BY_NAME.get(k);
    if (!f || v === null || v === undefined) continue;
    const value = fieldValue(f, v);
    if (value === undefined) return `bad value for ${k}`;
    out[k] = value;
  }
  return out as Flow;
}

function firstLine(head: Buffer): string {
  const nl = head.indexOf(10);
  return head.subarray(0, nl < 0 ? head.length : nl).toString('utf8');
}

/**
 * Flow records as `camwatch flows --format jsonl` writes them, read back (exports moved between
 * stores, flows built elsewhere). Detected by a first line that is a JSON object with the required
 * Flow keys.
 */
export const jsonlFlowReader: FormatReader = {
  format: 'jsonl',
  description: 'camwatch Flow records, one JSON object a line (camwatch flows --format jsonl)',
  detect(head: Buffer): boolean {
    if (head[0] !== 0x7b) return false;
    try {
      return typeof jsonToFlow(JSON.parse(firstLine(head))) === 'object';
    } catch {
      return false;
    }
  },
  async *read(input: OpenedInput, ctx: ReadContext): AsyncIterable<IngestBatch> {
    const { stats } = ctx;
    let rest: Buffer = Buffer.alloc(0);
    let line = 0;
    let flows: Flow[] = [];
    const take = (text: Buffer): void => {
      line++;
      stats.records++;
      if (text.length === 0 || (text.length === 1 && text[0] === 13)) return;
      let obj: unknown;
      try {
        obj = JSON.parse(text.toString('utf8'));
      } catch (e) {
        stats.problems.add('bad-json', (e as Error).message, { file: input.name, line });
        return;
      }
      const f = jsonToFlow(obj);
      if (typeof f === 'string') {
        stats.problems.add('bad-flow', f, { file: input.name, line });
        return;
      }
      if (f.sourceRecord === undefined) f.sourceRecord = line;
      flows.push(f);
    };
    for await (const chunk of input.stream) {
      stats.bytes += chunk.length;
      const buf = rest.length ? Buffer.concat([rest, chunk]) : chunk;
      let at = 0;
      for (let nl = buf.indexOf(10, at); nl >= 0; nl = buf.indexOf(10, at)) {
        take(buf.subarray(at, nl));
        at = nl + 1;
      }
      rest = Buffer.from(buf.subarray(at));
      if (flows.length >= READER_BATCH_FLOWS) {
        stats.flows += flows.length;
        yield { flows, names: [] };
        flows = [];
      }
    }
    if (rest.length) take(rest);
    if (flows.length) {
      stats.flows += flows.length;
      yield { flows, names: [] };
    }
  },
};
