/**
 * The nightly inbox on the real embedded store: complete files (a .done marker, or a size that stays
 * put) are ingested and analysed, then moved to done/ or failed/ with a .error.txt; files still being
 * written are left alone; a file found again after a restart (same bytes) is not stored twice.
 */
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { createInbox } from '../../api/index.js';
import { data } from '../helpers/paths.js';
import { type Harness, startHarness } from './api-helpers.js';

const XIAOMI = data('pcap/iot/ndpi-xiaomi.pcap');
let h: Harness;
let dir: string;

beforeAll(async () => {
  h = await startHarness();
  dir = join(h.dir, 'inbox');
  mkdirSync(dir);
});
afterAll(async () => {
  await h?.close();
});

const flowCount = async (): Promise<number> =>
  Number((await h.store.rows<{ n: string }>('SELECT toString(count()) AS n FROM flows'))[0].n);

const newInbox = () => createInbox({ dir, pollMs: 50, stableMs: 0 }, { jobs: h.app.camwatch.jobs });

test('a file with a .done marker is taken at once, ingested, analysed and moved to done/', async () => {
  copyFileSync(XIAOMI, join(dir, 'night-1.pcap'));
  writeFileSync(join(dir, 'night-1.pcap.done'), '');
  writeFileSync(join(dir, 'still-writing.pcap.tmp'), 'partial');
  const inbox = newInbox();
  await inbox.scan();
  await inbox.close();
  expect(readdirSync(join(dir, 'done'))).toEqual(['night-1.pcap']);
  expect(existsSync(join(dir, 'night-1.pcap.done'))).toBe(false);
  expect(existsSync(join(dir, 'still-writing.pcap.tmp'))).toBe(true);
  expect(await flowCount()).toBeGreaterThan(0);
  const alerts = await h.app.inject({ url: '/api/v1/alerts', headers: h.auth('analyst') });
  expect(alerts.json().items.length).toBeGreaterThan(0);
  const metrics = await h.app.inject({ url: '/metrics' });
  expect(metrics.body).toMatch(/^camwatch_last_ingest_timestamp_seconds\{source="inbox"\} \d+/m);
});

test('a broken file goes to failed/ with the reason beside it; the store is unchanged', async () => {
  const before = await flowCount();
  writeFileSync(join(dir, 'export.csv'), 'this is not a flow log\n');
  const inbox = newInbox();
  await inbox.scan(); // first sight: size noted
  await inbox.scan(); // unchanged: taken
  await inbox.close();
  expect(readdirSync(join(dir, 'failed')).sort()).toEqual(['export.csv', 'export.csv.error.txt']);
  expect(readFileSync(join(dir, 'failed', 'export.csv.error.txt'), 'utf8')).toMatch(
    /export\.csv: .*not a capture or flow log/,
  );
  expect(await flowCount()).toBe(before);
});

test('after a restart, a file already stored (same bytes) is moved to done/ without storing it twice', async () => {
  const before = await flowCount();
  copyFileSync(XIAOMI, join(dir, 'night-1-again.pcap'));
  writeFileSync(join(dir, 'night-1-again.pcap.done'), '');
  const inbox = newInbox();
  await inbox.scan();
  await inbox.close();
  expect(readdirSync(join(dir, 'done')).sort()).toEqual(['night-1-again.pcap', 'night-1.pcap']);
  expect(await flowCount()).toBe(before);
  const jobs = h.app.camwatch.jobs.list();
  expect(jobs[0].ingest?.status).toBe('skipped');
});

test('uploads accepted before a stop are queued again at the next start', async () => {
  const { buildApp, createRulesHolder, openTokenFile } = await import('../../api/index.js');
  const spool = join(h.dir, 'spool-restart');
  mkdirSync(spool);
  const path = join(spool, 'left-over');
  copyFileSync(data('pcap/ntp/zeek-ntp.pcap'), path);
  const spec = {
    source: 'upload',
    file: 'ntp.pcap',
    path,
    sha256: 'x',
    sizeBytes: 1,
    format: 'pcap',
    createdBy: 'test',
  };
  writeFileSync(`${path}.job.json`, JSON.stringify(spec));
  writeFileSync(join(spool, '.incoming-half'), 'half an upload');
  const app = await buildApp(
    { dataDir: h.dir, spoolDir: spool, rateLimitMax: 0 },
    { store: h.store, tokens: openTokenFile(h.dir), rules: await createRulesHolder([]) },
  );
  try {
    const [job] = app.camwatch.jobs.list();
    expect(job?.file).toBe('ntp.pcap');
    await app.camwatch.jobs.close();
    expect(app.camwatch.jobs.get(job!.id)?.state).toBe('done');
    expect(readdirSync(spool)).toEqual([]);
  } finally {
    await app.close();
  }
});
