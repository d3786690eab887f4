import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runIngest } from '../../ingest/pipeline/index.js';
import { listIngests, openStore, type Store } from '../../store/index.js';
import { ROOT } from '../helpers/paths.js';
import { bundleEntry, runNode } from './child-process.js';
import { writeJsonlFlows } from './pipeline-helpers.js';

const work = mkdtempSync(join(tmpdir(), 'camwatch-kill-'));
const A = join(work, 'a.jsonl');
const B = join(work, 'b.jsonl');
let child = '';
let a: { flows: number; bytes: number };
let b: { flows: number; bytes: number };

beforeAll(async () => {
  a = writeJsonlFlows(A, 4000, 3);
  b = writeJsonlFlows(B, 30_000, 4);
  child = await bundleEntry(resolve(ROOT, 'test/pipeline/ingest-child.ts'), 'ingest-child');
});
afterAll(() => {
  rmSync(work, { recursive: true, force: true });
  if (child) rmSync(child, { force: true });
});

async function totals(store: Store): Promise<{ n: number; bytes: number }> {
  const r = await store.rows<{ n: string; bytes: string }>(
    'SELECT count() AS n, sum(orig_bytes + resp_bytes) AS bytes FROM flows',
  );
  return { n: Number(r[0].n), bytes: Number(r[0].bytes) };
}

describe('an ingest killed with -9', () => {
  it('leaves exactly the completed ingests, and redoing it gives the uninterrupted totals', async () => {
    const dir = join(work, 'store');
    const batchRows = 2000;
    // A completes, B is killed after several of its batches went in.
    const { exit } = runNode(child, ['ingest', dir, String(batchRows), A, B], (line, proc) => {
      const [, file, flows] = line.split(' ');
      if (file === B && Number(flows) >= 5 * batchRows) proc.kill('SIGKILL');
    });
    const end = await exit;
    expect(end.signal, end.stderr).toBe('SIGKILL');

    // Before recovery: B is `running` with part of its rows in (so the test really cut it short).
    const raw = await openStore({ dataDir: dir, recover: false });
    try {
      const running = await listIngests(raw, { status: 'running' });
      expect(running.map((r) => r.file)).toEqual([B]);
      const partial = (await totals(raw)).n - a.flows;
      expect(partial).toBeGreaterThan(0);
      expect(partial).toBeLessThan(b.flows);
    } finally {
      await raw.close();
    }

    // Reopening takes over the stale lock and recovers: B's rows are gone, B is failed.
    const store = await openStore({ dataDir: dir });
    try {
      const ledger = await listIngests(store);
      expect(ledger.map((r) => [r.file, r.status])).toEqual([
        [A, 'complete'],
        [B, 'failed'],
      ]);
      expect(ledger[1].error).toContain('interrupted');
      expect(await totals(store)).toEqual({ n: a.flows, bytes: a.bytes });

      // Redo: A is skipped (same bytes), B is ingested again in full.
      const redo = await runIngest([A, B], { store, batchRows });
      expect(redo.map((r) => r.status)).toEqual(['skipped', 'complete']);
      const after = await totals(store);
      expect(after).toEqual({ n: a.flows + b.flows, bytes: a.bytes + b.bytes });
      const complete = await listIngests(store, { status: 'complete' });
      expect(complete.map((r) => r.file).sort()).toEqual([A, B].sort());
    } finally {
      await store.close();
    }

    // The same inputs into a fresh store, uninterrupted, give the same totals.
    const fresh = await openStore({ dataDir: join(work, 'fresh') });
    try {
      await runIngest([A, B], { store: fresh, batchRows });
      expect(await totals(fresh)).toEqual({ n: a.flows + b.flows, bytes: a.bytes + b.bytes });
    } finally {
      await fresh.close();
    }
  });

  it('refuses a data directory another live process holds, naming it and the pid', async () => {
    const dir = join(work, 'held');
    let ready: (pid: number) => void = () => {};
    const isReady = new Promise<number>((ok) => {
      ready = ok;
    });
    const { child: proc, exit } = runNode(child, ['hold', dir], (line) => {
      if (line.startsWith('ready ')) ready(Number(line.slice(6)));
    });
    try {
      const pid = await isReady;
      const err = await openStore({ dataDir: dir }).then(
        () => undefined,
        (e: unknown) => e as { code: string; message: string },
      );
      expect(err?.code).toBe('CW_ERR_STORE_LOCKED');
      expect(err?.message).toContain(dir);
      expect(err?.message).toContain(String(pid));
    } finally {
      proc.kill('SIGKILL');
      await exit;
    }
    // Once the holder is gone, the stale lock is taken over.
    const store = await openStore({ dataDir: dir });
    await store.close();
  });

  it('ingests a real pipe on standard input (chDB must not read it too)', async () => {
    const dir = join(work, 'piped');
    const body = gzipSync(readFileSync(A));
    const run = async (): Promise<{ status: string; flows: number; sha256: string }> => {
      const lines: string[] = [];
      const { exit } = runNode(child, ['stdin', dir], (line) => lines.push(line), body);
      const end = await exit;
      expect(end.code, end.stderr).toBe(0);
      return JSON.parse(lines[0]);
    };
    const first = await run();
    expect(first).toMatchObject({ status: 'complete', flows: a.flows });
    expect(first.sha256).toBe(createHash('sha256').update(body).digest('hex'));
    expect(await run()).toMatchObject({ status: 'skipped' });
  });
});
