/**
 * Analysis bench (issue #7): a full `analyze()` (every detector) over a camera fleet's night of stored
 * flows in the embedded store, end to end and per query, wall and CPU, cold and warm.
 *
 *   npm run build && node dist/bench/analysis-bench.js [--flows 10000000] [--hours 8] [--runs 3]
 *       [--warm 3] [--data DIR] [--keep] [--json FILE]
 *
 * 1. Fills the store with `--flows` flows of bench/fleet-synthetic-flows.ts through the store's
 *    FlowWriter (skipped when `--data DIR` already holds them), then merges them (OPTIMIZE FINAL).
 * 2. Runs `--runs` fresh processes on the store. Each opens it (a new chDB engine: no mark cache, no
 *    compiled expressions; the page cache stays warm), runs `analyze()` once (cold) and `--warm` more
 *    times (warm), then each query analyze issued alone (wall, CPU, rows and compressed bytes the engine
 *    read, peak RSS of the process), then analyze's Node side alone: analyze over the recorded query
 *    results (parsing them from JSON again, judging, scoring, building alerts; the query figures
 *    include their own JSON parsing too).
 *
 * CPU is `process.cpuUsage()`: every thread of the process, chDB's engine threads included. Peak RSS is
 * the process's (Node and engine together), reset before each measurement (`/proc/self/clear_refs`).
 * The engine runs one query at a time per process, on a thread of its own: analyze's Node work on the
 * peer summaries overlaps the protocol-events query, so its wall time is less than the sum of the
 * queries and the Node side by as much as a second core is free. Figures go to stdout as markdown;
 * nothing here asserts timings.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs, promisify } from 'node:util';
import { analyze } from '../analyzer/analyze.js';
import type { QueryRunner } from '../analyzer/queries/flow-view.js';
import { loadRules } from '../analyzer/rules/default-rules.js';
import { FlowWriter, openStore, type Store } from '../store/index.js';
import { FleetNight } from './fleet-synthetic-flows.js';

const { values: args } = parseArgs({
  options: {
    flows: { type: 'string', default: '10000000' },
    hours: { type: 'string', default: '8' },
    runs: { type: 'string', default: '3' },
    warm: { type: 'string', default: '3' },
    data: { type: 'string' },
    keep: { type: 'boolean', default: false },
    json: { type: 'string' },
    measure: { type: 'boolean', default: false },
  },
});
const HOURS = Number(args.hours);
/** The night starts at 22:00 UTC: two day partitions, as a real night has. */
const NIGHT_START = Date.UTC(2026, 10, 25, 22);
const WINDOW = { sinceMs: NIGHT_START, untilMs: NIGHT_START + HOURS * 3_600_000 };
const INGEST_ID = 'fleet-night';

interface Cost {
  wallMs: number;
  cpuMs: number;
  /** Peak RSS of the process during the measurement, MiB. */
  peakRssMiB: number;
}

interface QueryCost extends Cost {
  name: string;
  resultRows: number;
  selectedRows: number;
  readCompressedMiB: number;
}

interface RunResult {
  cold: Cost & { alerts: number };
  warm: Cost[];
  queries: QueryCost[][];
  nodeSide: Cost[];
  heapAfterMiB: number;
}

const mib = (b: number): number => Math.round(b / 1048576);

function peakRssReset(): void {
  try {
    writeFileSync('/proc/self/clear_refs', '5');
  } catch {
    // not Linux: the peak is then the process's lifetime peak
  }
}

function peakRssMiB(): number {
  const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync('/proc/self/status', 'utf8'));
  return m ? Math.round(Number(m[1]) / 1024) : mib(process.memoryUsage().rss);
}

async function cost<T>(fn: () => Promise<T>): Promise<[T, Cost]> {
  peakRssReset();
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  const r = await fn();
  const wallMs = performance.now() - t0;
  const c = process.cpuUsage(c0);
  return [r, { wallMs, cpuMs: (c.user + c.system) / 1000, peakRssMiB: peakRssMiB() }];
}

/** A query's name: its leading `/* camwatch: name *\/` tag, else its first words. */
function queryName(sql: string): string {
  const tag = /\/\*\s*camwatch:\s*([\w-]+)/.exec(sql);
  return tag ? tag[1]! : sql.trim().split(/\s+/).slice(0, 4).join(' ');
}

interface RecordedCall {
  sql: string;
  params: Record<string, unknown> | undefined;
  /** Asked as compact rows (`compactRows`) rather than objects. */
  compact: boolean;
  /** The result as JSON text: replaying parses it again, as the client parses the engine's output. */
  json: string;
}

/** The store as analyze sees it, keeping every call and its result for the per-query figures. */
function recordingRunner(store: Store, calls: RecordedCall[]): QueryRunner {
  return {
    async rows<T>(sql: string, params?: Record<string, unknown>): Promise<T[]> {
      const rows = await store.rows<T>(sql, params);
      calls.push({ sql, params, compact: false, json: JSON.stringify(rows) });
      return rows;
    },
    async compactRows(sql: string, params?: Record<string, unknown>) {
      const result = await store.compactRows(sql, params);
      calls.push({ sql, params, compact: true, json: JSON.stringify(result) });
      return result;
    },
  };
}

/** Hands analyze the recorded results, so only its Node side runs. */
function replayRunner(calls: RecordedCall[]): QueryRunner {
  const recorded = (sql: string, params: Record<string, unknown> | undefined): string => {
    const hit = calls.find((c) => c.sql === sql && JSON.stringify(c.params) === JSON.stringify(params));
    if (!hit) throw new Error(`analysis-bench: no recorded result for ${queryName(sql)}`);
    return hit.json;
  };
  return {
    async rows<T>(sql: string, params?: Record<string, unknown>): Promise<T[]> {
      return JSON.parse(recorded(sql, params)) as T[];
    },
    async compactRows(sql: string, params?: Record<string, unknown>) {
      return JSON.parse(recorded(sql, params)) as { names: string[]; rows: unknown[][] };
    },
  };
}

async function engineEvents(store: Store): Promise<Record<string, number>> {
  const rows = await store.rows<{ event: string; value: string }>(
    "SELECT event, value FROM system.events WHERE event IN ('SelectedRows', 'ReadCompressedBytes')",
  );
  return Object.fromEntries(rows.map((r) => [r.event, Number(r.value)]));
}

async function measure(dir: string, warmRuns: number): Promise<RunResult> {
  const store = await openStore({ dataDir: dir, ttlDays: 0 });
  try {
    const rules = await loadRules();
    const opts = { window: WINDOW, nowMs: WINDOW.untilMs };
    const calls: RecordedCall[] = [];
    const [first, coldCost] = await cost(() => analyze(recordingRunner(store, calls), rules, opts));
    const warm: Cost[] = [];
    for (let i = 0; i < warmRuns; i++) warm.push((await cost(() => analyze(store, rules, opts)))[1]);
    const queries: QueryCost[][] = [];
    for (let i = 0; i < warmRuns; i++) {
      const round: QueryCost[] = [];
      for (const call of calls) {
        const e0 = await engineEvents(store);
        const [rows, c] = await cost(async () =>
          call.compact
            ? (await store.compactRows(call.sql, call.params)).rows
            : await store.rows(call.sql, call.params),
        );
        const e1 = await engineEvents(store);
        round.push({
          name: queryName(call.sql),
          ...c,
          resultRows: rows.length,
          selectedRows: (e1.SelectedRows ?? 0) - (e0.SelectedRows ?? 0),
          readCompressedMiB: mib((e1.ReadCompressedBytes ?? 0) - (e0.ReadCompressedBytes ?? 0)),
        });
      }
      queries.push(round);
    }
    const nodeSide: Cost[] = [];
    for (let i = 0; i < warmRuns; i++)
      nodeSide.push((await cost(() => analyze(replayRunner(calls), rules, opts)))[1]);
    return {
      cold: { ...coldCost, alerts: first.alerts.length },
      warm,
      queries,
      nodeSide,
      heapAfterMiB: mib(process.memoryUsage().heapUsed),
    };
  } finally {
    await store.close();
  }
}

async function fill(dir: string, flows: number): Promise<{ flows: number; parts: number; fillS: number }> {
  const store = await openStore({ dataDir: dir, ttlDays: 0 });
  try {
    const count = async (): Promise<number> =>
      Number(
        (
          await store.rows<{ n: string }>('SELECT count() AS n FROM flows WHERE ingest_id = {id:String}', {
            id: INGEST_ID,
          })
        )[0]?.n ?? 0,
      );
    let fillS = 0;
    if ((await count()) === 0) {
      const t0 = performance.now();
      const night = new FleetNight({
        cameras: FleetNight.camerasFor(flows, HOURS),
        startMs: NIGHT_START,
        hours: HOURS,
        ingestId: INGEST_ID,
      });
      const writer = new FlowWriter(store);
      for (const batch of night.batches(50_000)) await writer.write(batch);
      await writer.flush();
      await store.command('OPTIMIZE TABLE flows FINAL');
      fillS = (performance.now() - t0) / 1000;
    }
    const [parts] = await store.rows<{ n: string }>(
      "SELECT count() AS n FROM system.parts WHERE table = 'flows' AND active",
    );
    return { flows: await count(), parts: Number(parts?.n ?? 0), fillS };
  } finally {
    await store.close();
  }
}

const fmt = (n: number, digits = 2): string => n.toFixed(digits);
/** "median (min–max)" of a list of figures. */
function spread(xs: number[], digits = 2): string {
  const s = [...xs].sort((a, b) => a - b);
  const med = s[Math.floor(s.length / 2)]!;
  return s.length === 1
    ? fmt(med, digits)
    : `${fmt(med, digits)} (${fmt(s[0]!, digits)}–${fmt(s.at(-1)!, digits)})`;
}

function report(
  results: RunResult[],
  store: { flows: number; parts: number; fillS: number },
  load: { before: number[]; after: number[] },
): string {
  const s = (ms: number): number => ms / 1000;
  const lines: string[] = [];
  const cpu = cpus()[0]?.model ?? 'unknown CPU';
  lines.push(
    `camwatch analysis bench — ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC`,
    '',
    `- machine: ${cpu}, ${cpus().length} cores, ${mib(totalmem()) >> 10} GiB; node ${process.version}; load average ${load.before.map((x) => x.toFixed(2)).join(' ')} before, ${load.after.map((x) => x.toFixed(2)).join(' ')} after`,
    `- store: embedded chDB, ${store.flows.toLocaleString('en-US')} flows (fleet-synthetic-flows, ${HOURS} h night), ${store.parts} active parts${store.fillS ? `, filled in ${store.fillS.toFixed(0)} s` : ''}`,
    `- ${results.length} processes; figures are median (min–max) over them; alerts per run: ${[...new Set(results.map((r) => r.cold.alerts))].join(', ')}`,
    '',
    '| what | wall s | CPU s | peak RSS MiB |',
    '| --- | ---: | ---: | ---: |',
  );
  const row = (what: string, cs: Cost[]): void => {
    lines.push(
      `| ${what} | ${spread(cs.map((c) => s(c.wallMs)))} | ${spread(cs.map((c) => s(c.cpuMs)))} | ${spread(
        cs.map((c) => c.peakRssMiB),
        0,
      )} |`,
    );
  };
  row(
    '**analyze(), cold** (first run in a fresh process)',
    results.map((r) => r.cold),
  );
  row(
    '**analyze(), warm**',
    results.flatMap((r) => r.warm),
  );
  row(
    "analyze's Node side alone (JSON parse of recorded results, judging, scoring, alerts)",
    results.flatMap((r) => r.nodeSide),
  );
  lines.push(
    '',
    'Each query alone (warm; JSON parsing of the result included):',
    '',
    '| query | wall s | CPU s | peak RSS MiB | result rows | rows read | compressed MiB read |',
    '| --- | ---: | ---: | ---: | ---: | ---: | ---: |',
  );
  const n = results[0]?.queries[0]?.length ?? 0;
  for (let q = 0; q < n; q++) {
    const all = results.flatMap((r) => r.queries.map((round) => round[q]!));
    const one = all[0]!;
    lines.push(
      `| ${one.name} | ${spread(all.map((c) => s(c.wallMs)))} | ${spread(all.map((c) => s(c.cpuMs)))} | ${spread(
        all.map((c) => c.peakRssMiB),
        0,
      )} | ${one.resultRows.toLocaleString('en-US')} | ${one.selectedRows.toLocaleString('en-US')} | ${one.readCompressedMiB} |`,
    );
  }
  return `${lines.join('\n')}\n`;
}

async function main(): Promise<void> {
  if (args.measure) {
    process.stdout.write(JSON.stringify(await measure(args.data!, Number(args.warm))));
    return;
  }
  const dir = args.data ?? mkdtempSync(join(tmpdir(), 'camwatch-analysis-bench-'));
  try {
    const stored = await fill(dir, Number(args.flows));
    const load = { before: loadavg(), after: [] as number[] };
    const results: RunResult[] = [];
    for (let r = 0; r < Number(args.runs); r++) {
      const { stdout } = await promisify(execFile)(
        process.execPath,
        [
          fileURLToPath(import.meta.url),
          '--measure',
          '--data',
          dir,
          '--warm',
          String(args.warm),
          '--hours',
          String(HOURS),
        ],
        { maxBuffer: 64 << 20 },
      );
      results.push(JSON.parse(stdout) as RunResult);
    }
    load.after = loadavg();
    const text = report(results, stored, load);
    process.stdout.write(text);
    if (args.json) writeFileSync(args.json, `${JSON.stringify({ stored, load, results }, null, 2)}\n`);
  } finally {
    if (!args.keep && !args.data) rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((e: unknown) => {
  process.stderr.write(`${(e as Error).stack ?? String(e)}\n`);
  process.exitCode = 1;
});
