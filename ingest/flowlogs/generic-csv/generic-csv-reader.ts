import { existsSync, readFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { ConfigError, type Flow, newFlow } from '../../../model/index.js';
import type { OpenedInput } from '../../input/open-input.js';
import { type FormatReader, type IngestBatch, READER_BATCH_FLOWS, type ReadContext } from '../../reader.js';
import { parseTimeText } from '../byte-parse.js';
import { finishBatch, newBatch } from '../flow-batch.js';
import { ipFromText, macFromText } from '../ip-text.js';
import { parseTcpFlagText, protoNumber } from '../protocol-names.js';

/**
 * A CSV export of a device camwatch has no reader for (a firewall's traffic log, say), read through
 * a column mapping written in YAML. The example in ingest/flowlogs/README.md maps a firewall traffic export;
 * the mapping is found in `options['generic-csv'].mapping` (a path), or beside the CSV as
 * `<file>.camwatch.yaml` or `camwatch-csv.yaml` in the same directory — so a mapping dropped next to
 * a nightly export makes `camwatch flows export.csv` work with no flag.
 *
 * Rows go through csv-parse (quotes, embedded separators): this is not a hot format.
 */

/** Flow fields a mapping may fill, and how a cell becomes a value. */
const FIELD_KINDS = {
  start: 'time',
  end: 'time',
  proto: 'proto',
  vlan: 'uint',
  origIp: 'ip',
  origPort: 'uint',
  respIp: 'ip',
  respPort: 'uint',
  origMac: 'mac',
  respMac: 'mac',
  origPackets: 'uint',
  origBytes: 'uint',
  respPackets: 'uint',
  respBytes: 'uint',
  tcpFlags: 'flags',
  state: 'string',
  communityId: 'string',
  dnsQuery: 'string',
  tlsSni: 'string',
  httpHost: 'string',
} as const;
type MappedField = keyof typeof FIELD_KINDS;

export interface CsvMapping {
  /** Written into `sourceFormat` (default `csv`). */
  sourceFormat: string;
  delimiter: string;
  /** First row names the columns (default true); without, columns are named 1, 2, 3… */
  header: boolean;
  /** Lines to skip before the header/first record (banners). */
  skipLines: number;
  /** Offset applied to times written without a zone, e.g. `+02:00` (default UTC). */
  timezone: string;
  /** Flow field → column name (or several, joined with a space: `[date, time]`). */
  columns: Partial<Record<MappedField | 'durationSeconds', string | string[]>>;
  /** Per field, cell text → value (e.g. `proto: {tcp: 6}`), checked before the default parsing. */
  values: Partial<Record<MappedField, Record<string, string | number>>>;
  /** Keep only rows whose column matches (e.g. `{action: [accept, close]}`). */
  keepIf: Record<string, string[]>;
}

const TOP_KEYS = new Set([
  'sourceFormat',
  'delimiter',
  'header',
  'skipLines',
  'timezone',
  'columns',
  'values',
  'keepIf',
]);

/** Validates a parsed YAML mapping; throws ConfigError naming the file and the key. */
export function compileCsvMapping(raw: unknown, file: string): CsvMapping {
  const fail = (msg: string): never => {
    throw new ConfigError(`${file}: ${msg}`);
  };
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw))
    fail('a CSV mapping must be a YAML mapping');
  const r = raw as Record<string, unknown>;
  for (const k of Object.keys(r))
    if (!TOP_KEYS.has(k)) fail(`unknown key '${k}' (known: ${[...TOP_KEYS].join(', ')})`);
  const columns = (r.columns ?? {}) as Record<string, unknown>;
  if (typeof columns !== 'object' || Array.isArray(columns))
    fail('columns must map Flow fields to column names');
  for (const [k, v] of Object.entries(columns)) {
    if (!(k in FIELD_KINDS) && k !== 'durationSeconds') {
      fail(
        `columns.${k}: not a field a CSV can fill (known: ${Object.keys(FIELD_KINDS).join(', ')}, durationSeconds)`,
      );
    }
    const ok =
      typeof v === 'string' || (Array.isArray(v) && v.length > 0 && v.every((x) => typeof x === 'string'));
    if (!ok) fail(`columns.${k}: expected a column name or a list of names`);
  }
  for (const need of ['start', 'origIp', 'respIp'] as const) {
    if (!(need in columns)) fail(`columns.${need} is required`);
  }
  const tz = String(r.timezone ?? 'UTC');
  if (tz !== 'UTC' && !/^[+-]\d\d:\d\d$/.test(tz))
    fail(`timezone '${tz}': expected UTC or an offset like +02:00`);
  const delimiter = String(r.delimiter ?? ',');
  if (delimiter.length !== 1) fail(`delimiter '${delimiter}': expected one character`);
  const keepIf = (r.keepIf ?? {}) as Record<string, unknown>;
  for (const [k, v] of Object.entries(keepIf)) {
    if (!Array.isArray(v)) fail(`keepIf.${k}: expected a list of values`);
  }
  return {
    sourceFormat: String(r.sourceFormat ?? 'csv'),
    delimiter,
    header: r.header === undefined ? true : r.header === true,
    skipLines: Number(r.skipLines ?? 0),
    timezone: tz,
    columns: columns as CsvMapping['columns'],
    values: (r.values ?? {}) as CsvMapping['values'],
    keepIf: Object.fromEntries(Object.entries(keepIf).map(([k, v]) => [k, (v as unknown[]).map(String)])),
  };
}

/** Loads and checks a mapping file. YAML's parser loads on first use: most runs read no CSV. */
export async function loadCsvMapping(path: string): Promise<CsvMapping> {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (cause) {
    throw new ConfigError(`${path}: cannot read the CSV mapping (${(cause as Error).message})`, { cause });
  }
  const { parse: parseYaml } = await import('yaml');
  let raw: unknown;
  try {
    raw = parseYaml(text);
  } catch (cause) {
    throw new ConfigError(`${path}: not valid YAML (${(cause as Error).message})`, { cause });
  }
  return compileCsvMapping(raw, path);
}

/** The mapping file for a CSV input, when one is configured or sits beside it. */
export function findCsvMapping(inputName: string, configured?: string): string | undefined {
  if (configured) return configured;
  if (inputName === '-') return undefined;
  for (const p of [`${inputName}.camwatch.yaml`, join(dirname(inputName), 'camwatch-csv.yaml')]) {
    if (existsSync(p)) return p;
  }
  return undefined;
}

type Row = Record<string, string>;

function makeRowMapper(m: CsvMapping, file: string) {
  const cols = Object.entries(m.columns).map(
    ([field, c]) => [field, Array.isArray(c) ? c : [c as string]] as [string, string[]],
  );
  const cell = (row: Row, names: string[]): string | undefined => {
    const parts: string[] = [];
    for (const n of names) {
      const v = row[n];
      if (v === undefined) return undefined;
      parts.push(v.trim());
    }
    const t = parts.join(' ').trim();
    return t === '' || t === '-' ? undefined : t;
  };
  const zoned = (t: string): string =>
    m.timezone === 'UTC' || /(Z|[+-]\d\d:?\d\d)$/.test(t) ? t : `${t}${m.timezone}`;
  return (row: Row, lineNo: number): Flow | string => {
    const f = newFlow(m.sourceFormat, file, lineNo);
    const rec = f as unknown as Record<string, unknown>;
    let duration = Number.NaN;
    for (const [field, names] of cols) {
      const text = cell(row, names);
      if (text === undefined) continue;
      const mapped =
        m.values[field as MappedField]?.[text] ?? m.values[field as MappedField]?.[text.toLowerCase()];
      if (field === 'durationSeconds') {
        duration = Number(text);
        continue;
      }
      const kind = FIELD_KINDS[field as MappedField];
      let v: unknown;
      if (mapped !== undefined) v = typeof mapped === 'number' ? mapped : mapped;
      else if (kind === 'time') {
        const iso = text.replace(/^(\d{4})\/(\d\d)\/(\d\d)/, '$1-$2-$3');
        v = parseTimeText(zoned(iso));
        if (Number.isNaN(v)) return `${field}: '${text}' is not a time`;
      } else if (kind === 'ip') {
        v = ipFromText(text);
        if (v === undefined) return `${field}: '${text}' is not an address`;
      } else if (kind === 'uint') {
        v = /^\d+$/.test(text) ? Number(text) : undefined;
        if (v === undefined) return `${field}: '${text}' is not a count`;
      } else if (kind === 'proto') {
        v = protoNumber(text);
        if (v === -1) return `${field}: '${text}' is not a protocol`;
      } else if (kind === 'mac') v = macFromText(text);
      else if (kind === 'flags') {
        const fl = parseTcpFlagText(text);
        v = fl >= 0 ? fl : undefined;
      } else v = text;
      if (kind === 'proto' && typeof v === 'string') v = protoNumber(v);
      rec[field] = v;
    }
    if (!(f.start > 0) && f.start !== 0) return 'start missing';
    if (f.origIp === '' || f.respIp === '') return 'origIp/respIp missing';
    if (Number.isFinite(duration) && duration >= 0 && !('end' in m.columns))
      f.end = f.start + duration * 1000;
    if (!(f.end >= f.start)) f.end = f.start;
    if (f.proto === 1 || f.proto === 58) {
      f.origPort = ((f.origPort & 0xff) << 8) | (f.respPort & 0xff);
      f.respPort = 0;
    }
    return f;
  };
}

export const genericCsvReader: FormatReader = {
  format: 'csv',
  description: 'any CSV export, through a YAML column mapping (beside the file or configured)',
  detect(head: Buffer, name: string): boolean {
    if (head.length === 0 || head.includes(0)) return false;
    return findCsvMapping(name) !== undefined && /\.(csv|txt|log)(\.gz)?$/i.test(basename(name));
  },
  async *read(input: OpenedInput, ctx: ReadContext): AsyncGenerator<IngestBatch> {
    const opts = (ctx.options['generic-csv'] ?? ctx.options.csv ?? {}) as { mapping?: string };
    const path = findCsvMapping(input.name, opts.mapping);
    if (!path) {
      throw new ConfigError(
        `${input.name}: a generic CSV needs a column mapping: put one beside it as ${basename(input.name)}.camwatch.yaml or camwatch-csv.yaml (see ingest/flowlogs/README.md)`,
      );
    }
    const m = await loadCsvMapping(path);
    const map = makeRowMapper(m, input.name);
    const { parse: parseCsv } = await import('csv-parse');
    const parser = parseCsv({
      delimiter: m.delimiter,
      columns: m.header ? (names: string[]) => names.map((n) => n.trim()) : false,
      from_line: m.skipLines + 1,
      relax_column_count: true,
      relax_quotes: true,
      skip_empty_lines: true,
      bom: true,
      info: true,
    });
    let batch = newBatch();
    const problems = ctx.stats.problems;
    let failure: unknown;
    const feed = (async () => {
      try {
        for await (const chunk of input.stream) {
          ctx.stats.bytes += chunk.length;
          if (parser.destroyed) break;
          if (!parser.write(chunk)) {
            await new Promise<void>((r) => {
              parser.once('drain', () => r());
              parser.once('close', () => r());
            });
          }
        }
        parser.end();
      } catch (err) {
        failure = err;
        parser.end();
      }
    })();
    try {
      for await (const item of parser as AsyncIterable<{ record: Row | string[]; info: { lines: number } }>) {
        ctx.stats.records++;
        const row: Row = Array.isArray(item.record)
          ? Object.fromEntries(item.record.map((v, i) => [String(i + 1), v]))
          : item.record;
        const lineNo = item.info.lines;
        let keep = true;
        for (const [col, allowed] of Object.entries(m.keepIf)) {
          if (!allowed.includes(String(row[col] ?? '').trim())) keep = false;
        }
        if (!keep) {
          // Dropped on purpose by the mapping: counted, not a problem.
          ctx.stats.counters.csvFilteredRows = (ctx.stats.counters.csvFilteredRows ?? 0) + 1;
          continue;
        }
        const f = map(row, lineNo);
        if (typeof f === 'string') {
          problems.add('csv-bad-value', f, { file: input.name, line: lineNo });
          continue;
        }
        batch.flows.push(f);
        if (batch.flows.length >= READER_BATCH_FLOWS) {
          yield finishBatch(batch, ctx);
          batch = newBatch();
        }
      }
    } catch (err) {
      // csv-parse stops at a broken quote; what came before is kept.
      problems.add('csv-malformed', (err as Error).message, { file: input.name });
      parser.destroy();
    }
    await feed;
    if (batch.flows.length > 0) yield finishBatch(batch, ctx);
    if (failure) throw failure;
  },
};
