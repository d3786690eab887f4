/**
 * End to end on labelled traffic: ../shared/tools/gen-camera-pcap writes a capture and its ground truth
 * (which camera does what, to whom, how often); the capture goes through the real ingest pipeline and
 * enrichment into chDB, `analyze` runs, and every injected behaviour must be found on its camera with
 * the right detector, while clean cameras get no alert at all. The truth file is the independent answer.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import type { Alert } from '../../analyzer/alert.js';
import { analyze } from '../../analyzer/analyze.js';
import { loadRules } from '../../analyzer/rules/default-rules.js';
import { createEnricher } from '../../ingest/enrich/index.js';
import { runIngest } from '../../ingest/pipeline/index.js';
import { openStore } from '../../store/index.js';
import { SHARED } from '../helpers/paths.js';

const GEN = join(SHARED, 'tools/gen-camera-pcap');
const havePython = spawnSync('python3', ['--version']).status === 0;

interface Behaviour {
  type: string;
  dst_ip?: string;
  dst_port?: number;
  domain?: string;
  sni?: string;
  period_s?: number;
}
interface Truth {
  capture: { start_ts: number; end_ts: number };
  cameras: Record<string, { infected: boolean; behaviours: Behaviour[] }>;
}

/** Which detectors may report a behaviour (the first list must have a hit; `also` may add alerts). */
const EXPECTED: Record<string, { any: string[]; also?: string[] }> = {
  vendor_cloud_tls: { any: ['vendor-cloud', 'p2p', 'egress'], also: ['beacon'] },
  p2p_heartbeat: { any: ['p2p', 'vendor-cloud', 'egress'], also: ['beacon'] },
  upload_burst: { any: ['volume'], also: ['egress', 'vendor-cloud'] },
  telnet_scan: { any: ['telnet-out'] },
  upnp_portmap: { any: ['upnp-portmap'], also: ['nat-traversal'] },
  dns_public: { any: ['dns-outside'], also: ['beacon', 'doh'] },
  ntp_public: { any: ['ntp-public'], also: ['beacon'] },
};

function concerns(a: Alert, b: Behaviour): boolean {
  if (b.type === 'telnet_scan') return a.detector === 'telnet-out';
  if (b.type === 'upnp_portmap') return a.detector === 'upnp-portmap' || a.detector === 'nat-traversal';
  const names = [b.domain, b.sni].filter(Boolean).map((n) => n!.toLowerCase());
  const ips = new Set([a.peerIp, ...(a.evidence.peerIps ?? [])]);
  return (
    (b.dst_ip !== undefined && ips.has(b.dst_ip)) || (a.peerName !== undefined && names.includes(a.peerName))
  );
}

async function run(seed: number) {
  const dir = mkdtempSync(join(tmpdir(), 'cw-gen-'));
  try {
    const pcap = join(dir, 'cam.pcap');
    const truthFile = join(dir, 'truth.json');
    execFileSync('python3', [
      GEN,
      '--seed',
      String(seed),
      '--cameras',
      '12',
      '--hours',
      '1',
      '--target-packets',
      '120000',
      '--out',
      pcap,
      '--truth',
      truthFile,
      '--quiet',
    ]);
    const truth = JSON.parse(readFileSync(truthFile, 'utf8')) as Truth;
    const store = await openStore({ dataDir: join(dir, 'data') });
    const enricher = createEnricher({});
    try {
      const [res] = await runIngest([pcap], { store, enrich: (f) => enricher.enrich(f) });
      expect(res!.status).toBe('complete');
      const rules = await loadRules();
      const { alerts } = await analyze(store, rules, {
        window: { sinceMs: truth.capture.start_ts * 1000, untilMs: truth.capture.end_ts * 1000 + 60_000 },
        nowMs: truth.capture.end_ts * 1000,
      });
      return { truth, alerts };
    } finally {
      await store.close();
      enricher.close();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe.skipIf(!havePython || !existsSync(GEN))('generated camera traffic (gen-camera-pcap)', () => {
  for (const seed of [7, 21]) {
    test(`seed ${seed}: every injected behaviour found, no alert on a clean camera`, async () => {
      const { truth, alerts } = await run(seed);
      const missed: string[] = [];
      const unexplained: string[] = [];
      for (const [ip, cam] of Object.entries(truth.cameras)) {
        const mine = alerts.filter((a) => a.deviceIp === ip);
        if (!cam.infected) {
          expect(
            mine.map((a) => `${a.detector} ${a.peerName ?? a.peerIp}`),
            `clean camera ${ip}`,
          ).toEqual([]);
          continue;
        }
        for (const b of cam.behaviours) {
          const want = EXPECTED[b.type];
          expect(want, `behaviour ${b.type} has an expectation`).toBeDefined();
          if (!mine.some((a) => want!.any.includes(a.detector) && concerns(a, b)))
            missed.push(`${ip} ${b.type}`);
          // a short-period timer over the hour is a beacon
          if (b.type === 'vendor_cloud_tls' && (b.period_s ?? 1e9) <= 300) {
            if (!mine.some((a) => a.detector === 'beacon' && concerns(a, b)))
              missed.push(`${ip} ${b.type} (beacon)`);
          }
          // a P2P keep-alive on one UDP flow is a beacon too, found from the flow's own packet
          // timing, with the generator's period (its jitter is a few per cent)
          if (b.type === 'p2p_heartbeat') {
            const beat = mine.find((a) => a.detector === 'beacon' && concerns(a, b));
            const periodMs = Number(beat?.evidence.beacon?.periodMs);
            if (
              beat?.evidence.beacon?.basis !== 'sessions' ||
              !(Math.abs(periodMs - (b.period_s ?? 0) * 1000) <= 0.1 * (b.period_s ?? 0) * 1000)
            )
              missed.push(`${ip} ${b.type} (beacon inside the flow, period ${b.period_s} s)`);
          }
        }
        for (const a of mine) {
          const ok = cam.behaviours.some((b) => {
            const want = EXPECTED[b.type]!;
            return [...want.any, ...(want.also ?? [])].includes(a.detector) && concerns(a, b);
          });
          if (!ok) unexplained.push(`${ip} ${a.detector} ${a.peerName ?? a.peerIp ?? ''}`);
        }
      }
      expect(missed).toEqual([]);
      expect(unexplained).toEqual([]);
    });
  }
});
