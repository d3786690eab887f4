/**
 * Store benchmark: flows/s written into the embedded store (encoding included) and the time of a
 * typical analyst query (top peers per device over one day) on N stored flows.
 *
 *   npm run build && node dist/bench/store-bench.js [--rows 1000000] [--total 10000000] [--data DIR]
 *
 * `--rows`: flows timed for the write figure (pre-generated, so the figure is encode + insert).
 * `--total`: flows in the store for the query figures (the rest is written untimed).
 * Figures go to stdout as a small table; nothing here asserts timings.
 */
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import type { Flow } from '../model/index.js';
import { FlowBlock, FlowWriter, openStore, type Store } from '../store/index.js';
import { SyntheticFlows } from './store-synthetic-flows.js';

const { values: args } = parseArgs({
  options: {
    rows: { type: 'string', default: '1000000' },
    total: { type: 'string', default: '10000000' },
    batch: { type: 'string', default: '50000' },
    data: { type: 'string' },
    keep: { type: 'boolean', default: false },
    'stop-merges': { type: 'boolean', default: false },
  },
});
const ROWS = Number(args.rows);
const TOTAL = Math.max(Number(args.total), ROWS);
const BATCH = Number(args.batch);
const DAY = Date.UTC(2026, 10, 26);

const results: Array<[string, string, string]> = [];
const fmt = (n: number): string => Math.round(n).toLocaleString('en-US');

async function timed<T>(fn: () => Promise<T>): Promise<[T, number]> {
  const t0 = performance.now();
  const r = await fn();
  return [r, performance.now() - t0];
}

/** CPU ms of this process (every thread: V8, chDB's engine threads) while `fn` runs. */
async function cpuTimed<T>(fn: () => Promise<T>): Promise<[T, number, number]> {
  const c0 = process.cpuUsage();
  const [r, ms] = await timed(fn);
  const c = process.cpuUsage(c0);
  return [r, ms, (c.user + c.system) / 1000];
}

async function main(): Promise<void> {
  const dir = args.data ?? mkdtempSync(join(tmpdir(), 'camwatch-bench-'));
  const gen = new SyntheticFlows();
  const store: Store = await openStore({ dataDir: dir, ttlDays: 0 });
  try {
    // 1. Encoding alone.
    const batches: Flow[][] = [];
    let k = 0;
    const stamp = (b: Flow[]): Flow[] => {
      const id = `bench-${k++ % 10}`;
      for (const f of b) f.ingestId = id;
      return b;
    };
    for (let n = 0; n < ROWS; n += BATCH) batches.push(stamp(gen.batch(Math.min(BATCH, ROWS - n), DAY)));
    const block = new FlowBlock();
    let bytes = 0;
    const [, encMs, encCpu] = await cpuTimed(async () => {
      for (const b of batches) {
        block.reset();
        block.add(b);
        for (const c of block.chunks()) bytes += c.length;
      }
    });
    results.push([
      'encode (Native)',
      `${fmt((ROWS / encMs) * 1000)} flows/s`,
      `${fmt((ROWS / encCpu) * 1000)} flows per CPU-s; ${(bytes / ROWS).toFixed(0)} B/row`,
    ]);

    // 2. Encode + insert into the embedded store, pipelined as the ingest does it. With
    //    --stop-merges the background merges (which compete for the same cores) wait until after.
    if (args['stop-merges']) await store.command('SYSTEM STOP MERGES flows');
    const writer = new FlowWriter(store);
    const [, wMs, wCpu] = await cpuTimed(async () => {
      for (const b of batches) await writer.write(b);
      await writer.flush();
    });
    results.push([
      'write flows (encode + insert)',
      `${fmt((ROWS / wMs) * 1000)} flows/s`,
      `${fmt(ROWS)} rows in ${(wMs / 1000).toFixed(2)} s; ${fmt((ROWS / wCpu) * 1000)} flows per CPU-s (all threads)`,
    ]);
    batches.length = 0;
    if (args['stop-merges']) await store.command('SYSTEM START MERGES flows');

    // 3. Fill up to TOTAL (untimed figure, still printed).
    let left = TOTAL - ROWS;
    const [, fillMs] = await timed(async () => {
      while (left > 0) {
        const n = Math.min(BATCH, left);
        await writer.write(stamp(gen.batch(n, DAY)));
        left -= n;
      }
      await writer.flush();
    });
    if (TOTAL > ROWS) {
      results.push([
        'write incl. generation',
        `${fmt(((TOTAL - ROWS) / fillMs) * 1000)} flows/s`,
        `${fmt(TOTAL - ROWS)} more rows`,
      ]);
    }
    await store.command('OPTIMIZE TABLE flows FINAL');

    // 4. Queries.
    const day = {
      from: new Date(DAY).toISOString().slice(0, 19).replace('T', ' '),
      to: new Date(DAY + 86_400_000).toISOString().slice(0, 19).replace('T', ' '),
    };
    const topAll =
      'SELECT device_ip, peer_ip, any(peer_name) AS name, sum(orig_bytes + resp_bytes) AS bytes, count() AS n ' +
      "FROM flows WHERE start >= toDateTime64({from:String}, 3, 'UTC') AND start < toDateTime64({to:String}, 3, 'UTC') AND peer_class = 'public' " +
      // ORDER BY bytes alone before LIMIT BY: sorting the groups by (device, bytes) first took
      // twice as long (600k device/peer groups on 3M flows: ~0.9 s against ~0.4 s).
      'GROUP BY device_ip, peer_ip ORDER BY bytes DESC LIMIT 5 BY device_ip';
    const topOne =
      'SELECT peer_ip, any(peer_name) AS name, sum(orig_bytes + resp_bytes) AS bytes, count() AS n FROM flows ' +
      "WHERE device_ip = toIPv6({dev:String}) AND start >= toDateTime64({from:String}, 3, 'UTC') AND start < toDateTime64({to:String}, 3, 'UTC') " +
      'GROUP BY peer_ip ORDER BY bytes DESC LIMIT 10';
    for (let i = 0; i < 2; i++) await store.rows(topAll, day); // warm
    const runs: number[] = [];
    let rowsOut = 0;
    for (let i = 0; i < 5; i++) {
      const [r, ms] = await timed(() => store.rows(topAll, day));
      rowsOut = r.length;
      runs.push(ms);
    }
    runs.sort((a, b) => a - b);
    results.push([
      'top 5 peers of every device, one day',
      `${runs[2].toFixed(0)} ms (median of 5)`,
      `${fmt(TOTAL)} flows, ${fmt(rowsOut)} result rows`,
    ]);
    const one: number[] = [];
    for (let i = 0; i < 5; i++) {
      const [, ms] = await timed(() => store.rows(topOne, { ...day, dev: `10.20.0.${i + 1}` }));
      one.push(ms);
    }
    one.sort((a, b) => a - b);
    results.push([
      'top 10 peers of one device, one day',
      `${one[2].toFixed(1)} ms (median of 5)`,
      `${fmt(TOTAL)} flows`,
    ]);
    // 5. Removing one ingest's rows (a tenth of the table), the two ways ClickHouse offers.
    const [, lwMs] = await timed(() =>
      store.command("DELETE FROM flows WHERE ingest_id = 'bench-1' SETTINGS lightweight_deletes_sync = 2"),
    );
    results.push([
      'DELETE one ingest (lightweight)',
      `${fmt(lwMs)} ms`,
      `${fmt(TOTAL / 10)} of ${fmt(TOTAL)} rows`,
    ]);
    const [, muMs] = await timed(() =>
      store.command("ALTER TABLE flows DELETE WHERE ingest_id = 'bench-2' SETTINGS mutations_sync = 2"),
    );
    results.push([
      'ALTER TABLE DELETE one ingest',
      `${fmt(muMs)} ms`,
      `${fmt(TOTAL / 10)} of ${fmt(TOTAL)} rows`,
    ]);

    // 6. SHA-256 of the input, the ledger's first pass over a file.
    const blob = Buffer.alloc(256 << 20, 7);
    const [, shaMs] = await timed(async () => createHash('sha256').update(blob).digest('hex'));
    results.push(['SHA-256 (ledger identity)', `${fmt((256 / shaMs) * 1000)} MB/s`, 'in memory, 256 MB']);

    const [cnt] = await timed(() => store.rows<{ n: string }>('SELECT count() AS n FROM flows'));
    const [size] = await timed(() =>
      store.rows<{ b: string }>(
        "SELECT sum(bytes_on_disk) AS b FROM system.parts WHERE table = 'flows' AND active",
      ),
    );
    results.push([
      'stored',
      `${fmt(Number(cnt[0].n))} rows`,
      `${(Number(size[0].b) / Number(cnt[0].n)).toFixed(1)} B/row on disk`,
    ]);
  } finally {
    await store.close();
    if (!args.keep && !args.data) rmSync(dir, { recursive: true, force: true });
  }
  const w0 = Math.max(...results.map((r) => r[0].length));
  const w1 = Math.max(...results.map((r) => r[1].length));
  process.stdout.write(`camwatch store bench (chDB embedded, node ${process.version})\n`);
  for (const [a, b, c] of results) process.stdout.write(`${a.padEnd(w0)}  ${b.padStart(w1)}  ${c}\n`);
}

main().catch((e: unknown) => {
  process.stderr.write(`store-bench: ${(e as Error).stack ?? e}\n`);
  process.exitCode = 1;
});
