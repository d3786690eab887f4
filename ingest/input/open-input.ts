import { readSync } from 'node:fs';
import { type FileHandle, open } from 'node:fs/promises';
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
  /** The whole decompressed stream from byte 0, in fresh chunks the reader may keep. Read once. */
  readonly stream: AsyncIterable<Buffer>;
  /**
   * The same bytes as `stream` (use one or the other), but a chunk is valid only until the next one
   * is asked for: plain files are then read synchronously into one reused 1 MiB buffer. Fresh chunks
   * cost a page fault per 4 KiB, and an async read per chunk left the parser idle while the thread
   * pool answered: on a 1 M-packet, 862 MB capture `camwatch flows` took 1.25–1.43 s with one async
   * read ahead and 0.95–1.06 s with synchronous reads. The event loop gets a turn every 64 MiB.
   */
  reusedChunks(): AsyncIterable<Buffer>;
  /** Compressed bytes consumed so far, for progress bars. */
  readonly rawBytesRead: () => number;
  /** Releases the file when it was opened but not read to its end. Safe to call twice. */
  close(): Promise<void>;
}

const HEAD_BYTES = 64 * 1024;
const READ_CHUNK = 1024 * 1024;

/**
 * Opens `name` (a path or `-`), decompresses gzip transparently (by magic, not by extension) and
 * peeks the first bytes. Fails with CW_ERR_INPUT_NOT_FOUND naming the file.
 */
export async function openInput(name: string, stdin: Readable = process.stdin): Promise<OpenedInput> {
  if (name === '-')
    return openStream(name, stdin[Symbol.asyncIterator]() as AsyncIterator<Buffer>, undefined);
  let fh: FileHandle;
  let size: number;
  try {
    fh = await open(name, 'r');
    const st = await fh.stat();
    if (!st.isFile()) {
      await fh.close();
      throw new Error('not a regular file');
    }
    size = st.size;
  } catch (cause) {
    throw new InputError('CW_ERR_INPUT_NOT_FOUND', `${name}: cannot read (${(cause as Error).message})`, {
      file: name,
      cause,
    });
  }
  const magic = Buffer.alloc(2);
  await fh.read(magic, 0, 2, 0);
  let closed = false;
  const close = async () => {
    if (closed) return;
    closed = true;
    await fh.close();
  };
  if (magic[0] === 0x1f && magic[1] === 0x8b)
    return openStream(
      name,
      fileChunks(fh, false, () => {}, close),
      size,
      close,
    );

  const head = Buffer.alloc(Math.min(HEAD_BYTES, size));
  await fh.read(head, 0, head.length, 0);
  let rawRead = 0;
  let used = false;
  const once = (reuse: boolean): AsyncIterable<Buffer> => {
    if (used) throw new Error(`${name}: input read twice`);
    used = true;
    return fileChunks(
      fh,
      reuse,
      (n) => {
        rawRead += n;
      },
      close,
    );
  };
  let stream: AsyncIterable<Buffer> | undefined;
  return {
    name,
    sizeBytes: size,
    gzip: false,
    head,
    get stream() {
      stream ??= once(false);
      return stream;
    },
    reusedChunks: () => once(true),
    rawBytesRead: () => rawRead,
    close,
  };
}

/** Reads a file from byte 0 with one read ahead; closes it at the end or when the consumer stops. */
async function* fileChunks(
  fh: FileHandle,
  reuse: boolean,
  onRead: (n: number) => void,
  close: () => Promise<void>,
): AsyncGenerator<Buffer> {
  try {
    if (reuse) {
      const buf = Buffer.allocUnsafe(READ_CHUNK);
      let position = 0;
      let chunks = 0;
      for (;;) {
        const n = readSync(fh.fd, buf, 0, READ_CHUNK, position);
        if (n === 0) return;
        position += n;
        onRead(n);
        yield buf.subarray(0, n);
        // The reads are synchronous; let timers and sockets (the API server) run every 64 MiB.
        if ((++chunks & 63) === 0) await new Promise(setImmediate);
      }
    }
    const nextBuffer = () => Buffer.allocUnsafe(READ_CHUNK);
    let pending = fh.read(nextBuffer(), 0, READ_CHUNK, 0);
    let position = 0;
    for (;;) {
      const { bytesRead, buffer } = await pending;
      if (bytesRead === 0) return;
      position += bytesRead;
      onRead(bytesRead);
      pending = fh.read(nextBuffer(), 0, READ_CHUNK, position);
      yield buffer.subarray(0, bytesRead);
    }
  } finally {
    await close();
  }
}

/** stdin and gzip files: a stream of fresh chunks, decompressed when the magic says gzip. */
async function openStream(
  name: string,
  raw: AsyncIterator<Buffer>,
  sizeBytes: number | undefined,
  close: () => Promise<void> = async () => {},
): Promise<OpenedInput> {
  let rawRead = 0;
  const first = await raw.next();
  const firstChunk: Buffer = first.done ? Buffer.alloc(0) : first.value;
  const gzip = firstChunk.length >= 2 && firstChunk[0] === 0x1f && firstChunk[1] === 0x8b;

  async function* rawStream(): AsyncGenerator<Buffer> {
    if (firstChunk.length) {
      rawRead += firstChunk.length;
      yield firstChunk;
    }
    for (;;) {
      const r = await raw.next();
      if (r.done) return;
      rawRead += r.value.length;
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
  const joined = Buffer.concat(headParts, headLen);

  async function* replay(): AsyncGenerator<Buffer> {
    if (joined.length) yield joined;
    if (ended) return;
    for (;;) {
      const r = await body.next();
      if (r.done) return;
      yield r.value;
    }
  }
  const stream = replay();
  return {
    name,
    sizeBytes,
    gzip,
    head: joined.subarray(0, Math.min(joined.length, HEAD_BYTES)),
    stream,
    reusedChunks: () => stream,
    rawBytesRead: () => rawRead,
    close,
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
