/**
 * API load test: `GET /api/v1/alerts` (four typical analyst queries) at 50 concurrent connections
 * (autocannon) against a store holding ≥ 100 000 alerts, while captures are uploaded, ingested and
 * analysed through `POST /api/v1/uploads` in the same server at the same time.
 *
 *   npx tsc -p tsconfig.build.json && node dist/bench/api-load.js [--alerts 100000] [--seconds 30] [--connections 50]
 *
 * The server (embedded chDB, buildApp, 127.0.0.1 port 0) runs in a child process so the load
 * generator does not share its event loop. Uploads are real captures from ../shared/data; each round
 * changes the pcap header's unused `sigfigs` field so the ledger sees new bytes and ingests again.
 * Prints a markdown table with the machine and writes it to bench/api-results.md (bench/api-results-nocache.md with --cache-ms 0).
 */
import { fork } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import autocannon from 'autocannon';

const { values: args } = parseArgs({
  options: {
    alerts: { type: 'string', default: '100000' },
    seconds: { type: 'string', default: '30' },
    connections: { type: 'string', default: '50' },
    server: { type: 'boolean', default: false },
    data: { type: 'string' },
    'cache-ms': { type: 'string', default: '2000' },
  },
});

const HERE = dirname(fileURLToPath(import.meta.url));
const ROOT = resolve(HERE, HERE.includes(`${'/dist/'}`) ? '../..' : '..');
const SHARED = process.env.CAMWATCH_SHARED ?? resolve(ROOT, '../shared');
const DETECTORS = [
  'egress',
  'vendor-cloud',
  'beacon',
  'dns-outside',
  'ntp-public',
  'volume',
  'telnet-out',
  'new-peer',
];
const SEVERITIES = ['info', 'low', 'medium', 'high', 'critical'] as const;
const COUNTRIES = ['CN', 'US', 'DE', 'NL', 'SG', 'RU', 'FR', 'JP'];

async function server(): Promise<void> {
  const dir = args.data ?? mkdtempSync(join(tmpdir(), 'camwatch-api-bench-'));
  const { insertNewAlerts, openStore } = await import('../store/index.js');
  const api = await import('../api/index.js');
  const { createEnricher } = await import('../ingest/enrich/index.js');
  const store = await openStore({ dataDir: join(dir, 'store') });
  const n = Number(args.alerts);
  const t0 = Date.UTC(2026, 10, 1);
  let seed = 7;
  const rnd = (k: number): number => {
    seed = (seed * 1103515245 + 12345) >>> 0;
    return seed % k;
  };
  const batch = [];
  for (let i = 0; i < n; i++) {
    const dev = rnd(2000);
    const first = t0 + rnd(26 * 86_400) * 1000;
    const sev = SEVERITIES[rnd(5)];
    batch.push({
      id: `cw-${i.toString(16).padStart(24, '0')}`,
      deviceIp: `10.${(dev >> 8) & 255}.${dev & 255}.${1 + rnd(250)}`,
      deviceSite: `site-${dev % 20}`,
      deviceVendor: ['Hikvision', 'Dahua', 'Axis', 'Uniview'][dev % 4],
      peerIp: `${1 + rnd(220)}.${rnd(256)}.${rnd(256)}.${rnd(256)}`,
      peerName: rnd(2) ? `dev${rnd(500)}.vendor-cloud-${rnd(40)}.com` : undefined,
      peerPort: [443, 80, 8000, 53, 123, 554][rnd(6)],
      peerCountry: COUNTRIES[rnd(COUNTRIES.length)],
      peerAsn: 1000 + rnd(5000),
      detector: DETECTORS[rnd(DETECTORS.length)] as never,
      severity: sev,
      score: SEVERITIES.indexOf(sev) * 20 + rnd(20),
      firstSeen: first,
      lastSeen: first + rnd(86_400) * 1000,
      count: 1 + rnd(1000),
      bytes: rnd(10_000_000),
      explanation: `Camera made connections to a destination outside its policy (synthetic alert ${i}).`,
      evidence: { ports: [443], names: [{ name: `dev${i % 500}.example.com`, source: 'sni' }] },
    });
  }
  await insertNewAlerts(store, batch);
  const tokens = api.openTokenFile(dir);
  const analyst = tokens.create('analyst', 'bench').token;
  const uploader = tokens.create('ingest-job', 'bench-uploads').token;
  const enricher = createEnricher({});
  const app = await api.buildApp(
    { dataDir: dir, spoolDir: join(dir, 'spool'), rateLimitMax: 0, alertCacheMs: Number(args['cache-ms']) },
    { store, tokens, rules: await api.createRulesHolder([]), enrich: (f) => enricher.enrich(f) },
  );
  const address = await app.listen({ host: '127.0.0.1', port: 0 });
  const [{ c }] = await store.rows<{ c: string }>('SELECT toString(count()) AS c FROM alerts FINAL');
  process.send?.({ address, analyst, uploader, alerts: Number(c) });
  process.on('message', async (m: { stop?: boolean; cpu?: boolean }) => {
    // The server's CPU time (Node and the chDB engine threads of this process), asked for around
    // the measured window: on a shared machine it is the steadier figure.
    if (m.cpu) process.send?.({ cpu: process.cpuUsage() });
    if (!m.stop) return;
    await app.close();
    enricher.close();
    await store.close();
    if (!args.data) rmSync(dir, { recursive: true, force: true });
    process.exit(0);
  });
}

/** Classic pcap files (header magic) from the shared data: uploads for the background load. */
function captures(): Buffer[] {
  const out: Buffer[] = [];
  for (const sub of ['iot', 'tls', 'http', 'dns', 'ntp', 'quic', 'stun', 'ssdp-upnp']) {
    const d = join(SHARED, 'data/pcap', sub);
    let names: string[] = [];
    try {
      names = readdirSync(d);
    } catch {
      continue;
    }
    for (const n of names) {
      const b = readFileSync(join(d, n));
      const magic = b.readUInt32LE(0);
      if ((magic === 0xa1b2c3d4 || magic === 0xd4c3b2a1) && b.length < 2_000_000) out.push(b);
    }
  }
  return out;
}

async function main(): Promise<void> {
  const child = fork(
    fileURLToPath(import.meta.url),
    ['--server', '--alerts', String(args.alerts), '--cache-ms', String(args['cache-ms'])],
    {
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    },
  );
  const ready = await new Promise<{ address: string; analyst: string; uploader: string; alerts: number }>(
    (ok, fail) => {
      child.once('message', (m) => ok(m as never));
      child.once('exit', (code) => fail(new Error(`server exited (${code})`)));
    },
  );
  const files = captures();
  let stop = false;
  const up = { accepted: 0, rejected: 0, jobsDone: 0, jobsFailed: 0, flows: 0 };
  const uploads = (async () => {
    for (let round = 0; !stop; round++) {
      for (const bytes of files) {
        if (stop) break;
        const b = Buffer.from(bytes);
        b.writeUInt32LE(round + 1, 12); // sigfigs: unused by readers, new bytes for the ledger
        const form = new FormData();
        form.append('file', new Blob([b]), `bench-${round}.pcap`);
        const res = await fetch(`${ready.address}/api/v1/uploads`, {
          method: 'POST',
          body: form,
          headers: { authorization: `Bearer ${ready.uploader}` },
        });
        const body = (await res.json()) as { job?: { id: string } };
        if (res.status !== 202 || !body.job) {
          up.rejected++;
          continue;
        }
        up.accepted++;
        for (;;) {
          const j = (await (
            await fetch(`${ready.address}/api/v1/jobs/${body.job.id}`, {
              headers: { authorization: `Bearer ${ready.uploader}` },
            })
          ).json()) as { state: string; ingest?: { flows: number } };
          if (j.state === 'done' || j.state === 'failed') {
            if (j.state === 'done') up.jobsDone++;
            else up.jobsFailed++;
            up.flows += j.ingest?.flows ?? 0;
            break;
          }
          await new Promise((r) => setTimeout(r, 100));
        }
      }
    }
  })();
  const requests = [
    { path: '/api/v1/alerts?limit=50' },
    { path: '/api/v1/alerts?limit=50&severity=high,critical&status=open' },
    { path: '/api/v1/alerts?limit=50&sort=-score&peerCountry=CN' },
    { path: '/api/v1/alerts?limit=50&site=site-3&detector=beacon,egress' },
  ].map((r) => ({ ...r, method: 'GET' as const }));
  // warm-up
  await autocannon({
    url: ready.address,
    connections: 4,
    duration: 3,
    headers: { authorization: `Bearer ${ready.analyst}` },
    requests,
  });
  const serverCpu = (): Promise<NodeJS.CpuUsage> =>
    new Promise((ok) => {
      child.once('message', (m) => ok((m as { cpu: NodeJS.CpuUsage }).cpu));
      child.send({ cpu: true });
    });
  const load0 = loadavg()[0];
  const cpu0 = await serverCpu();
  const result = await autocannon({
    url: ready.address,
    connections: Number(args.connections),
    duration: Number(args.seconds),
    headers: { authorization: `Bearer ${ready.analyst}` },
    requests,
  });
  const cpu1 = await serverCpu();
  const load1 = loadavg()[0];
  const cpuSeconds = (cpu1.user + cpu1.system - cpu0.user - cpu0.system) / 1e6;
  stop = true;
  await uploads;
  child.send({ stop: true });
  await new Promise((r) => child.once('exit', r));

  const cpu = cpus();
  const lines = [
    `# API load: alert list under ${args.connections} connections with uploads running`,
    '',
    `Machine: ${cpu[0]?.model ?? '?'}, ${cpu.length} cores (shared with other jobs), Node ${process.version}, ${process.platform}.`,
    `Store: embedded chDB, ${ready.alerts.toLocaleString('en-US')} alerts. Requests: four alert-list queries in rotation (limit 50: default sort; severity+status; by score in one country; site+detectors). List cache: ${Number(args['cache-ms']) > 0 ? `${args['cache-ms']} ms, dropped on every alert write` : 'off'}.`,
    '',
    '| figure | value |',
    '| --- | --- |',
    `| requests/s (mean) | ${result.requests.average.toFixed(0)} |`,
    `| latency p50 | ${result.latency.p50} ms |`,
    `| latency p90 | ${result.latency.p90} ms |`,
    `| latency p99 | ${result.latency.p99} ms |`,
    `| latency max | ${result.latency.max} ms |`,
    `| requests | ${result.requests.total} in ${result.duration} s |`,
    `| server CPU | ${cpuSeconds.toFixed(1)} s in ${result.duration} s (${((cpuSeconds * 1000) / Math.max(1, result.requests.total)).toFixed(1)} ms per request, uploads included) |`,
    `| load average (1 min) before / after | ${load0.toFixed(2)} / ${load1.toFixed(2)} |`,
    `| errors / timeouts / non-2xx | ${result.errors} / ${result.timeouts} / ${result.non2xx} |`,
    `| uploads meanwhile | ${up.accepted} accepted, ${up.jobsDone} ingested+analysed, ${up.jobsFailed} failed, ${up.rejected} refused; ${up.flows} flows stored |`,
    '',
    `Command: \`node dist/bench/api-load.js --alerts ${args.alerts} --seconds ${args.seconds} --connections ${args.connections} --cache-ms ${args['cache-ms']}\``,
    '',
  ];
  const text = lines.join('\n');
  process.stdout.write(text);
  writeFileSync(join(ROOT, `bench/api-results${Number(args['cache-ms']) > 0 ? '' : '-nocache'}.md`), text);
  if (result.errors || result.non2xx || result.timeouts) process.exitCode = 1;
}

if (args.server) await server();
else await main();
