/**
 * `camwatch scan` on labelled traffic from ../shared/tools/gen-camera-pcap (802.1Q-tagged, full
 * snaplen): the vendor cloud sessions are named (SNI), matched to the vendor's rule with its public
 * source, and every injected behaviour is found on its camera while clean cameras stay quiet. The
 * expected cameras, vendors, names and counts come from the generator's truth JSON.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { concerns, DETECTORS_FOR } from '../../bench/eval-scan.js';
import { SHARED } from '../helpers/paths.js';
import { runCli } from '../helpers/run-cli.js';

const GEN = join(SHARED, 'tools/gen-camera-pcap');
const havePython = spawnSync('python3', ['--version']).status === 0;

interface Behaviour {
  type: string;
  dst_ip?: string;
  domain?: string;
  sni?: string;
  events?: number;
}
interface Truth {
  cameras: Record<string, { vendor: string; infected: boolean; behaviours: Behaviour[] }>;
}
interface AlertLine {
  deviceIp: string;
  peerIp?: string;
  peerName?: string;
  detector: string;
  count: number;
  evidence: {
    peerIps?: string[];
    names?: { name: string; source?: string }[];
    vendorRules?: { ruleId: string; vendor: string; source: string; sourceUrls: string[] }[];
  };
}

describe.skipIf(!havePython || !existsSync(GEN))(
  'camwatch scan on generated camera traffic (seed 2, vlan)',
  () => {
    let dir: string;
    let truth: Truth;
    let alerts: AlertLine[];
    let code: number | null;
    beforeAll(async () => {
      dir = mkdtempSync(join(tmpdir(), 'cw-scan-gen-'));
      const pcap = join(dir, 'cam.pcap');
      const truthFile = join(dir, 'truth.json');
      execFileSync('python3', [
        GEN,
        '--seed',
        '2',
        '--cameras',
        '12',
        '--hours',
        '1',
        '--target-packets',
        '100000',
        '--vlan',
        '--out',
        pcap,
        '--truth',
        truthFile,
        '--quiet',
      ]);
      truth = JSON.parse(readFileSync(truthFile, 'utf8')) as Truth;
      const r = await runCli(['scan', '--ephemeral', '-f', 'jsonl', pcap]);
      code = r.code;
      alerts = r.stdout
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l) as AlertLine);
    }, 240_000);
    afterAll(() => rmSync(dir, { recursive: true, force: true }));

    test('exit 3; every injected behaviour found on its camera; no alert on a clean camera', () => {
      expect(code).toBe(3);
      for (const [ip, cam] of Object.entries(truth.cameras)) {
        const mine = alerts.filter((a) => a.deviceIp === ip);
        if (!cam.infected) {
          expect(
            mine.map((a) => a.detector),
            ip,
          ).toEqual([]);
          continue;
        }
        for (const b of cam.behaviours) {
          const want = DETECTORS_FOR[b.type]!;
          expect(
            mine.some((a) => want.found.includes(a.detector) && concerns(a as never, b)),
            `${ip} ${b.type}`,
          ).toBe(true);
        }
      }
    });

    test('a vendor cloud session names the vendor, the rule, its source and the name seen', () => {
      const sessions = Object.entries(truth.cameras).flatMap(([ip, cam]) =>
        cam.behaviours
          .filter((b) => b.type === 'vendor_cloud_tls')
          .map((b) => ({ ip, vendor: cam.vendor, b })),
      );
      expect(sessions.length).toBeGreaterThan(0);
      for (const { ip, vendor, b } of sessions) {
        const a = alerts.find(
          (x) => x.deviceIp === ip && x.detector === 'vendor-cloud' && x.peerName === b.sni,
        );
        expect(a, `${ip} ${b.sni}`).toBeDefined();
        expect(a!.count).toBe(b.events);
        expect(a!.evidence.names).toContainEqual({ name: b.sni, source: 'sni' });
        const rule = a!.evidence.vendorRules?.[0];
        expect(rule?.vendor).toBe(vendor);
        expect(rule?.source.length).toBeGreaterThan(0);
      }
    });
  },
);
