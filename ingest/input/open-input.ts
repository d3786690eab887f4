import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import type { Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { InputError } from '../../model/index.js';

/** An input as the user named it, opened as a byte stream with gzip removed. */
export interface OpenedInput {
  /** The name to use in messages: the path as given, or `-` for standard input. */
  readonly name: string;
  /** Size on disk (compressed size for .gz), undefined for stdin/pipes. */
  readonly sizeBytes: number | undefined;
  readonly gzip: boolean;
  /** The first bytes of the decompressed stream (up to 64 KiB), for format detection. */
  readonly head: Buffer;
  /** The whole decompressed stream, starting at byte 0 (the head is replayed). */
  readonly stream: AsyncIterable<Buffer>;
  /** Compressed bytes consumed so far, for progress bars. */
  readonly rawBytesRead: () => number;
}

const HEAD_BYTES = 64 * 1024;
const READ_CHUNK = 1024 * 1024;

/**
 * Opens `name` (a path or `-`), decompresses gzip transparently (by magic, not by extension) and
 * peeks the first bytes. Fails with CW_ERR_INPUT_NOT_FOUND naming the file.
 */
export async function openInput(name: string, stdin: Readable = process.stdin): Promise<OpenedInput> {
  let raw: Readable;
  let sizeBytes: number | undefined;
  if (name === '-') {
    raw = stdin;
  } else {
    try {
      const st = await stat(name);
      if (!st.isFile()) throw new Error('not a regular file');
      sizeBytes = st.size;
    } catch (cause) {
      throw new InputError('CW_ERR_INPUT_NOT_FOUND', `${name}: cannot read (${(cause as Error).message})`, {
        file: name,
        cause,
      });
    }
    raw = createReadStream(name, { highWaterMark: READ_CHUNK });
  }
  let rawRead = 0;
  raw.on('data', (c: Buffer) => {
    rawRead += c.length;
  });
  const rawIter = raw[Symbol.asyncIterator]() as AsyncIterator<Buffer>;

  // Peek enough raw bytes to see the gzip magic.
  const first = await rawIter.next();
  const firstChunk: Buffer = first.done ? Buffer.alloc(0) : first.value;
  const gzip = firstChunk.length >= 2 && firstChunk[0] === 0x1f && firstChunk[1] === 0x8b;

  async function* rawStream(): AsyncGenerator<Buffer> {
    if (firstChunk.length) yield firstChunk;
    for (;;) {
      const r = await rawIter.next();
      if (r.done) return;
      yield r.value;
    }
  }

  let body: AsyncIterator<Buffer>;
  if (gzip) {
    const gunzip = createGunzip({ chunkSize: 256 * 1024 });
    const src = rawStream();
    (async () => {
      try {
        for await (const c of src) {
          if (!gunzip.write(c)) await new Promise<void>((r) => gunzip.once('drain', r));
        }
        gunzip.end();
      } catch (e) {
        gunzip.destroy(e as Error);
      }
    })();
    body = gunzipIterator(gunzip, name);
  } else {
    body = rawStream();
  }

  // Collect the head from the decompressed stream, then replay it.
  const headParts: Buffer[] = [];
  let headLen = 0;
  let ended = false;
  while (headLen < HEAD_BYTES) {
    const r = await body.next();
    if (r.done) {
      ended = true;
      break;
    }
    headParts.push(r.value);
    headLen += r.value.length;
  }
  const head = Buffer.concat(headParts, headLen);

  async function* replay(): AsyncGenerator<Buffer> {
    if (head.length) yield head;
    if (ended) return;
    for (;;) {
      const r = await body.next();
      if (r.done) return;
      yield r.value;
    }
  }

  return {
    name,
    sizeBytes,
    gzip,
    head: head.subarray(0, Math.min(head.length, HEAD_BYTES)),
    stream: replay(),
    rawBytesRead: () => rawRead,
  };
}

async function* gunzipIterator(gunzip: Readable, name: string): AsyncGenerator<Buffer> {
  try {
    for await (const c of gunzip) yield c as Buffer;
  } catch (cause) {
    throw new InputError(
      'CW_ERR_INPUT_MALFORMED',
      `${name}: gzip stream is broken (${(cause as Error).message})`,
      {
        file: name,
        cause,
      },
    );
  }
}
