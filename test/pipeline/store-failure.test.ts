import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runIngest } from '../../ingest/pipeline/index.js';
import { countFlows, listIngests, openStore } from '../../store/index.js';
import { writeJsonlFlows } from './pipeline-helpers.js';

const work = mkdtempSync(join(tmpdir(), 'camwatch-fail-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

describe('a store failing under an ingest', () => {
  it('stops with an error naming the ingest; nothing is reported done and no row survives', async () => {
    const file = join(work, 'f.jsonl');
    writeJsonlFlows(file, 12_000, 7);
    const dataDir = join(work, 'store');
    let store = await openStore({ dataDir });
    let seen = 0;
    let renamed: Promise<void> | undefined;
    const err = await runIngest([file], {
      store,
      batchRows: 2000,
      // After a few batches the flows table disappears under the writer (as a dropped table or a
      // full disk would make inserts fail).
      enrich: () => {
        if (++seen === 5000) renamed = store.command('RENAME TABLE flows TO flows_away');
      },
    }).then(
      () => undefined,
      (e: unknown) => e as { code: string; message: string },
    );
    await renamed;
    expect(err?.code).toBe('CW_ERR_STORE_QUERY');
    const [entry] = await listIngests(store);
    expect(err?.message).toContain(`ingest ${entry.id} of ${file}`);
    expect(entry.status).not.toBe('complete');
    await store.command('RENAME TABLE flows_away TO flows');
    await store.close();

    // The next start removes what the failed ingest wrote and says so in the ledger.
    store = await openStore({ dataDir });
    try {
      const [after] = await listIngests(store);
      expect(after).toMatchObject({ id: entry.id, status: 'failed' });
      expect(await countFlows(store)).toBe(0);
    } finally {
      await store.close();
    }
  });

  it('names an unreachable server', async () => {
    const err = await openStore({ url: 'http://127.0.0.1:9/' }).then(
      () => undefined,
      (e: unknown) => e as { code: string; message: string },
    );
    expect(err?.code).toBe('CW_ERR_STORE_UNAVAILABLE');
    expect(err?.message).toContain('http://127.0.0.1:9/');
  });
});
