/**
 * Reads a whole input once without storing anything, so an upload or an inbox file that is not a
 * capture/flow log, or that breaks part way (truncated, corrupt header), is refused before it touches
 * the store. Costs one extra read of the file (readers run at hundreds of MB/s here); it is what makes
 * "a malformed upload leaves the store unchanged" true, where the pipeline alone keeps the part
 * before a break.
 */
import { chooseReader, newReadStats, openInput } from '../../ingest/index.js';
import { InputError, ProblemLog } from '../../model/index.js';

export interface CheckedInput {
  format: string;
  records: number;
  flows: number;
}

/** Throws InputError (CW_ERR_INPUT_*) naming `displayName` when the input cannot be ingested whole. */
export async function checkInput(path: string, displayName: string): Promise<CheckedInput> {
  const input = await openInput(path);
  const rename = (e: InputError): InputError =>
    new InputError(e.code, e.message.split(path).join(displayName), {
      ...e.where,
      file: displayName,
      cause: e,
    });
  try {
    const reader = chooseReader(input);
    const stats = newReadStats(new ProblemLog());
    let flows = 0;
    for await (const batch of reader.read(input, { stats, options: {} })) flows += batch.flows.length;
    // A capture cut short mid-packet reads to its end with the last record counted, not thrown:
    // for an upload that is a broken file, refused whole.
    const cut = stats.problems.summaries().find((p) => /^truncated-(last-record|file)/.test(p.reason));
    if (cut) {
      const ex = cut.examples[0];
      throw new InputError(
        'CW_ERR_INPUT_TRUNCATED',
        `${displayName}: ends in the middle of a record${ex?.where ? ` (${ex.where})` : ''}: ${ex?.detail ?? cut.reason}`,
        { file: displayName },
      );
    }
    if (stats.records === 0 && flows === 0) {
      throw new InputError('CW_ERR_INPUT_MALFORMED', `${displayName}: holds no records`, {
        file: displayName,
      });
    }
    return { format: reader.format, records: stats.records, flows };
  } catch (e) {
    if (e instanceof InputError) throw rename(e);
    throw e;
  } finally {
    await input.close();
  }
}
