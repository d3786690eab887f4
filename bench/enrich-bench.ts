/**
 * Enrichment benchmark (issue #4): what the open-data default costs to load, how fast lookups run
 * with and without the per-address cache, and what enrichment adds to ingest time.
 *
 *   npm run build && node dist/bench/enrich-bench.js            # all phases, table to stdout
 *   FLOWS=1000000 PEERS=10000 CAMERAS=100 HOURS=8 PACKETS=1000000 REPS=3 node dist/bench/enrich-bench.js
 *
 * Phases (each load phase runs in its own child process so its memory is its own):
 *   load-csv    createGeo() with the open data, ASN ranges parsed from the CSV (first use)
 *   load-cache  the same with the binary range cache written by the first use (every later start)
 *   lookups     10 000 distinct peers looked up once each (all cache misses), then 1 M flows whose
 *               peers follow a Zipf law over those 10 000 (a few clouds take most flows), through
 *               createEnricher().enrich(): flows/s, ns/flow; and the same with the cache disabled
 *   ingest      a capture from ../shared/tools/gen-camera-pcap read into flows, then those flows
 *               enriched: enrichment time as a share of ingest time (target < 10 %)
 *
 * Results: stdout and bench/enrich-results.md (with the machine). Timings vary with load on the
 * machine; tests never assert them.
 */

import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, platform, release, tmpdir, totalmem } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createEnricher, type Enricher } from '../ingest/enrich/enricher.js';
import { createGeo } from '../ingest/enrich/geo.js';
import { formatIPv4, formatIPv6 } from '../ingest/enrich/ip-address.js';
import { readInputs } from '../ingest/index.js';
import { FLOW_FIELDS, type Flow } from '../model/flow-fields.js';

const here = dirname(fileURLToPath(import.meta.url));
const ROOT = resolve(here, existsSync(resolve(here, '../package.json')) ? '..' : '../..');
const FLOWS = Number(process.env.FLOWS ?? 1_000_000);
const PEERS = Number(process.env.PEERS ?? 10_000);
const PACKETS = Number(process.env.PACKETS ?? 1_000_000);
const CAMERAS = Number(process.env.CAMERAS ?? 100);
const HOURS = Number(process.env.HOURS ?? 8);
const REPS = Number(process.env.REPS ?? 3);
const SHARED = resolve(ROOT, process.env.CAMWATCH_SHARED ?? '../shared');

const mb = (bytes: number): string => `${(bytes / 2 ** 20).toFixed(1)} MiB`;
const fmt = (n: number): string => Math.round(n).toLocaleString('en-US');

function memNow(): { rss: number; heap: number; ab: number } {
  (globalThis as { gc?: () => void }).gc?.();
  const m = process.memoryUsage();
  return { rss: m.rss, heap: m.heapUsed, ab: m.arrayBuffers };
}

/** Deterministic PRNG (mulberry32) so every run draws the same peers and flows. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const V6_PREFIXES = [
  0x26064700, 0x20014860, 0x2a032880, 0x24008000, 0x24046800, 0x2a0098c0, 0x26001f00, 0x24018000,
];

/** Public peers: 85 % IPv4 drawn over 1.0.0.0–223.255.255.255 (skipping special blocks), 15 % IPv6 in big clouds. */
function makePeers(n: number, rand: () => number): string[] {
  const out = new Set<string>();
  while (out.size < n) {
    if (rand() < 0.85) {
      const v = Math.floor(rand() * (224 - 1) * 2 ** 24) + 2 ** 24;
      const a = v >>> 24;
      if (a === 10 || a === 127 || a === 100 || a === 169 || a === 172 || a === 192 || a === 198) continue;
      out.add(formatIPv4(v));
    } else {
      const w = [
        V6_PREFIXES[Math.floor(rand() * V6_PREFIXES.length)],
        Math.floor(rand() * 2 ** 32),
        0,
        Math.floor(rand() * 2 ** 16),
      ];
      out.add(formatIPv6(w));
    }
  }
  return [...out];
}

/** Zipf(s≈1.1) ranks over n items by inverse CDF on precomputed weights. */
function zipfPicker(n: number, rand: () => number): () => number {
  const cdf = new Float64Array(n);
  let sum = 0;
  for (let i = 0; i < n; i++) {
    sum += 1 / (i + 1) ** 1.1;
    cdf[i] = sum;
  }
  return () => {
    const x = rand() * sum;
    let lo = 0;
    let hi = n - 1;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (cdf[mid] < x) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  };
}

function makeFlows(count: number, peers: string[], rand: () => number): Flow[] {
  const pick = zipfPicker(peers.length, rand);
  const flows: Flow[] = new Array(count);
  for (let i = 0; i < count; i++) {
    const cam = 1 + Math.floor(rand() * 200);
    const f = {
      start: i,
      end: i + 1,
      proto: 6,
      origIp: `10.0.${cam >> 8}.${cam & 255}`,
      origPort: 40000 + (i % 20000),
      respIp: peers[pick()],
      respPort: 443,
      origPackets: 3,
      origBytes: 300,
      respPackets: 2,
      respBytes: 200,
      sourceFormat: 'bench',
    } as Flow;
    if (i % 3 === 0) f.tlsSni = 'cloud.example.com';
    flows[i] = f;
  }
  return flows;
}

// ---- phases (children) -----------------------------------------------------------------------

function phaseLoad(cacheDir: string | false): Record<string, unknown> {
  const before = memNow();
  const t0 = performance.now();
  const geo = createGeo({ cacheDir });
  const ms = performance.now() - t0;
  const after = memNow();
  const out = {
    ms,
    rss: after.rss - before.rss,
    heap: after.heap - before.heap,
    arrayBuffers: after.ab - before.ab,
    sources: geo.sources.map((s) => ({ type: s.type, loadMs: s.loadMs, detail: s.detail })),
    missing: geo.missingOpenData,
  };
  geo.close();
  return out;
}

/** CPU time of this process in ms (user + system): steadier than wall time on a shared machine. */
function cpuMs(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
}

/** Best (least CPU) of `reps` runs of `fn`, each given fresh state by `setup`. */
function best<S>(reps: number, setup: () => S, fn: (s: S) => void): number {
  let min = Number.POSITIVE_INFINITY;
  for (let i = 0; i < reps; i++) {
    const state = setup();
    const t0 = cpuMs();
    fn(state);
    min = Math.min(min, cpuMs() - t0);
  }
  return min;
}

/** Every enrich-group field of the model, set to undefined: a flow in its final shape. */
const PRESHAPE: Partial<Flow> = Object.fromEntries(
  FLOW_FIELDS.filter((f) => f.group === 'enrich').map((f) => [f.name, undefined]),
);

function phaseLookups(cacheDir: string): Record<string, unknown> {
  const rand = rng(42);
  const peers = makePeers(PEERS, rand);
  // 1. distinct lookups: every one a miss of the geo cache
  let hits = 0;
  const distinctMs = best(
    REPS,
    () => createGeo({ cacheDir }),
    (geo) => {
      hits = 0;
      for (const p of peers) if (geo.lookup(p).asn !== undefined) hits++;
    },
  );
  // 1b. steady state: misses on a Geo whose code is already warm (30 000 other peers first)
  const more = makePeers(60_000, rng(99));
  const steadyMs = best(
    REPS,
    () => {
      const geo = createGeo({ cacheDir });
      for (let i = 0; i < 30_000; i++) geo.lookup(more[i]);
      return geo;
    },
    (geo) => {
      for (let i = 30_000; i < 60_000; i++) geo.lookup(more[i]);
    },
  );
  // 2. flows through a fresh enricher (caches empty), so the misses of the first sight of each
  //    peer are included
  let stats = { addressLookups: 0, addressCacheMisses: 0 };
  let withAsn = 0;
  const cachedMs = best(
    REPS,
    () => ({ flows: makeFlows(FLOWS, peers, rng(7)), enr: createEnricher({ geo: { cacheDir } }) }),
    ({ flows, enr }) => {
      for (const f of flows) enr.enrich(f);
      stats = { ...enr.stats };
      withAsn = 0;
      for (const f of flows) if (f.peerAsn !== undefined) withAsn++;
    },
  );
  // 2b. the same on flows created with every enrich field already present (undefined): what a
  //     reader gains by building flows in their final shape (no hidden-class transitions)
  const preshapedMs = best(
    REPS,
    () => ({
      flows: makeFlows(FLOWS, peers, rng(7)).map((f) => Object.assign(f, PRESHAPE)),
      enr: createEnricher({ geo: { cacheDir } }),
    }),
    ({ flows, enr }) => {
      for (const f of flows) enr.enrich(f);
    },
  );
  // 3. the same with (practically) no cache: address info and geo recomputed per flow
  const fewer = Math.min(FLOWS, 100_000);
  const uncachedMs = best(
    REPS,
    () => ({
      flows: makeFlows(fewer, peers, rng(7)),
      enr: createEnricher({ cacheSize: 1, geo: { cacheDir, cacheSize: 1 } }),
    }),
    ({ flows, enr }) => {
      for (const f of flows) enr.enrich(f);
    },
  );
  // 4. baseline: writing the same enrich fields without computing anything (the floor)
  const floorMs = best(
    REPS,
    () => makeFlows(FLOWS, peers, rng(7)),
    (flows) => {
      for (const f of flows) {
        f.deviceSide = 'orig';
        f.deviceIp = f.origIp;
        f.peerIp = f.respIp;
        f.peerPort = f.respPort;
        f.peerClass = 'public';
        f.peerCountry = 'US';
        f.peerAsn = 1;
        f.peerAsOrg = 'x';
      }
    },
  );
  return {
    peers: PEERS,
    peersWithAsn: hits,
    distinctLookupsPerSec: PEERS / (distinctMs / 1000),
    steadyMissesPerSec: 30_000 / (steadyMs / 1000),
    flows: FLOWS,
    flowsWithAsn: withAsn,
    cachedFlowsPerSec: FLOWS / (cachedMs / 1000),
    cachedNsPerFlow: (cachedMs * 1e6) / FLOWS,
    addressMisses: stats.addressCacheMisses,
    addressLookups: stats.addressLookups,
    uncachedFlows: fewer,
    uncachedFlowsPerSec: fewer / (uncachedMs / 1000),
    uncachedNsPerFlow: (uncachedMs * 1e6) / fewer,
    floorNsPerFlow: (floorMs * 1e6) / FLOWS,
    preshapedNsPerFlow: (preshapedMs * 1e6) / FLOWS,
  };
}

async function phaseIngest(cacheDir: string, pcap: string): Promise<Record<string, unknown>> {
  // each run reads the capture afresh and enriches the flows it produced (fresh enricher and geo
  // cache), so the misses of the first sight of every address are counted each time
  let flows: Flow[] = [];
  let ingestMs = Number.POSITIVE_INFINITY;
  let enrichMs = Number.POSITIVE_INFINITY;
  let enr: Enricher | undefined;
  for (let i = 0; i < REPS; i++) {
    const got: Flow[] = [];
    let t0 = cpuMs();
    for await (const batch of readInputs([pcap], {})) for (const f of batch.flows) got.push(f);
    ingestMs = Math.min(ingestMs, cpuMs() - t0);
    enr = createEnricher({}, { geo: createGeo({ cacheDir }) });
    t0 = cpuMs();
    for (const f of got) enr.enrich(f);
    enrichMs = Math.min(enrichMs, cpuMs() - t0);
    flows = got;
  }
  const sides: Record<string, number> = {};
  for (const f of flows) sides[f.deviceSide ?? '?'] = (sides[f.deviceSide ?? '?'] ?? 0) + 1;
  return {
    flows: flows.length,
    ingestMs,
    enrichMs,
    share: enrichMs / ingestMs,
    distinctAddresses: enr?.stats.addressCacheMisses ?? 0,
    sides,
  };
}

function child(phase: string, ...args: string[]): Record<string, unknown> {
  const r = spawnSync(process.execPath, ['--expose-gc', fileURLToPath(import.meta.url), phase, ...args], {
    encoding: 'utf8',
    maxBuffer: 64 * 2 ** 20,
  });
  if (r.status !== 0) throw new Error(`phase ${phase} failed:\n${r.stderr}`);
  return JSON.parse(r.stdout.trim().split('\n').pop()!);
}

function dirSize(dir: string): number {
  try {
    return Number(execFileSync('du', ['-sb', dir], { encoding: 'utf8' }).split('\t')[0]);
  } catch {
    return Number.NaN;
  }
}

async function main(): Promise<void> {
  const [phase, arg, arg2] = process.argv.slice(2);
  if (phase === 'load') {
    process.stdout.write(`${JSON.stringify(phaseLoad(arg === 'none' ? false : arg))}\n`);
    return;
  }
  if (phase === 'lookups') {
    process.stdout.write(`${JSON.stringify(phaseLookups(arg))}\n`);
    return;
  }
  if (phase === 'ingest') {
    process.stdout.write(`${JSON.stringify(await phaseIngest(arg, arg2))}\n`);
    return;
  }

  const cacheDir = mkdtempSync(join(tmpdir(), 'cw-enrich-bench-'));
  const lines: string[] = [];
  const say = (s: string): void => {
    lines.push(s);
    process.stdout.write(`${s}\n`);
  };
  try {
    const cpu = cpus();
    say('# Enrichment benchmark');
    say('');
    say(
      `Machine: ${cpu[0]?.model ?? '?'}, ${cpu.length} cores, ${mb(totalmem())} RAM, ${platform()} ${release()}, Node ${process.version}; ${new Date().toISOString()}`,
    );
    say(
      `Load average at start: ${loadavg()
        .map((x) => x.toFixed(1))
        .join(
          ' ',
        )}. Rates are CPU time (user + system) of the best of ${REPS} runs; load times are wall time.`,
    );
    say('');
    const pkgs = ['@ip-location-db/geo-whois-asn-country-mmdb', '@ip-location-db/asn'];
    say('| open-data package | installed size |');
    say('| --- | --- |');
    for (const p of pkgs) say(`| ${p} | ${mb(dirSize(join(ROOT, 'node_modules', p)))} |`);
    say('');

    const csv = child('load', 'none');
    const warm = child('load', cacheDir); // writes the cache
    const cached = child('load', cacheDir);
    say('| default data load | time | RSS added | heap added | array buffers |');
    say('| --- | --- | --- | --- | --- |');
    for (const [name, r] of [
      ['first use (ASN CSV parsed)', csv],
      ['first use writing the cache', warm],
      ['later starts (binary cache)', cached],
    ] as const) {
      say(
        `| ${name} | ${(r.ms as number).toFixed(0)} ms | ${mb(r.rss as number)} | ${mb(r.heap as number)} | ${mb(r.arrayBuffers as number)} |`,
      );
    }
    say('');
    say(
      `Sources: ${(cached.sources as Array<{ type: string; loadMs: number; detail?: string }>)
        .map((s) => `${s.type} ${s.loadMs.toFixed(0)} ms${s.detail ? ` (${s.detail})` : ''}`)
        .join('; ')}`,
    );
    say('');

    const l = child('lookups', cacheDir);
    say(
      `| lookups (${fmt(l.peers as number)} distinct public peers, ${fmt(l.flows as number)} flows, Zipf) | rate | per item |`,
    );
    say('| --- | --- | --- |');
    say(
      `| distinct peers on a fresh Geo, each a miss (country MMDB + ASN table; includes JIT warm-up) | ${fmt(l.distinctLookupsPerSec as number)} lookups/s | ${(1e9 / (l.distinctLookupsPerSec as number)).toFixed(0)} ns |`,
    );
    say(
      `| distinct peers on a warmed-up Geo (30 000 misses after 30 000 others) | ${fmt(l.steadyMissesPerSec as number)} lookups/s | ${(1e9 / (l.steadyMissesPerSec as number)).toFixed(0)} ns |`,
    );
    say(
      `| enrich() with the per-address cache | ${fmt(l.cachedFlowsPerSec as number)} flows/s | ${(l.cachedNsPerFlow as number).toFixed(0)} ns |`,
    );
    say(
      `| enrich() with the cache off (${fmt(l.uncachedFlows as number)} flows) | ${fmt(l.uncachedFlowsPerSec as number)} flows/s | ${(l.uncachedNsPerFlow as number).toFixed(0)} ns |`,
    );
    say(
      `| enrich() with the cache, on flows built with the enrich fields present | ${fmt(1e9 / (l.preshapedNsPerFlow as number))} flows/s | ${(l.preshapedNsPerFlow as number).toFixed(0)} ns |`,
    );
    say(
      `| floor: writing 8 enrich fields, nothing computed | | ${(l.floorNsPerFlow as number).toFixed(0)} ns |`,
    );
    say('');
    say(
      `Address cache: ${fmt(l.addressMisses as number)} misses for ${fmt(l.addressLookups as number)} address lookups; ${fmt(l.peersWithAsn as number)} of ${fmt(l.peers as number)} peers have an ASN.`,
    );
    say('');

    const gen = join(SHARED, 'tools/gen-camera-pcap');
    if (existsSync(gen) && PACKETS > 0) {
      const outDir = join(ROOT, 'bench/out/enrich');
      mkdirSync(outDir, { recursive: true });
      const pcap = join(outDir, `cam-s7-c${CAMERAS}-h${HOURS}-p${PACKETS}.pcap`);
      if (!existsSync(pcap)) {
        execFileSync('python3', [
          gen,
          '--seed',
          '7',
          '--cameras',
          String(CAMERAS),
          '--hours',
          String(HOURS),
          '--target-packets',
          String(PACKETS),
          '--out',
          `${pcap}.tmp`,
          '--truth',
          join(outDir, 'truth.json'),
          '--quiet',
        ]);
        execFileSync('mv', [`${pcap}.tmp`, pcap]);
      }
      const g = child('ingest', cacheDir, pcap);
      say(
        `| ingest vs enrichment (gen-camera-pcap --seed 7 --cameras ${CAMERAS} --hours ${HOURS}) | flows | ingest | enrich | enrich / ingest |`,
      );
      say('| --- | --- | --- | --- | --- |');
      say(
        `| ${PACKETS.toLocaleString('en-US')} packets | ${fmt(g.flows as number)} | ${(g.ingestMs as number).toFixed(0)} ms | ${(g.enrichMs as number).toFixed(1)} ms | ${((g.share as number) * 100).toFixed(2)} % |`,
      );
      say('');
      say(
        `Device sides: ${JSON.stringify(g.sides)}; distinct addresses: ${fmt(g.distinctAddresses as number)}.`,
      );
    } else {
      say(`(ingest comparison skipped: ${PACKETS > 0 ? `${gen} not found` : 'PACKETS=0'})`);
    }
    writeFileSync(join(ROOT, 'bench/enrich-results.md'), `${lines.join('\n')}\n`);
  } finally {
    rmSync(cacheDir, { recursive: true, force: true });
  }
}

await main();
