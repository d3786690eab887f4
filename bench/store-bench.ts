/**
 * Store benchmark: flows written into the embedded store (encoding included), where the time goes
 * (encoding in Node, the engine's insert, background merges), and the time of typical analyst
 * queries on N stored flows.
 *
 *   npm run build && node dist/bench/store-bench.js [--rows 1000000] [--total 10000000] [--runs 3]
 *       [--batch 2048] [--formats] [--data DIR] [--keep]
 *
 * `--rows`: flows timed for each figure. Encoding alone and the engine alone cycle a pool of
 * pre-generated flows (one insert's worth); the write figures take fresh flows batch by batch, as
 * a reader hands them over, with their generation measured alone and taken out, so only a few
 * batches are alive, as in an ingest (live pools of 0.3–1 M flows made every major GC mark
 * 140–400 MB: up to a third of the write's CPU). Each timed phase runs `--runs` times on an
 * emptied table; figures are medians with the range. `--batch`: rows per `FlowWriter.write`, as
 * the ingest pipeline hands them over. `--insert-rows`: FlowWriter's largest insert. `--formats`: the engine's insert of the same rows as
 * Native, Native without LowCardinality and RowBinary (the last two converted by chDB itself).
 * `--total`: fresh flows written (untimed) for the query and delete figures.
 * CPU is process.cpuUsage(): every thread of the process, chDB's engine threads included.
 * Figures go to stdout as a small table; nothing here asserts timings.
 */
import { createHash } from 'node:crypto';
import { closeSync, mkdtempSync, openSync, rmSync, unlinkSync, writevSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { READER_BATCH_FLOWS } from '../ingest/reader.js';
import { FLOW_FIELDS, type Flow } from '../model/index.js';
import {
  FLOW_INSERT_COLUMNS,
  FLOW_NATIVE_STRUCTURE,
  FlowBlock,
  FlowWriter,
  MAX_INSERT_ROWS,
  openStore,
  type Store,
} from '../store/index.js';
import { SyntheticFlows } from './store-synthetic-flows.js';

const { values: args } = parseArgs({
  options: {
    rows: { type: 'string', default: '1000000' },
    total: { type: 'string', default: '10000000' },
    batch: { type: 'string', default: String(READER_BATCH_FLOWS) },
    runs: { type: 'string', default: '3' },
    'insert-rows': { type: 'string', default: String(MAX_INSERT_ROWS) },
    formats: { type: 'boolean', default: false },
    data: { type: 'string' },
    keep: { type: 'boolean', default: false },
  },
});
const ROWS = Number(args.rows);
const TOTAL = Math.max(Number(args.total), ROWS);
const BATCH = Number(args.batch);
const RUNS = Math.max(1, Number(args.runs));
const INSERT_ROWS = Number(args['insert-rows']);
/** Enough batches that one insert never holds a flow twice. */
const POOL = Math.min(ROWS, Math.max(4 * BATCH, INSERT_ROWS + BATCH));
/** Rows of the engine-only figures (prepared files on disk). */
const ENGINE_ROWS = Math.min(ROWS, 1_000_000);
const DAY = Date.UTC(2026, 10, 26);

const results: Array<[string, string, string]> = [];
const fmt = (n: number): string => Math.round(n).toLocaleString('en-US');
const load = (): string =>
  loadavg()
    .map((l) => l.toFixed(1))
    .join(' ');

interface Sample {
  /** flows per wall second */
  wall: number;
  /** flows per CPU second, all threads */
  cpu: number;
}

/** Runs `fn` (which handles `rows` flows) and measures wall and CPU time. */
async function measure(rows: number, fn: () => Promise<void>): Promise<Sample> {
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  await fn();
  const ms = performance.now() - t0;
  const c = process.cpuUsage(c0);
  return { wall: (rows / ms) * 1000, cpu: (rows / ((c.user + c.system) / 1000)) * 1000 };
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const range = (xs: number[]): string =>
  xs.length > 1 ? ` (${fmt(Math.min(...xs))}–${fmt(Math.max(...xs))})` : '';

function report(what: string, samples: Sample[], note: string): void {
  const wall = samples.map((s) => s.wall);
  const cpu = samples.map((s) => s.cpu);
  results.push([
    what,
    `${fmt(median(wall))} flows/s${range(wall)}`,
    `${fmt(median(cpu))} flows per CPU-s${range(cpu)}; ${note}`,
  ]);
}

/** Waits until the engine runs no merge (four quiet checks in a row). */
async function mergesSettled(store: Store): Promise<void> {
  for (let quiet = 0; quiet < 4; ) {
    await new Promise((ok) => setTimeout(ok, 250));
    const [m] = await store.rows<{ n: string }>('SELECT count() AS n FROM system.merges');
    quiet = Number(m.n) === 0 ? quiet + 1 : 0;
  }
}

async function activeParts(store: Store): Promise<number> {
  const [p] = await store.rows<{ n: string }>(
    "SELECT count() AS n FROM system.parts WHERE table = 'flows' AND active",
  );
  return Number(p.n);
}

/** Writes the batches as Native files of up to INSERT_ROWS rows (as FlowWriter sends them). */
function nativeFiles(dir: string, batches: Iterable<Flow[]>): string[] {
  const block = new FlowBlock();
  const files: string[] = [];
  const flush = (): void => {
    const path = join(dir, `block-${files.length}.native`);
    const fd = openSync(path, 'w');
    writevSync(fd, block.chunks());
    closeSync(fd);
    files.push(path);
    block.reset();
  };
  for (const b of batches) {
    block.add(b);
    if (block.rows >= INSERT_ROWS) flush();
  }
  if (block.rows > 0) flush();
  return files;
}

async function insertFiles(store: Store, files: string[], format: string, structure: string): Promise<void> {
  for (const path of files) {
    await store.command(
      `INSERT INTO flows (${FLOW_INSERT_COLUMNS.join(', ')}) SELECT * FROM file({path:String}, {format:String}, {structure:String})`,
      { path, format, structure },
    );
  }
}

async function main(): Promise<void> {
  const dir = args.data ?? mkdtempSync(join(tmpdir(), 'camwatch-bench-'));
  const gen = new SyntheticFlows();
  const store: Store = await openStore({ dataDir: dir, ttlDays: 0 });
  const loadBefore = load();
  try {
    const pool: Flow[][] = [];
    let k = 0;
    /** Ten ingest ids in turn: the delete figures remove one of them. */
    const stamp = (b: Flow[]): Flow[] => {
      const id = `bench-${k++ % 10}`;
      for (const f of b) f.ingestId = id;
      return b;
    };
    for (let n = 0; n < POOL; n += BATCH) pool.push(stamp(gen.batch(Math.min(BATCH, POOL - n), DAY)));
    const batches = function* (rows = ROWS): Generator<Flow[]> {
      for (let n = 0, i = 0; n < rows; i++) {
        const b = pool[i % pool.length];
        const take = Math.min(b.length, rows - n);
        yield take === b.length ? b : b.slice(0, take);
        n += take;
      }
    };

    // 1. Encoding alone, after one untimed pass (the JIT warming up, and the collector done with
    //    the pool just generated: its background marking counts in the process's CPU).
    const block = new FlowBlock();
    let bytes = 0;
    const enc: Sample[] = [];
    for (let r = -1; r < RUNS; r++) {
      bytes = 0;
      const sample = await measure(ROWS, async () => {
        for (const b of batches()) {
          block.reset();
          block.add(b);
          for (const c of block.chunks()) bytes += c.length;
        }
      });
      if (r >= 0) enc.push(sample);
    }
    report('encode (Native)', enc, `${(bytes / ROWS).toFixed(0)} B/flow`);

    // 2. The engine alone: the same rows as prepared files, merges paused.
    await store.command('SYSTEM STOP MERGES flows');
    const files = nativeFiles(dir, batches(ENGINE_ROWS));
    const engineRuns = async (
      what: string,
      paths: string[],
      format: string,
      structure: string,
    ): Promise<void> => {
      const s: Sample[] = [];
      for (let r = 0; r < RUNS; r++) {
        await store.command('TRUNCATE TABLE flows');
        s.push(await measure(ENGINE_ROWS, () => insertFiles(store, paths, format, structure)));
      }
      report(what, s, `${fmt(ENGINE_ROWS)} rows in ${paths.length} inserts, merges paused`);
    };
    await engineRuns('engine insert, Native', files, 'Native', FLOW_NATIVE_STRUCTURE);
    if (args.formats) {
      const plain = FLOW_FIELDS.map(
        (f) => `${f.column} ${f.chType.replace(/^LowCardinality\((.*)\)$/, '$1')}`,
      ).join(', ');
      for (const [format, structure, name] of [
        ['Native', plain, 'engine insert, Native without LowCardinality'],
        ['RowBinary', plain, 'engine insert, RowBinary'],
      ]) {
        const converted = files.map((f) => `${f}.${format}-plain`);
        for (let i = 0; i < files.length; i++) {
          await store.command(
            'INSERT INTO FUNCTION file({out:String}, {format:String}, {structure:String}) ' +
              "SELECT * FROM file({path:String}, 'Native', {structure:String})",
            { out: converted[i], format, structure, path: files[i] },
          );
        }
        await engineRuns(name, converted, format, structure);
        for (const f of converted) unlinkSync(f);
      }
    }
    for (const f of files) unlinkSync(f);

    // 3. Encode + insert as the ingest does it (FlowWriter), merges paused, on fresh flows made
    //    batch by batch, as a reader hands them over: they die young, as in an ingest. (Cycling
    //    the pool instead kept 312 k flows alive, ~140 MB that every major GC marked on V8's
    //    threads: 0.5-1.0 CPU-s per million written that an ingest does not spend.) Generating
    //    the flows is measured alone and taken out.
    const generate = (seed: number, write?: (b: Flow[]) => Promise<void>): Promise<Sample> => {
      const g = new SyntheticFlows(2000, 600, seed);
      return measure(ROWS, async () => {
        for (let n = 0; n < ROWS; n += BATCH) {
          const b = stamp(g.batch(Math.min(BATCH, ROWS - n), DAY));
          if (write) await write(b);
        }
      });
    };
    /** CPU and wall seconds of `parts` (samples over ROWS flows) less those of `less`, as a Sample. */
    const net = (parts: Sample[], less: Sample): Sample => {
      const secs = (f: (s: Sample) => number) => parts.reduce((t, s) => t + ROWS / f(s), 0) - ROWS / f(less);
      return { wall: ROWS / secs((s) => s.wall), cpu: ROWS / secs((s) => s.cpu) };
    };
    const writeRuns = async (what: string, merging: boolean): Promise<void> => {
      const samples: Sample[] = [];
      let parts = 0;
      for (let r = 0; r < RUNS; r++) {
        const alone = await generate(42 + r);
        await store.command('TRUNCATE TABLE flows');
        if (merging) await store.command('SYSTEM START MERGES flows');
        const writer = new FlowWriter(store, { maxInsertRows: INSERT_ROWS });
        const all = await generate(42 + r, (b) => writer.write(b));
        const rest = await measure(ROWS, async () => {
          await writer.flush();
          if (merging) await mergesSettled(store);
        });
        samples.push(net([all, rest], alone));
        parts = await activeParts(store);
      }
      const note = `${fmt(ROWS)} fresh rows (their generation measured alone and taken out), ${parts} parts after`;
      report(what, samples, note);
    };
    await writeRuns('write (encode + insert), merges paused', false);

    // 4. The same with the background merges running, until they have settled (fresh flows, too:
    //    merged repeats of the pool compress to nothing and cost merges less).
    await writeRuns('write, merges running, until they settle', true);

    // 5. The query figures run on TOTAL fresh flows (ten ingest ids): the rest written untimed.
    const writer = new FlowWriter(store);
    let left = TOTAL - ROWS;
    while (left > 0) {
      const n = Math.min(BATCH, left);
      await writer.write(stamp(gen.batch(n, DAY)));
      left -= n;
    }
    await writer.flush();
    await store.command('OPTIMIZE TABLE flows FINAL');

    // 6. Queries.
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
    const timed = async (fn: () => Promise<unknown>): Promise<number> => {
      const t0 = performance.now();
      await fn();
      return performance.now() - t0;
    };
    for (let i = 0; i < 2; i++) await store.rows(topAll, day); // warm
    const all: number[] = [];
    for (let i = 0; i < 5; i++) all.push(await timed(() => store.rows(topAll, day)));
    const [{ n: groups }] = await store.rows<{ n: string }>(`SELECT count() AS n FROM (${topAll})`, day);
    results.push([
      'top 5 peers of every device, one day',
      `${median(all).toFixed(0)} ms (median of 5)`,
      `${fmt(TOTAL)} flows, ${fmt(Number(groups))} result rows`,
    ]);
    const one: number[] = [];
    for (let i = 0; i < 5; i++) {
      one.push(await timed(() => store.rows(topOne, { ...day, dev: `10.20.0.${i + 1}` })));
    }
    results.push([
      'top 10 peers of one device, one day',
      `${median(one).toFixed(1)} ms (median of 5)`,
      `${fmt(TOTAL)} flows`,
    ]);
    // 7. Removing one ingest's rows (a tenth of the table), the two ways ClickHouse offers.
    const lwMs = await timed(() =>
      store.command("DELETE FROM flows WHERE ingest_id = 'bench-1' SETTINGS lightweight_deletes_sync = 2"),
    );
    results.push([
      'DELETE one ingest (lightweight)',
      `${fmt(lwMs)} ms`,
      `${fmt(TOTAL / 10)} of ${fmt(TOTAL)} rows`,
    ]);
    const muMs = await timed(() =>
      store.command("ALTER TABLE flows DELETE WHERE ingest_id = 'bench-2' SETTINGS mutations_sync = 2"),
    );
    results.push([
      'ALTER TABLE DELETE one ingest',
      `${fmt(muMs)} ms`,
      `${fmt(TOTAL / 10)} of ${fmt(TOTAL)} rows`,
    ]);

    // 8. SHA-256 of the input, the ledger's first pass over a file.
    const blob = Buffer.alloc(256 << 20, 7);
    const shaMs = await timed(async () => createHash('sha256').update(blob).digest('hex'));
    results.push(['SHA-256 (ledger identity)', `${fmt((256 / shaMs) * 1000)} MB/s`, 'in memory, 256 MB']);

    const [cnt] = await store.rows<{ n: string }>('SELECT count() AS n FROM flows');
    const [size] = await store.rows<{ b: string }>(
      "SELECT sum(bytes_on_disk) AS b FROM system.parts WHERE table = 'flows' AND active",
    );
    results.push([
      'stored',
      `${fmt(Number(cnt.n))} rows`,
      `${(Number(size.b) / Number(cnt.n)).toFixed(1)} B/row on disk`,
    ]);
  } finally {
    await store.close();
    if (!args.keep && !args.data) rmSync(dir, { recursive: true, force: true });
  }
  const w0 = Math.max(...results.map((r) => r[0].length));
  const w1 = Math.max(...results.map((r) => r[1].length));
  process.stdout.write(
    `camwatch store bench (chDB embedded, node ${process.version}, ${cpus().length}× ${cpus()[0]?.model ?? '?'}, ` +
      `${RUNS} runs, batches of ${fmt(BATCH)}, inserts up to ${fmt(INSERT_ROWS)} rows; ` +
      `load average ${loadBefore} before, ${load()} after; peak RSS ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MiB)\n`,
  );
  for (const [a, b, c] of results) process.stdout.write(`${a.padEnd(w0)}  ${b.padStart(w1)}  ${c}\n`);
}

main().catch((e: unknown) => {
  process.stderr.write(`store-bench: ${(e as Error).stack ?? e}\n`);
  process.exitCode = 1;
});
