import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { CamwatchError, InputError, ProblemLog } from '../model/index.js';
import { chooseReader } from './formats.js';
import { type OpenedInput, openInput } from './input/open-input.js';
import { type IngestBatch, newReadStats, type ReadStats } from './reader.js';

export interface InputResult {
  name: string;
  format: string | undefined;
  stats: ReadStats;
  /** The whole-file failure, when there was one (everything before it was still yielded). */
  error: CamwatchError | undefined;
  seconds: number;
}

export interface ReadInputsOptions {
  /** Force a format instead of detecting it. */
  format?: string;
  /** Per-format reader options, e.g. `{ pcap: {...} }`; `'*'` applies to all. */
  readerOptions?: Record<string, Record<string, unknown>>;
  /** Called once per input when it is done (or failed). */
  onInputDone?: (r: InputResult) => void;
  /** Called as bytes are read, for progress bars: (input name, compressed bytes read, size or undefined). */
  onProgress?: (name: string, bytesRead: number, size: number | undefined) => void;
}

/** Files named, and the files below named directories (recursively, sorted), `-` for stdin. */
export async function expandInputs(names: string[]): Promise<string[]> {
  const out: string[] = [];
  for (const n of names) {
    if (n === '-') {
      out.push(n);
      continue;
    }
    let st: Awaited<ReturnType<typeof stat>> | undefined;
    try {
      st = await stat(n);
    } catch {
      out.push(n); // openInput reports it, naming the file
      continue;
    }
    if (st.isDirectory()) {
      const entries = (await readdir(n, { withFileTypes: true })).sort((a, b) =>
        a.name.localeCompare(b.name),
      );
      out.push(
        ...(await expandInputs(entries.filter((e) => !e.name.startsWith('.')).map((e) => join(n, e.name)))),
      );
    } else {
      out.push(n);
    }
  }
  return out;
}

/**
 * Reads every input in turn with the reader its first bytes call for, yielding batches as they
 * come. A failing input is reported through `onInputDone` (with what was read before the failure
 * already yielded) and the next input is read: one bad file never stops the run.
 */
export async function* readInputs(
  names: string[],
  opts: ReadInputsOptions = {},
): AsyncGenerator<IngestBatch & { input: string }> {
  for (const name of await expandInputs(names)) {
    const t0 = performance.now();
    const stats = newReadStats(new ProblemLog());
    let format: string | undefined;
    let error: CamwatchError | undefined;
    let input: OpenedInput | undefined;
    try {
      input = await openInput(name);
      const reader = chooseReader(input, opts.format);
      format = reader.format;
      const ro = opts.readerOptions ?? {};
      const ctx = { stats, options: { ...(ro['*'] ?? {}), ...(ro[reader.format] ?? {}) } };
      for await (const batch of reader.read(input, ctx)) {
        opts.onProgress?.(name, input.rawBytesRead(), input.sizeBytes);
        yield { ...batch, input: name };
      }
      opts.onProgress?.(name, input.rawBytesRead(), input.sizeBytes);
    } catch (e) {
      error =
        e instanceof CamwatchError
          ? e
          : new InputError('CW_ERR_INPUT_MALFORMED', `${name}: ${(e as Error).message}`, {
              file: name,
              cause: e,
            });
    } finally {
      await input?.close();
    }
    opts.onInputDone?.({ name, format, stats, error, seconds: (performance.now() - t0) / 1000 });
  }
}
