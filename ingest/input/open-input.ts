import { readSync } from 'node:fs';
import { type FileHandle, open } from 'node:fs/promises';
import type { Readable } from 'node:stream';
import { setImmediate as nextTurn } from 'node:timers/promises';
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
   * is asked for: plain files are then read synchronously into one reused 2 MiB buffer (see
   * fileChunks). Fresh chunks cost a page fault per 4 KiB: one async read ahead into fresh buffers
   * measured 1.25–1.43 s on a 1 M-packet, 862 MB capture against 0.95–1.06 s for reads into one buffer.
   */
  reusedChunks(): AsyncIterable<Buffer>;
  /** Compressed bytes consumed so far, for progress bars. */
  readonly rawBytesRead: () => number;
  /** Releases the file when it was opened but not read to its end. Safe to call twice. */
  close(): Promise<void>;
}

const HEAD_BYTES = 64 * 1024;
const READ_CHUNK = 1024 * 1024;
/** Reused chunks: 2 MiB read 1.18–1.29 s on one core where 512 KiB read 1.23–1.37 and 128 KiB 1.33–1.41. */
const REUSED_CHUNK = 2 * 1024 * 1024;
/** Reused chunks between two turns of the event loop: 16 MiB, ~5 ms of parsing. */
const TURN_CHUNKS = 8;

/**
 * A buffer for the kernel to copy file pages into, starting 64 bytes into its allocation. Large
 * Buffers come from glibc's mmap with a 16-byte header, so they start 16 bytes past a page boundary
 * while the page-cache pages being copied start on one; with the destination 8–28 bytes ahead of the
 * source modulo 4 KiB, the copy's loads falsely wait on its stores (4K aliasing). Reading the flows
 * bench's 3.68 GB capture in 2 MiB reads on one core: 0.52–0.60 s at page+16..28, 1.28–1.44 s at
 * page+8, 0.26–0.29 s at page+32 to page+2048 (dd's page-aligned buffer: 0.25–0.31 s).
 */
function readTarget(size: number): Buffer {
  return Buffer.allocUnsafe(size + 64).subarray(64);
}

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

/** Reads a file from byte 0; closes it at the end or when the consumer stops. */
async function* fileChunks(
  fh: FileHandle,
  reuse: boolean,
  onRead: (n: number) => void,
  close: () => Promise<void>,
): AsyncGenerator<Buffer> {
  let pending: Promise<{ bytesRead: number; buffer: Buffer }> | undefined;
  try {
    if (reuse) {
      // Synchronous reads into one reused buffer: the kernel copies the page-cache pages on the core
      // that parses them next, so they are still in its cache. On the flows bench's 3.94 M-packet,
      // 3.68 GB capture (6 interleaved runs each) this took `camwatch flows` from 1.29–1.78 s to
      // 1.18–1.29 s pinned to one core, and from 1.12–1.55 s (1.94 CPU-s) to 1.04–1.32 s (1.47 CPU-s)
      // on two, against reads ahead on the thread pool into a ring of three buffers: their copies ran
      // on the other core and each chunk's lines then moved between the cores' caches. A read blocks
      // the event loop as the parse of its chunk does (2 MiB from the page cache: ~0.15 ms), and a
      // generator's yield is no turn of it: every TURN_CHUNKS chunks one is taken (setImmediate),
      // so a server ingesting a capture still answers (async reads gave one per chunk).
      const buf = readTarget(REUSED_CHUNK);
      for (let position = 0, chunks = 0; ; ) {
        const n = readSync(fh.fd, buf, 0, REUSED_CHUNK, position);
        if (n === 0) return;
        position += n;
        onRead(n);
        yield buf.subarray(0, n);
        if (++chunks % TURN_CHUNKS === 0) await nextTurn();
      }
    }
    // Fresh buffers, one read ahead on the thread pool.
    const nextBuffer = () => readTarget(READ_CHUNK);
    pending = fh.read(nextBuffer(), 0, READ_CHUNK, 0);
    let position = 0;
    for (;;) {
      const { bytesRead, buffer } = await pending;
      pending = undefined;
      if (bytesRead === 0) return;
      position += bytesRead;
      onRead(bytesRead);
      pending = fh.read(nextBuffer(), 0, READ_CHUNK, position);
      yield buffer.subarray(0, bytesRead);
    }
  } finally {
    // a read ahead still running when the consumer stopped: none may outlive the file
    await pending?.catch(() => undefined);
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
