import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { InsertFiles } from '../../store/insert-files.js';

const dir = mkdtempSync(join(tmpdir(), 'camwatch-insert-files-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('InsertFiles (files chDB reads inserts from, overwritten in place)', () => {
  it('a reused file holds exactly the last insert, whatever the sizes before it', () => {
    const files = new InsertFiles(dir);
    let path: string | undefined;
    fc.assert(
      fc.property(fc.array(fc.uint8Array({ maxLength: 70_000 }), { maxLength: 5 }), (pieces) => {
        const f = files.write(pieces);
        if (path !== undefined) expect(f.path).toBe(path); // one file, overwritten
        path = f.path;
        expect(readFileSync(f.path).equals(Buffer.concat(pieces))).toBe(true);
        f.release();
      }),
      { numRuns: 60 },
    );
    files.clear();
    expect(existsSync(path!)).toBe(false);
  });

  it('gives inserts in flight files of their own', () => {
    const files = new InsertFiles(dir);
    const a = files.write([Buffer.from('first')]);
    const b = files.write([Buffer.from('second')]);
    expect(a.path).not.toBe(b.path);
    expect(readFileSync(a.path, 'utf8')).toBe('first');
    a.release();
    b.release();
    files.clear();
  });

  it('passes a failed write on (the error of the file system) and keeps its name for the next one', () => {
    const gone = join(dir, 'removed');
    const files = new InsertFiles(gone);
    rmSync(gone, { recursive: true });
    expect(() => files.write([Buffer.from('x')])).toThrow(/ENOENT/);
    mkdirSync(gone);
    const f = files.write([Buffer.from('after')]);
    expect(f.path.endsWith('-0.bin')).toBe(true);
    expect(readFileSync(f.path, 'utf8')).toBe('after');
    f.release();
    files.clear();
    expect(readdirSync(gone)).toEqual([]);
  });
});
