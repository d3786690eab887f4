import { createHash, randomUUID } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { resolve, sep } from 'node:path';
import { PassThrough, type Readable } from 'node:stream';
import {
  CamwatchError,
  type DnsName,
  type Flow,
  InputError,
  ProblemLog,
  type ProblemSummary,
  StoreError,
} from '../../model/index.js';
import {
  FlowWriter,
  failIngest,
  type IngestRecord,
  ingestStoreError,
  listIngests,
  type Store,
  saveIngest,
  writeDnsNames,
} from '../../store/index.js';
import { chooseReader } from '../formats.js';
import { type OpenedInput, openInput } from '../input/open-input.js';
import { expandInputs } from '../read-inputs.js';
import { newReadStats, type ReadContext } from '../reader.js';

export interface IngestOptions {
  store: Store;
  /** Read every input as this format instead of detecting it. */
  format?: string | undefined;
  /** Ingest again a file already ingested (same SHA-256), replacing its rows. */
  force?: boolean | undefined;
  /** Per-flow hook run before a flow is written (enrichment, composed by the caller). */
  enrich?: ((flow: Flow) => void) | undefined;
  /** Rows gathered before an insert starts (ClickHouse's guidance: 10k–100k per insert). */
  batchRows?: number | undefined;
  /** Per-format reader options, e.g. `{ pcap: {...} }`; `'*'` applies to all. */
  readerOptions?: Record<string, Record<string, unknown>> | undefined;
  onProgress?: ((p: IngestProgress) => void) | undefined;
  /** Standard input for `-` (tests pass their own stream). */
  stdin?: Readable | undefined;
}

export interface IngestProgress {
  file: string;
  /** 0-based position of this input among the expanded inputs, and their count. */
  index: number;
  count: number;
  /** Compressed bytes read and the file size (undefined for stdin). */
  bytesRead: number;
  sizeBytes: number | undefined;
  records: number;
  flows: number;
}

/** What happened to one input. */
export interface IngestResult {
  /** Ledger id (the existing ingest's id when skipped; '' when the input never started). */
  id: string;
  file: string;
  sha256: string;
  format: string;
  /** complete: stored; skipped: same SHA-256 already complete; failed: nothing kept. */
  status: 'complete' | 'skipped' | 'failed';
  records: number;
  flows: number;
  names: number;
  rejected: number;
  bytes: number;
  seconds: number;
  /** Whole-file failure (a `complete` ingest may carry one: what came before it was kept). */
  error: string | undefined;
  problems: ProblemSummary[];
}

const NAME_BATCH = 10_000;

/** SHA-256 of a file in one streaming pass (measured: ~1 GB/s here, a few % of an ingest). */
export async function sha256File(path: string): Promise<string> {
  const h = createHash('sha256');
  for await (const chunk of createReadStream(path, { highWaterMark: 1 << 20 })) h.update(chunk as Buffer);
  return h.digest('hex');
}

/**
 * Ingests inputs (files, directories, `-`) into the store, one ledger entry each:
 * hash → skip if already complete (unless force: then the old rows are deleted and the old entry
 * marked failed) → `running` entry → read, enrich, write in batches with `ingest_id` on every row
 * → `complete` only after the last batch is acknowledged. A bad input (not found, unknown format)
 * is reported and the next input goes on; a whole-file failure mid-way keeps what came before it
 * (complete, with the error noted). A store failure marks the ingest failed, removes its rows
 * (best effort: start-up recovery finishes the job) and stops the run with an error naming it.
 */
export async function runIngest(inputs: readonly string[], opts: IngestOptions): Promise<IngestResult[]> {
  // The embedded store's own files are never inputs (`camwatch ingest .` with ./camwatch-data).
  const own = opts.store.dataDir;
  const names = (await expandInputs([...inputs])).filter(
    (n) => own === undefined || n === '-' || !`${resolve(n)}${sep}`.startsWith(`${own}${sep}`),
  );
  const results: IngestResult[] = [];
  for (let i = 0; i < names.length; i++) results.push(await ingestOne(names[i], i, names.length, opts));
  return results;
}

async function ingestOne(
  file: string,
  index: number,
  count: number,
  opts: IngestOptions,
): Promise<IngestResult> {
  const { store } = opts;
  const t0 = performance.now();
  const stats = newReadStats(new ProblemLog());
  const result = (
    r: Partial<IngestResult> & Pick<IngestResult, 'status' | 'id' | 'sha256' | 'format'>,
  ): IngestResult => ({
    file,
    records: stats.records,
    flows: 0,
    names: 0,
    rejected: stats.problems.total,
    bytes: stats.bytes,
    seconds: (performance.now() - t0) / 1000,
    error: undefined,
    problems: stats.problems.summaries(),
    ...r,
  });

  // 1. Identify the input by its bytes. Files: a first pass, so a repeat is skipped unread.
  //    Standard input cannot be read twice: it is hashed on the way through and checked at the end.
  const isStdin = file === '-';
  let sha256 = '';
  let stdinHash: ReturnType<typeof createHash> | undefined;
  let stdin: Readable | undefined;
  try {
    if (isStdin) {
      stdinHash = createHash('sha256');
      const h = stdinHash;
      const tee = new PassThrough({ highWaterMark: 1 << 20 });
      const src = opts.stdin ?? process.stdin;
      src.on('data', (c: Buffer) => h.update(c));
      src.pipe(tee);
      stdin = tee;
    } else {
      sha256 = await sha256File(file);
    }
  } catch (cause) {
    const e = new InputError('CW_ERR_INPUT_NOT_FOUND', `${file}: cannot read (${(cause as Error).message})`, {
      file,
      cause,
    });
    return result({ id: '', sha256, format: '', status: 'failed', error: e.message });
  }
  if (!isStdin) {
    const done = await listIngests(store, { sha256, status: 'complete' });
    if (done.length > 0 && !opts.force) {
      const d = done[done.length - 1];
      return result({
        id: d.id,
        sha256,
        format: d.format,
        status: 'skipped',
        records: d.records,
        flows: d.flows,
        names: d.names,
        rejected: d.rejected,
        bytes: d.bytes,
        error: undefined,
      });
    }
  }

  // 2. Open and choose a reader; failures here leave no ledger entry (nothing was written).
  let input: OpenedInput;
  let format: string;
  let reader: ReturnType<typeof chooseReader>;
  try {
    input = await openInput(file, stdin);
    reader = chooseReader(input, opts.format);
    format = reader.format;
  } catch (e) {
    if (!(e instanceof CamwatchError)) throw e;
    return result({ id: '', sha256, format: opts.format ?? '', status: 'failed', error: e.message });
  }

  // 3. Replace an earlier complete ingest of the same bytes (--force), before writing anything:
  //    if this run dies, the ledger says both are failed and a plain re-run restores the data.
  const id = randomUUID();
  if (!isStdin && opts.force) {
    for (const old of await listIngests(store, { sha256, status: 'complete' })) {
      await failIngest(store, old, `replaced by ingest ${id} (--force)`);
    }
  }
  const rec: IngestRecord = {
    id,
    sha256,
    file,
    format,
    status: 'running',
    records: 0,
    flows: 0,
    names: 0,
    rejected: 0,
    bytes: 0,
    startedAt: Date.now(),
    finishedAt: undefined,
    error: undefined,
    owner: store.owner,
  };
  await saveIngest(store, rec);

  // 4. Read, enrich, write.
  const writer = new FlowWriter(store, {
    onReject: (f, reason) => stats.problems.add('unstorable-flow', reason, { file, record: f.sourceRecord }),
    minInsertRows: opts.batchRows,
  });
  let pendingNames: DnsName[] = [];
  let nameCount = 0;
  let inputError: CamwatchError | undefined;
  const ro = opts.readerOptions ?? {};
  const ctx: ReadContext = { stats, options: { ...(ro['*'] ?? {}), ...(ro[format] ?? {}) } };
  const enrich = opts.enrich;
  const progress = (): void =>
    opts.onProgress?.({
      file,
      index,
      count,
      bytesRead: input.rawBytesRead(),
      sizeBytes: input.sizeBytes,
      records: stats.records,
      flows: writer.rowsQueued,
    });
  const flushNames = async (): Promise<void> => {
    if (pendingNames.length === 0) return;
    const n = pendingNames;
    pendingNames = [];
    await writeDnsNames(store, n, id);
    nameCount += n.length;
  };
  try {
    try {
      for await (const batch of reader.read(input, ctx)) {
        for (const f of batch.flows) {
          f.ingestId = id;
          if (enrich) enrich(f);
        }
        // Straight to the writer, which encodes them now: the Flow objects die young.
        await writer.write(batch.flows);
        for (const n of batch.names) pendingNames.push(n);
        if (pendingNames.length >= NAME_BATCH) await flushNames();
        progress();
      }
    } catch (e) {
      // A broken input: keep every complete batch before the failure, note the error.
      if (!(e instanceof InputError)) throw e;
      inputError = e;
    }
    await flushNames();
    await writer.flush();
    progress();

    // Standard input: now that its bytes are known, apply the same repeat rule as for files.
    if (stdinHash) {
      rec.sha256 = stdinHash.digest('hex');
      const done = await listIngests(store, { sha256: rec.sha256, status: 'complete' });
      if (done.length > 0 && !opts.force) {
        const d = done[done.length - 1];
        await failIngest(
          store,
          rec,
          `same bytes as ingest ${d.id}; nothing kept (use --force to replace it)`,
        );
        return result({
          id: d.id,
          sha256: rec.sha256,
          format,
          status: 'skipped',
          flows: d.flows,
          names: d.names,
        });
      }
      for (const old of done) await failIngest(store, old, `replaced by ingest ${id} (--force)`);
    }
    const complete: IngestRecord = {
      ...rec,
      status: 'complete',
      records: stats.records,
      flows: writer.rowsWritten,
      names: nameCount,
      rejected: stats.problems.total,
      bytes: stats.bytes,
      finishedAt: Date.now(),
      error: inputError?.message,
    };
    await saveIngest(store, complete);
    return result({
      id,
      sha256: rec.sha256,
      format,
      status: 'complete',
      flows: complete.flows,
      names: nameCount,
      error: inputError?.message,
    });
  } catch (e) {
    const err = e instanceof StoreError ? ingestStoreError(rec, e) : e;
    try {
      await failIngest(store, rec, (err as Error).message);
    } catch {
      // Its rows could not be deleted: the entry stays `running` (with the error), so start-up
      // recovery deletes them and marks it failed; never `failed` with rows left behind.
      try {
        await saveIngest(store, {
          ...rec,
          error: `${(err as Error).message}; rows are removed at the next start`,
        });
      } catch {
        // the store is unreachable: the entry is still `running`, recovery handles it
      }
    }
    if (e instanceof StoreError || !(e instanceof CamwatchError)) throw err;
    return result({ id, sha256: rec.sha256, format, status: 'failed', error: (err as Error).message });
  }
}
