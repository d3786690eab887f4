import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { buildProgram } from '../../cli/program.js';
import { writeJsonlFlows } from './pipeline-helpers.js';

const work = mkdtempSync(join(tmpdir(), 'camwatch-cli-'));
const inputs = join(work, 'in');
const A = join(inputs, 'a.jsonl');
const B = join(inputs, 'b.jsonl');
beforeAll(() => {
  mkdirSync(inputs);
  writeJsonlFlows(A, 500, 5);
  writeJsonlFlows(B, 800, 6);
});
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** Runs `camwatch …` in this process; returns stdout and the exit code it set. */
async function camwatch(...args: string[]): Promise<{ out: string; err: string; code: number }> {
  let out = '';
  let err = '';
  const o = vi.spyOn(process.stdout, 'write').mockImplementation((c: string | Uint8Array) => {
    out += String(c);
    return true;
  });
  const e = vi.spyOn(process.stderr, 'write').mockImplementation((c: string | Uint8Array) => {
    err += String(c);
    return true;
  });
  process.exitCode = 0;
  try {
    await buildProgram()
      .exitOverride()
      .parseAsync(['node', 'camwatch', ...args]);
  } finally {
    o.mockRestore();
    e.mockRestore();
  }
  const code = Number(process.exitCode ?? 0);
  process.exitCode = 0;
  return { out, err, code };
}

describe('camwatch ingest / ingests', () => {
  it('ingests files and a directory, reports per input, and lists the ledger', async () => {
    const data = join(work, 'store');
    const first = await camwatch('ingest', '--data', data, '--json', '--no-enrich', inputs);
    expect(first.code).toBe(0);
    const lines = first.out
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(lines.map((l) => [l.file, l.status, l.flows])).toEqual([
      [A, 'complete', 500],
      [B, 'complete', 800],
    ]);

    const again = await camwatch('ingest', '--data', data, '--no-enrich', A);
    expect(again.code).toBe(0);
    expect(again.err).toContain('already stored, skipped');

    const listed = await camwatch('ingests', '--data', data, '--format', 'jsonl');
    const ledger = listed.out
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(ledger).toHaveLength(2);
    for (const r of ledger) {
      expect(Object.keys(r)).toEqual(
        expect.arrayContaining([
          'id',
          'sha256',
          'file',
          'format',
          'status',
          'records',
          'rejected',
          'startedAt',
          'finishedAt',
        ]),
      );
      expect(r.status).toBe('complete');
      expect(r.finishedAt >= r.startedAt).toBe(true);
    }
    const table = await camwatch('ingests', '--data', data);
    expect(table.out).toContain('complete');
    expect(table.out).toContain('a.jsonl');
  });

  it('exits non-zero and names the input that failed', async () => {
    const r = await camwatch(
      'ingest',
      '--data',
      join(work, 'store2'),
      '--no-enrich',
      join(work, 'nope.pcap'),
    );
    expect(r.code).toBe(1);
    expect(r.err).toContain('nope.pcap');
  });
});
