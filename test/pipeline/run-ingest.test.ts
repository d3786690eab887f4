import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chooseReader, openInput } from '../../ingest/index.js';
import { runIngest } from '../../ingest/pipeline/index.js';
import { countFlows, listIngests, readDnsNames, readFlows, type Store } from '../../store/index.js';
import { data } from '../helpers/paths.js';
import { BACKENDS, storePerTest } from '../store/store-helpers.js';
import { writeJsonlFlows } from './pipeline-helpers.js';

const files = mkdtempSync(join(tmpdir(), 'camwatch-pipeline-'));
const A = join(files, 'a.jsonl');
const B = join(files, 'b.jsonl');
let a: { flows: number; bytes: number };
let b: { flows: number; bytes: number };

beforeAll(() => {
  a = writeJsonlFlows(A, 3000, 1);
  b = writeJsonlFlows(B, 7000, 2);
});
afterAll(() => rmSync(files, { recursive: true, force: true }));

async function totals(store: Store): Promise<{ n: number; bytes: number }> {
  const r = await store.rows<{ n: string; bytes: string }>(
    'SELECT count() AS n, sum(orig_bytes + resp_bytes) AS bytes FROM flows',
  );
  return { n: Number(r[0].n), bytes: Number(r[0].bytes) };
}

describe.each(BACKENDS)('runIngest (%s)', (kind) => {
  const stores = storePerTest(kind);
  let store: Store | undefined;

  it('ingests jsonl flows, stamps ingest_id on every row and completes the ledger entry', async () => {
    store = await stores.open();
    const progress: number[] = [];
    const [r] = await runIngest([A], { store, batchRows: 1000, onProgress: (p) => progress.push(p.flows) });
    expect(r).toMatchObject({
      status: 'complete',
      format: 'jsonl',
      flows: a.flows,
      records: a.flows,
      rejected: 0,
    });
    expect(r.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(progress.length).toBeGreaterThan(0);
    expect(await countFlows(store, { ingestId: r.id })).toBe(a.flows);
    expect(await totals(store)).toEqual({ n: a.flows, bytes: a.bytes });
    const [led] = await listIngests(store);
    expect(led).toMatchObject({ id: r.id, status: 'complete', flows: a.flows, file: A, sha256: r.sha256 });
    expect(led.finishedAt).toBeGreaterThanOrEqual(led.startedAt);
  });

  it('is a no-op for the same bytes again, and --force replaces instead of doubling', async () => {
    store = await stores.open();
    const [first] = await runIngest([A, B], { store });
    const again = await runIngest([A, B], { store });
    expect(again.map((r) => r.status)).toEqual(['skipped', 'skipped']);
    expect(again[0].id).toBe(first.id);
    expect(await totals(store)).toEqual({ n: a.flows + b.flows, bytes: a.bytes + b.bytes });

    const [forced] = await runIngest([A], { store, force: true });
    expect(forced.status).toBe('complete');
    expect(forced.id).not.toBe(first.id);
    expect(await totals(store)).toEqual({ n: a.flows + b.flows, bytes: a.bytes + b.bytes });
    expect(await countFlows(store, { ingestId: first.id })).toBe(0);
    const ledger = await listIngests(store);
    expect(ledger.find((r) => r.id === first.id)).toMatchObject({ status: 'failed' });
    expect(ledger.find((r) => r.id === first.id)?.error).toContain(forced.id);
    expect(ledger.filter((r) => r.status === 'complete')).toHaveLength(2);
  });

  it('hashes standard input on the way through and skips a repeat of a file', async () => {
    store = await stores.open();
    const [file] = await runIngest([A], { store });
    const { readFileSync } = await import('node:fs');
    const [viaStdin] = await runIngest(['-'], { store, stdin: Readable.from([readFileSync(A)]) });
    expect(viaStdin.status).toBe('skipped');
    expect(viaStdin.sha256).toBe(file.sha256);
    expect(await totals(store)).toEqual({ n: a.flows, bytes: a.bytes });
    const [fresh] = await runIngest(['-'], { store, stdin: Readable.from([readFileSync(B)]) });
    expect(fresh).toMatchObject({ status: 'complete', file: '-', flows: b.flows });
  });

  it('reports a bad input by name and goes on; keeps good lines of a file with bad ones', async () => {
    store = await stores.open();
    const junk = join(files, 'junk.bin');
    writeFileSync(junk, Buffer.from([0xde, 0xad, 0xbe, 0xef, 1, 2, 3]));
    const mixed = join(files, 'mixed.jsonl');
    const lines = (await import('node:fs')).readFileSync(A, 'utf8').split('\n').slice(0, 10);
    const badAddress = JSON.parse(lines[0]);
    badAddress.respIp = '10.0.0.300';
    lines.splice(
      3,
      0,
      '{"start": "not a time"',
      '{"start":"2026-11-20T00:00:00.000Z"}',
      JSON.stringify(badAddress),
    );
    writeFileSync(mixed, `${lines.join('\n')}\n`);
    const rs = await runIngest([join(files, 'missing.pcap'), junk, mixed], { store });
    expect(rs[0]).toMatchObject({ status: 'failed' });
    expect(rs[0].error).toContain('missing.pcap');
    expect(rs[1]).toMatchObject({ status: 'failed' });
    expect(rs[1].error).toContain('junk.bin');
    expect(rs[2]).toMatchObject({ status: 'complete', flows: 10, rejected: 3 });
    expect(rs[2].problems.map((p) => p.reason).sort()).toEqual(['bad-flow', 'bad-json', 'unstorable-flow']);
    expect(await countFlows(store)).toBe(10);
  });

  it('runs the enrich hook on every flow before it is written', async () => {
    store = await stores.open();
    await runIngest([A], {
      store,
      enrich: (f) => {
        f.deviceSite = 'depot-7';
      },
    });
    const r = await store.rows<{ n: string }>("SELECT count() AS n FROM flows WHERE device_site = 'depot-7'");
    expect(Number(r[0].n)).toBe(a.flows);
  });

  it('stores flows and passive DNS from a real capture with whatever readers exist', async () => {
    const pcap = data('pcap/dns/zeek-wikipedia.pcap');
    const input = await openInput(pcap);
    let format: string;
    try {
      format = chooseReader(input).format;
    } catch {
      return; // no capture reader registered yet
    }
    store = await stores.open();
    const [r] = await runIngest([pcap], { store });
    expect(r).toMatchObject({ status: 'complete', format });
    expect(r.flows).toBeGreaterThan(0);
    const flows = await readFlows(store, { ingestId: r.id });
    expect(flows).toHaveLength(r.flows);
    expect(flows.every((f) => f.ingestId === r.id && f.sourceFile === pcap)).toBe(true);
    const names = await readDnsNames(store, { ingestId: r.id });
    expect(names).toHaveLength(r.names);
  });
});
