/**
 * Learned baselines on the real embedded engine: `learnBaseline` over the scenario flows of
 * analyzer-fixtures.ts (its baseline day holds one EZVIZ flow of camera A and one NVR flow of camera B),
 * the rows and entry it stores, and the new-peer detector against learned baselines — the expected
 * pairs are those the scenario was built to have (the same as the period baseline's in queries.test.ts),
 * and they stay the same after the baseline period's flows are deleted, which is the point of learning.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { analyze } from '../../analyzer/analyze.js';
import { learnBaseline } from '../../analyzer/baseline/learn-baseline.js';
import { queryNewPeers } from '../../analyzer/queries/new-peer-query.js';
import type { CompiledRules } from '../../analyzer/rules/compiled-rules.js';
import { loadRules } from '../../analyzer/rules/default-rules.js';
import { listBaselines, openStore, readBaselinePeers, type Store, writeFlows } from '../../store/index.js';
import { BASELINE, HOUR, scenario, T0, WINDOW } from './analyzer-fixtures.js';

let dir: string;
let store: Store;
let rules: CompiledRules;
const A = '10.1.0.7';
const B = '10.1.0.8';
/** The new pairs of the window against the baseline day, as the scenario was built (queries.test.ts). */
const NEW_AGAINST_DAY = [
  '10.1.0.7 74.125.250.129',
  '10.1.0.7 8.8.8.8',
  '10.1.0.7 new.example.com',
  '10.1.0.8 dev.ezviz7.com',
];

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'camwatch-baseline-'));
  store = await openStore({ dataDir: dir });
  await writeFlows(store, scenario());
  rules = await loadRules();
});

afterAll(async () => {
  await store?.close();
  rmSync(dir, { recursive: true, force: true });
});

const pairs = (rows: { deviceIp: string; peerKey: string }[]): string[] =>
  rows.map((r) => `${r.deviceIp} ${r.peerKey}`);

describe('baseline learn', () => {
  test('stores per device the peers of the period, keyed name first, with counts and the entry', async () => {
    const entry = await learnBaseline(store, rules, { ...BASELINE, name: 'day', nowMs: T0 });
    expect(entry).toMatchObject({
      name: 'day',
      sinceMs: BASELINE.sinceMs,
      untilMs: BASELINE.untilMs,
      devices: [A, B],
      peers: 2,
      rows: 2,
      flows: 2,
      deviceFilter: [],
      learnedAtMs: T0,
    });
    const peers = await readBaselinePeers(store, 'day');
    expect(peers).toEqual([
      expect.objectContaining({
        deviceIp: A,
        peerKey: 'dev.ezviz7.com',
        peerName: 'dev.ezviz7.com',
        peerIps: ['52.22.50.150'],
        proto: 6,
        port: 8555,
        initiated: 'device',
        local: false,
        flows: 1,
        bytesOut: 600,
        bytesIn: 4000,
        firstMs: T0 - 5 * HOUR,
        lastMs: T0 - 5 * HOUR + 800,
      }),
      expect.objectContaining({ deviceIp: B, peerKey: '10.9.0.10', port: 554, local: true, flows: 1 }),
    ]);
  });

  test('leaves out telnet/SSH scans and contacts opened from the internet; keeps NTP, DNS and local peers', async () => {
    await learnBaseline(store, rules, { ...WINDOW, untilMs: WINDOW.untilMs, name: 'hour', nowMs: T0 + HOUR });
    const b = (await readBaselinePeers(store, 'hour', [B])).map(
      (p) => `${p.peerKey} ${p.proto}/${p.port} ${p.initiated}`,
    );
    // B: telnet to 1.2.3.4-6 and 10.5.5.5:2323 (scans) and 45.1.2.3 → B:80 (from the internet) are not learned
    expect(b).toEqual(['dev.ezviz7.com 6/8555 device']);
    const a = await readBaselinePeers(store, 'hour', [A]);
    expect(a.map((p) => `${p.peerKey} ${p.proto}/${p.port} ${p.local ? 'local' : 'public'}`).sort()).toEqual([
      '10.9.0.10 6/554 local',
      '192.168.1.1 6/49152 local',
      '74.125.250.129 17/3478 public',
      '8.8.8.8 17/53 public', // DNS is keyed by the resolver, not by the name it asked for
      'dev.ezviz7.com 6/8555 public',
      'new.example.com 6/443 public',
      'time.nist.gov 17/123 public',
    ]);
    // C was never enriched: its originator is the device, as in every detector
    expect((await readBaselinePeers(store, 'hour', ['10.1.0.9'])).map((p) => p.peerKey)).toEqual([
      '203.0.113.50',
    ]);
  });

  test('a name already learned needs --replace; an empty period or a bad name is refused', async () => {
    await expect(learnBaseline(store, rules, { ...BASELINE, name: 'day' })).rejects.toMatchObject({
      code: 'CW_ERR_BASELINE_EXISTS',
    });
    await expect(
      learnBaseline(store, rules, { sinceMs: T0 - 100 * HOUR, untilMs: T0 - 90 * HOUR, name: 'empty' }),
    ).rejects.toMatchObject({ code: 'CW_ERR_BASELINE_EMPTY' });
    await expect(learnBaseline(store, rules, { ...BASELINE, name: '../x' })).rejects.toMatchObject({
      code: 'CW_ERR_CONFIG_INVALID',
    });
    await expect(
      learnBaseline(store, rules, { ...BASELINE, name: 'bad-dev', devices: ['10.1.0.300'] }),
    ).rejects.toMatchObject({ code: 'CW_ERR_CONFIG_INVALID' });
    expect((await listBaselines(store)).map((b) => b.name)).toEqual(['hour', 'day']);
  });
});

describe('new peers against learned baselines', () => {
  test('a named baseline gives the pairs the period baseline gives', async () => {
    const rows = await queryNewPeers(store, rules, WINDOW, { name: 'day' });
    expect(pairs(rows)).toEqual(NEW_AGAINST_DAY);
    expect(rows[0]!.baseline).toEqual({ name: 'day', sinceMs: BASELINE.sinceMs, untilMs: BASELINE.untilMs });
    expect(pairs(await queryNewPeers(store, rules, WINDOW, BASELINE))).toEqual(NEW_AGAINST_DAY);
  });

  test('by default each device is judged against the newest baseline that covers it', async () => {
    // 'hour' (newest) learned the window itself for A, B, C, D: nothing is new against it
    expect(await queryNewPeers(store, rules, WINDOW)).toEqual([]);
    // a newer baseline of A alone: A is judged against it, B still against 'hour'
    await learnBaseline(store, rules, {
      ...BASELINE,
      name: 'a-day',
      devices: [`${A}/32`],
      nowMs: T0 + 2 * HOUR,
    });
    expect(pairs(await queryNewPeers(store, rules, WINDOW))).toEqual(
      NEW_AGAINST_DAY.filter((p) => p.startsWith(A)),
    );
    // a device the named baseline does not cover gets no new peers
    expect(pairs(await queryNewPeers(store, rules, WINDOW, { name: 'a-day' }))).toEqual(
      NEW_AGAINST_DAY.filter((p) => p.startsWith(A)),
    );
  });

  test('the learned baseline outlives its flows; the period baseline does not', async () => {
    await store.command(
      'DELETE FROM flows WHERE start < fromUnixTimestamp64Milli({t:Int64}) SETTINGS lightweight_deletes_sync = 2',
      { t: T0 },
    );
    expect(pairs(await queryNewPeers(store, rules, WINDOW, { name: 'day' }))).toEqual(NEW_AGAINST_DAY);
    // with the flows gone, the period baseline covers no device any more
    expect(await queryNewPeers(store, rules, WINDOW, BASELINE)).toEqual([]);
  });

  test('analyze marks new peers with the learned baseline, and a device no baseline covers gets none', async () => {
    const { alerts } = await analyze(store, rules, {
      window: WINDOW,
      baseline: { name: 'day' },
      nowMs: T0 + HOUR,
    });
    const newOnes = alerts.filter((a) => a.evidence.facts?.newPeer === true);
    expect(newOnes.map((a) => `${a.deviceIp} ${a.peerName ?? a.peerIp}`).sort()).toEqual(
      [
        '10.1.0.7 74.125.250.129',
        '10.1.0.7 8.8.8.8',
        '10.1.0.7 new.example.com',
        '10.1.0.8 dev.ezviz7.com',
      ].sort(),
    );
    for (const a of newOnes) expect(a.evidence.facts).toMatchObject({ baseline: 'day' });
    const other = await analyze(store, rules, {
      window: WINDOW,
      baseline: { name: 'nope' },
      nowMs: T0 + HOUR,
    });
    expect(other.alerts.filter((a) => a.evidence.facts?.newPeer === true)).toEqual([]);
  });
});
