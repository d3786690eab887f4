import { InputError } from '../model/index.js';
import { pcapFormat, pcapngFormat } from './capture/capture-reader.js';
import { FLOWLOG_READERS, FLOWLOG_READERS_BEFORE_CAPTURE } from './flowlogs/index.js';
import type { OpenedInput } from './input/open-input.js';
import { jsonlFlowReader } from './pipeline/jsonl-flow-reader.js';
import type { FormatReader } from './reader.js';

/**
 * Every format camwatch reads, in detection order (most specific magic first). A new format is one
 * line here plus its folder.
 */
export const FORMAT_READERS: readonly FormatReader[] = [
  ...FLOWLOG_READERS_BEFORE_CAPTURE,
  pcapFormat,
  pcapngFormat,
  ...FLOWLOG_READERS,
  jsonlFlowReader,
];

export function readerFor(format: string): FormatReader | undefined {
  return FORMAT_READERS.find((r) => r.format === format);
}

/** The reader for an opened input: by `--format` when given, else by its first bytes. */
export function chooseReader(input: OpenedInput, format?: string): FormatReader {
  if (format) {
    const r = readerFor(format);
    if (!r) {
      throw new InputError(
        'CW_ERR_INPUT_UNKNOWN_FORMAT',
        `${input.name}: unknown --format '${format}' (known: ${FORMAT_READERS.map((x) => x.format).join(', ')})`,
        { file: input.name },
      );
    }
    return r;
  }
  for (const r of FORMAT_READERS) if (r.detect(input.head, input.name)) return r;
  const magic = input.head.subarray(0, 8).toString('hex').replace(/(..)/g, '$1 ').trim();
  throw new InputError(
    'CW_ERR_INPUT_UNKNOWN_FORMAT',
    `${input.name}: not a capture or flow log camwatch reads (first bytes: ${magic || 'none, the file is empty'})`,
    { file: input.name, offset: 0 },
  );
}
