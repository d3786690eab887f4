import { stat } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { InputError, type ProblemLog } from '../../../model/index.js';
import { type OpenedInput, openInput } from '../../input/open-input.js';
import type { FormatReader, IngestBatch, ReadContext } from '../../reader.js';
import { firstLine, readLineBatches } from '../flow-batch.js';
import { LineSplitter } from '../line-splitter.js';
import type { ZeekLogKind } from './zeek-fields.js';
import { ZeekJsonParser } from './zeek-json-parser.js';
import { DEFAULT_JOIN_MAX_ENTRIES, ZeekSideTable } from './zeek-side-table.js';
import { ZeekTsvParser } from './zeek-tsv-parser.js';

/** Options under `ctx.options.zeek`. */
export interface ZeekReaderOptions {
  /** Join ssl.log/dns.log rows of the same directory into conn.log flows by uid (default true). */
  join?: boolean;
  /** Most uids the join table holds (default 2 000 000). */
  joinMaxEntries?: number;
}

const isTsvHead = (line: string): boolean => line.startsWith('#separator');

function isJsonHead(line: string): boolean {
  if (!line.startsWith('{')) return false;
  return /"(id\.orig_h|uid|_path)"\s*:/.test(line) || /"id"\s*:\s*\{\s*"orig_h"/.test(line);
}

/** conn.log, conn.15-00-00-16-00-00.log.gz, conn.log.labeled… → the log kind named by the file. */
function kindFromName(name: string): ZeekLogKind | undefined {
  const b = basename(name);
  if (/^(conn|conn_long|open_conn)[._]/.test(b)) return 'conn';
  if (/^dns[._]/.test(b)) return 'dns';
  if (/^ssl[._]/.test(b)) return 'ssl';
  return undefined;
}

/**
 * For a conn log, the ssl/dns logs of the same rotation beside it: the same file name with `conn`
 * replaced (conn.log → ssl.log, conn.15-00-00-16-00-00.log.gz → ssl.15-00-00-16-00-00.log.gz).
 */
export async function zeekSiblings(connPath: string): Promise<string[]> {
  const b = basename(connPath);
  const m = /^(conn_long|open_conn|conn)(.*)$/.exec(b);
  if (!m) return [];
  const out: string[] = [];
  for (const k of ['ssl', 'dns']) {
    const p = join(dirname(connPath), `${k}${m[2]}`);
    try {
      if ((await stat(p)).isFile()) out.push(p);
    } catch {
      // absent: nothing to join
    }
  }
  return out;
}

/** Reads sibling ssl/dns logs into a side table (their problems are reported in the same log). */
export async function loadZeekSideTable(
  paths: readonly string[],
  problems: ProblemLog,
  maxEntries = DEFAULT_JOIN_MAX_ENTRIES,
): Promise<ZeekSideTable> {
  const table = new ZeekSideTable(maxEntries);
  for (const p of paths) {
    let input: OpenedInput;
    try {
      input = await openInput(p);
    } catch {
      problems.add('zeek-join-unreadable', 'sibling log could not be opened; not joined', { file: p });
      continue;
    }
    const head = firstLine(input.head);
    const parser = isJsonHead(head)
      ? new ZeekJsonParser(p, problems, 'collect', table, kindFromName(p))
      : new ZeekTsvParser(p, problems, 'collect', table);
    const splitter = new LineSplitter();
    try {
      for await (const chunk of input.stream) splitter.push(chunk, parser.onLine);
      splitter.end(parser.onLine);
    } catch (err) {
      problems.add('zeek-join-unreadable', `sibling log broke off: ${(err as Error).message}`, { file: p });
    }
  }
  if (table.dropped > 0) {
    problems.add(
      'zeek-join-table-full',
      `${table.dropped} ssl/dns rows not joined: more than ${maxEntries} uids in one directory`,
      { file: paths[0] },
    );
  }
  return table;
}

export const zeekReader: FormatReader = {
  format: 'zeek',
  description:
    'Zeek conn.log (TSV or JSON); dns.log → passive DNS; ssl.log/dns.log beside conn.log → SNI and DNS by uid',
  detect(head: Buffer): boolean {
    const line = firstLine(head);
    return isTsvHead(line) || isJsonHead(line);
  },
  async *read(input: OpenedInput, ctx: ReadContext): AsyncGenerator<IngestBatch> {
    const opts = (ctx.options.zeek ?? {}) as ZeekReaderOptions;
    const line = firstLine(input.head);
    const json = isJsonHead(line);
    if (!json && !isTsvHead(line)) {
      throw new InputError(
        'CW_ERR_INPUT_MALFORMED',
        `${input.name}: not a Zeek log (no #separator header and not Zeek JSON)`,
        { file: input.name, line: 1 },
      );
    }
    const nameKind = kindFromName(input.name);
    let side: ZeekSideTable | undefined;
    if (opts.join !== false && input.name !== '-' && nameKind === 'conn') {
      const siblings = await zeekSiblings(input.name);
      if (siblings.length > 0) {
        side = await loadZeekSideTable(siblings, ctx.stats.problems, opts.joinMaxEntries);
      }
    }
    const onRecord = (): void => {
      ctx.stats.records++;
    };
    const parser = json
      ? new ZeekJsonParser(input.name, ctx.stats.problems, 'emit', side, nameKind, onRecord)
      : new ZeekTsvParser(input.name, ctx.stats.problems, 'emit', side, onRecord);
    yield* readLineBatches(input, ctx, parser);
    // Rows that are fine but carry no flows (ssl.log joins conn.log; http/quic/… logs are not
    // flows) are counted here, not as problems.
    const c = ctx.stats.counters;
    const k = parser.rowsByKind;
    c.zeekConnRows = (c.zeekConnRows ?? 0) + k.conn;
    c.zeekDnsRows = (c.zeekDnsRows ?? 0) + k.dns;
    c.zeekRowsWithoutFlows = (c.zeekRowsWithoutFlows ?? 0) + k.ssl + k.other;
    c.zeekJoinedFlows = (c.zeekJoinedFlows ?? 0) + parser.joined;
  },
};
