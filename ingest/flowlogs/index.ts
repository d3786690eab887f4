import type { FormatReader } from '../reader.js';
import { nfdumpCsvReader, nfdumpJsonReader } from './nfdump/nfdump-reader.js';
import { zeekReader } from './zeek/zeek-reader.js';

/**
 * The flow-log readers, in detection order (binary magic first, then text by its first line).
 * ingest/formats.ts lists them after the capture readers.
 */
export const FLOWLOG_READERS: readonly FormatReader[] = [zeekReader, nfdumpCsvReader, nfdumpJsonReader];
