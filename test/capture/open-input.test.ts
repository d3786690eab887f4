/**
 * The reused-chunk reader of plain files (ingest/input/open-input.ts): synchronous reads into one
 * buffer. The bytes handed out, chunk after chunk, must be the file's bytes in order, whatever the
 * size against the chunk size; a consumer that stops early must leave no read running on a closed
 * file (an unhandled rejection would end the process); a long file must not hold the event loop
 * (a server ingesting it still answers).
 */
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { openInput } from '../../ingest/input/open-input.js';

const dir = mkdtempSync(join(tmpdir(), 'camwatch-open-input-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const MiB = 1024 * 1024;
const sha = (b: Buffer): string => createHash('sha256').update(b).digest('hex');

describe('reused chunks of a plain file', () => {
  // around the 2 MiB chunk: empty, short, exact multiples, one byte over
  test.each([0, 1, 4096, 2 * MiB - 1, 2 * MiB, 2 * MiB + 1, 6 * MiB, 7 * MiB + 12345])(
    '%i bytes come back whole and in order',
    async (size) => {
      const bytes = randomBytes(size);
      const file = join(dir, `f${size}.bin`);
      writeFileSync(file, bytes);
      const input = await openInput(file);
      const hash = createHash('sha256');
      let total = 0;
      let read = 0;
      for await (const chunk of input.reusedChunks()) {
        // the chunk is valid until the next is asked for: hash it now, as a parser would read it
        hash.update(chunk);
        total += chunk.length;
        read = input.rawBytesRead();
      }
      expect(total).toBe(size);
      expect(read).toBe(size);
      expect(hash.digest('hex')).toBe(sha(bytes));
    },
  );

  test('a consumer that stops after the first chunk leaves no read behind', async () => {
    const file = join(dir, 'stop.bin');
    writeFileSync(file, randomBytes(9 * MiB));
    const rejections: unknown[] = [];
    const onRejection = (e: unknown) => rejections.push(e);
    process.on('unhandledRejection', onRejection);
    try {
      const input = await openInput(file);
      for await (const chunk of input.reusedChunks()) {
        expect(chunk.length).toBeGreaterThan(0);
        break;
      }
      await input.close(); // closed already by the reader: a second close is allowed
      await new Promise((r) => setTimeout(r, 50));
      expect(rejections).toEqual([]);
    } finally {
      process.off('unhandledRejection', onRejection);
    }
  });

  test('a long file lets the event loop turn while it is read', async () => {
    const file = join(dir, 'long.bin');
    writeFileSync(file, Buffer.alloc(40 * MiB));
    const input = await openInput(file);
    let turns = 0;
    const tick = setInterval(() => turns++, 0);
    let chunks = 0;
    let turnsWhileReading = 0;
    try {
      for await (const _ of input.reusedChunks()) {
        chunks++;
        turnsWhileReading = turns;
      }
    } finally {
      clearInterval(tick);
    }
    expect(chunks).toBe(20);
    expect(turnsWhileReading).toBeGreaterThan(0);
  });
});
