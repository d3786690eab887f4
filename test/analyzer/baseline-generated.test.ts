/**
 * Learned baselines and MUD on labelled traffic (../shared/tools/gen-camera-pcap, its truth file as the
 * answer). The first ten minutes of an hour are learned; by then the generator has started its periodic
 * behaviours (vendor cloud, P2P heartbeat, public DNS…), while the one-off upload and the telnet scan come
 * later. Against the learned baseline, the late phone-home's peer is new and the early ones' are not.
 * Exported as MUD and loaded back as rules, the early phone-homes' peers raise nothing any more, while
 * the late upload is still reported, as are the behaviours no allow entry excuses (telnet scan, UPnP).
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { stringify } from 'yaml';
import type { Alert } from '../../analyzer/alert.js';
import { analyze } from '../../analyzer/analyze.js';
import { learnBaseline } from '../../analyzer/baseline/learn-baseline.js';
import { mudBindingsPack, mudProfiles } from '../../analyzer/baseline/mud-profiles.js';
import { loadRules } from '../../analyzer/rules/default-rules.js';
import { createEnricher } from '../../ingest/enrich/index.js';
import { runIngest } from '../../ingest/pipeline/index.js';
import { openStore, type Store } from '../../store/index.js';
import { SHARED } from '../helpers/paths.js';

const GEN = join(SHARED, 'tools/gen-camera-pcap');
const havePython = spawnSync('python3', ['--version']).status === 0;
const LEARN_S = 600;
const PHONE_HOME = ['vendor_cloud_tls', 'p2p_heartbeat', 'upload_burst'];
/**
 * Early behaviours an allow entry silences (their peers are learned). NTP to a public pool is one
 * alert per camera over the pool's addresses: silenced when each of them is allowed, by address or
 * by the name it was seen under.
 */
const SILENCED = ['vendor_cloud_tls', 'p2p_heartbeat', 'dns_public', 'ntp_public'];

interface Behaviour {
  type: string;
  first_ts: number;
  dst_ip?: string;
  domain?: string;
  sni?: string;
}
interface Truth {
  capture: { start_ts: number; end_ts: number };
  cameras: Record<string, { infected: boolean; behaviours: Behaviour[] }>;
}

let dir: string;
let store: Store;
let truth: Truth;
let startMs: number;
let splitMs: number;
let endMs: number;

function concerns(a: Alert, b: Behaviour): boolean {
  const names = [b.domain, b.sni].filter(Boolean).map((n) => n!.toLowerCase());
  const ips = new Set([a.peerIp, ...(a.evidence.peerIps ?? [])]);
  return (
    (b.dst_ip !== undefined && ips.has(b.dst_ip)) || (a.peerName !== undefined && names.includes(a.peerName))
  );
}

const behaviours = (when: 'early' | 'late', types: string[]) =>
  Object.entries(truth.cameras).flatMap(([ip, cam]) =>
    cam.behaviours
      .filter((b) => types.includes(b.type) && b.first_ts * 1000 < splitMs === (when === 'early'))
      .map((b) => ({ ip, b })),
  );

describe.skipIf(!havePython || !existsSync(GEN))('learned baseline and MUD on generated traffic', () => {
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'camwatch-baseline-gen-'));
    const pcap = join(dir, 'cam.pcap');
    execFileSync('python3', [
      ...[GEN, '--seed', '7', '--cameras', '10', '--hours', '1', '--target-packets', '60000'],
      ...['--out', pcap, '--truth', join(dir, 'truth.json'), '--quiet'],
    ]);
    truth = JSON.parse(readFileSync(join(dir, 'truth.json'), 'utf8')) as Truth;
    startMs = truth.capture.start_ts * 1000;
    splitMs = startMs + LEARN_S * 1000;
    endMs = truth.capture.end_ts * 1000 + 60_000;
    store = await openStore({ dataDir: join(dir, 'data') });
    const enricher = createEnricher({});
    try {
      const [res] = await runIngest([pcap], { store, enrich: (f) => enricher.enrich(f) });
      expect(res!.status).toBe('complete');
    } finally {
      enricher.close();
    }
    const rules = await loadRules();
    await learnBaseline(store, rules, { name: 'early', sinceMs: startMs, untilMs: splitMs });
  }, 120_000);
  afterAll(async () => {
    await store?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  test('the truth has phone-homes before and after the learned minutes', () => {
    expect(behaviours('early', PHONE_HOME).length).toBeGreaterThan(0);
    expect(behaviours('late', PHONE_HOME).length).toBeGreaterThan(0);
  });

  test('after the learned minutes, only the late phone-home is new', async () => {
    const rules = await loadRules();
    const { alerts } = await analyze(store, rules, {
      window: { sinceMs: splitMs, untilMs: endMs },
      nowMs: endMs,
    });
    const isNew = (a: Alert) => a.evidence.facts?.newPeer === true && a.evidence.facts?.baseline === 'early';
    for (const { ip, b } of behaviours('late', PHONE_HOME)) {
      const hits = alerts.filter((a) => a.deviceIp === ip && concerns(a, b));
      expect(hits.some(isNew), `${ip} ${b.type} is new`).toBe(true);
    }
    for (const { ip, b } of behaviours('early', PHONE_HOME)) {
      const hits = alerts.filter((a) => a.deviceIp === ip && concerns(a, b));
      expect(hits.length, `${ip} ${b.type} still reported`).toBeGreaterThan(0);
      expect(hits.filter(isNew), `${ip} ${b.type} was learned`).toEqual([]);
    }
  });

  test('the learned minutes as MUD files: early phone-homes silenced, the late one and scans still reported', async () => {
    const rules = await loadRules();
    const { findBaseline } = await import('../../store/index.js');
    const entry = (await findBaseline(store, 'early'))!;
    const profiles = await mudProfiles(store, rules, entry);
    const out = join(dir, 'mud');
    mkdirSync(out);
    for (const p of profiles) writeFileSync(join(out, p.fileName), JSON.stringify(p.mud));
    writeFileSync(join(out, 'early.mud-bindings.yaml'), stringify(mudBindingsPack(entry, profiles)));
    const withMud = await loadRules({ paths: [out] });
    const window = { sinceMs: startMs, untilMs: endMs };
    const before = (await analyze(store, rules, { window, nowMs: endMs })).alerts;
    const after = (await analyze(store, withMud, { window, nowMs: endMs })).alerts;
    for (const { ip, b } of behaviours('early', SILENCED)) {
      expect(
        before.filter((a) => a.deviceIp === ip && concerns(a, b)).length,
        `${ip} ${b.type} before`,
      ).toBeGreaterThan(0);
      expect(
        after.filter((a) => a.deviceIp === ip && concerns(a, b)).map((a) => a.detector),
        `${ip} ${b.type} allowed by its MUD file`,
      ).toEqual([]);
    }
    for (const { ip, b } of behaviours('late', PHONE_HOME))
      expect(
        after.filter((a) => a.deviceIp === ip && concerns(a, b)).length,
        `${ip} ${b.type}`,
      ).toBeGreaterThan(0);
    for (const [ip, cam] of Object.entries(truth.cameras)) {
      const mine = after.filter((a) => a.deviceIp === ip).map((a) => a.detector);
      if (!cam.infected) expect(mine, `clean camera ${ip}`).toEqual([]);
      if (cam.behaviours.some((b) => b.type === 'telnet_scan')) expect(mine).toContain('telnet-out');
      if (cam.behaviours.some((b) => b.type === 'upnp_portmap')) expect(mine).toContain('upnp-portmap');
    }
  });
});
