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
