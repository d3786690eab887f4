/**
 * The baseline round trip with the built command, on labelled traffic from ../shared/tools/gen-camera-pcap:
 * a clean day of a camera network (same seed, no injected behaviour) is scanned and learned
 * (`camwatch baseline learn`), exported as MUD files (`baseline export --mud --out DIR`), and the folder
 * is loaded as rules when the next day — with injected phone-home behaviours — is scanned. The
 * generator's truth file is the independent answer: the clean cameras raise nothing, every injected
 * phone-home is still reported, and against the learned baseline its peer is new.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { SHARED } from '../helpers/paths.js';
import { runCli } from '../helpers/run-cli.js';

const GEN = join(SHARED, 'tools/gen-camera-pcap');
const havePython = spawnSync('python3', ['--version']).status === 0;
const SEED = 11;
const DAY0 = 1710057600; // 2024-03-10 08:00 UTC: the clean day; the generator's default start is a day later

interface Behaviour {
  type: string;
  dst_ip?: string;
  domain?: string;
  sni?: string;
}
interface Truth {
  capture: { start_ts: number; end_ts: number };
  network: {
    nvrs: { ip: string }[];
    dns_resolvers: { ip: string }[];
    ntp_servers: { ip: string }[];
    gateway: { ip: string };
  };
  cameras: Record<string, { infected: boolean; behaviours: Behaviour[] }>;
}
interface AlertLine {
  deviceIp: string;
  peerIp?: string;
  peerName?: string;
  detector: string;
  evidence: { peerIps?: string[]; facts?: Record<string, unknown> };
}

let dir: string;
let clean: Truth;
let infected: Truth;
const data = (): string => join(dir, 'data');

function generate(name: string, extra: string[]): Truth {
  execFileSync('python3', [
    GEN,
    ...['--seed', String(SEED), '--cameras', '8', '--hours', '1', '--target-packets', '40000'],
    ...['--out', join(dir, `${name}.pcap`), '--truth', join(dir, `${name}.json`), '--quiet', ...extra],
  ]);
  return JSON.parse(readFileSync(join(dir, `${name}.json`), 'utf8')) as Truth;
}

const jsonl = <T>(text: string): T[] =>
  text
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as T);

describe.skipIf(!havePython || !existsSync(GEN))('camwatch baseline: learn, export MUD, scan with it', () => {
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'camwatch-baseline-cli-'));
    clean = generate('clean', ['--infected-frac', '0', '--start', String(DAY0)]);
    infected = generate('infected', []);
  });
  afterAll(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  test('the round trip', async () => {
    const cams = Object.keys(clean.cameras).sort();
    expect(Object.keys(infected.cameras).sort()).toEqual(cams);

    // day 1: clean, nothing to report
    const day1 = await runCli(['scan', join(dir, 'clean.pcap'), '--data', data(), '--format', 'jsonl', '-q']);
    expect(day1.stderr).toBe('');
    expect(day1.code).toBe(0);

    const learn = await runCli([
      ...['baseline', 'learn', '--data', data(), '--name', 'clean-day'],
      ...['--since', new Date(clean.capture.start_ts * 1000).toISOString()],
      ...['--until', new Date(clean.capture.end_ts * 1000 + 60_000).toISOString()],
      ...['--format', 'jsonl'],
    ]);
    expect(learn.stderr).toBe('');
    expect(learn.code).toBe(0);
    const [entry] = jsonl<{ name: string; devices: string[]; peers: number }>(learn.stdout);
    // every camera talked to its NVR, resolver and NTP server: every camera has a baseline
    for (const ip of cams) expect(entry!.devices).toContain(ip);

    const list = await runCli(['baseline', 'list', '--data', data(), '--format', 'jsonl']);
    expect(jsonl<{ name: string }>(list.stdout).map((e) => e.name)).toEqual(['clean-day']);

    // a clean camera's peers are the network's own servers (the generator's "normal peers"), all local
    const infra = new Set([
      ...clean.network.nvrs.map((n) => n.ip),
      ...clean.network.dns_resolvers.map((n) => n.ip),
      ...clean.network.ntp_servers.map((n) => n.ip),
      clean.network.gateway.ip,
    ]);
    const show = await runCli([
      'baseline',
      'show',
      'clean-day',
      '--device',
      cams[0]!,
      '--data',
      data(),
      '--format',
      'jsonl',
    ]);
    const peers = jsonl<{ deviceIp: string; peerIps: string[]; local: boolean }>(show.stdout);
    expect(peers.length).toBeGreaterThan(0);
    for (const p of peers) {
      expect(p.deviceIp).toBe(cams[0]);
      expect(p.local).toBe(true);
      for (const ip of p.peerIps) expect(infra.has(ip), ip).toBe(true);
    }
    const table = await runCli(['baseline', 'show', 'clean-day', '--device', cams[0]!, '--data', data()]);
    expect(table.stdout.split('\n')[0]).toMatch(/^device\s+peer\s+proto\/port\s+opened by\s+local/);

    // export: one MUD file per camera, and the bindings; the folder is a valid rules folder
    const out = join(dir, 'mud');
    const exp = await runCli(['baseline', 'export', 'clean-day', '--mud', '--out', out, '--data', data()]);
    expect(exp.code).toBe(0);
    const files = readdirSync(out).sort();
    for (const ip of cams) expect(files).toContain(`${ip}.mud.json`);
    expect(files).toContain('clean-day.mud-bindings.yaml');
    const check = await runCli(['rules', 'check', out]);
    expect(check.stdout).toBe('');
    expect(check.code).toBe(0);
    const one = await runCli(['baseline', 'export', '--mud', '--device', cams[0]!, '--data', data()]);
    expect(JSON.parse(one.stdout)['ietf-mud:mud']['mud-url']).toBe(
      `https://camwatch.invalid/mud/clean-day/${cams[0]}.mud.json`,
    );

    // day 2: injected behaviours, scanned with the MUD folder as rules
    const day2 = await runCli([
      ...['scan', join(dir, 'infected.pcap'), '--data', data(), '--rules', out],
      ...['--format', 'jsonl', '-q'],
    ]);
    expect(day2.code).toBe(3);
    const alerts = jsonl<AlertLine>(day2.stdout);
    const concerns = (a: AlertLine, b: Behaviour): boolean => {
      const names = [b.domain, b.sni].filter(Boolean).map((n) => n!.toLowerCase());
      const ips = new Set([a.peerIp, ...(a.evidence.peerIps ?? [])]);
      return (
        (b.dst_ip !== undefined && ips.has(b.dst_ip)) ||
        (a.peerName !== undefined && names.includes(a.peerName))
      );
    };
    const phoneHome = ['vendor_cloud_tls', 'p2p_heartbeat', 'upload_burst'];
    let phoneHomes = 0;
    for (const [ip, cam] of Object.entries(infected.cameras)) {
      const mine = alerts.filter((a) => a.deviceIp === ip);
      if (!cam.infected) {
        expect(
          mine.map((a) => `${a.detector} ${a.peerName ?? a.peerIp}`),
          `clean camera ${ip}`,
        ).toEqual([]);
        continue;
      }
      for (const b of cam.behaviours.filter((x) => phoneHome.includes(x.type))) {
        phoneHomes++;
        const hits = mine.filter((a) => concerns(a, b));
        expect(hits.length, `${ip} ${b.type}`).toBeGreaterThan(0);
        // the learned baseline covers the camera, and never saw this peer
        expect(
          hits.some((a) => a.evidence.facts?.newPeer === true && a.evidence.facts?.baseline === 'clean-day'),
          `${ip} ${b.type} is new against clean-day`,
        ).toBe(true);
      }
    }
    expect(phoneHomes).toBeGreaterThan(0);

    const filtered = await runCli([
      'alerts',
      '--baseline',
      'clean-day',
      '--data',
      data(),
      '--format',
      'jsonl',
    ]);
    const judged = jsonl<AlertLine>(filtered.stdout);
    expect(judged.length).toBeGreaterThan(0);
    for (const a of judged) expect(a.evidence.facts?.baseline).toBe('clean-day');

    const unknown = await runCli([
      'scan',
      join(dir, 'infected.pcap'),
      '--data',
      data(),
      '--baseline',
      'nope',
      '-q',
    ]);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toMatch(/no baseline named "nope".*\(learned: clean-day\)/);
  }, 240_000);
});
