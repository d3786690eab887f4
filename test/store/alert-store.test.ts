/**
 * The alert store on the real engine: one row format both ways (every field of the record, absent
 * ones staying absent), the merge of an analysis re-run, triage with its version check and history,
 * reopening, and the list's filters, sorts and cursor. Expected values come from the alerts written
 * here and the documented rules (sort order, triage transitions), not from earlier output.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type AlertRecord,
  alertWriteGeneration,
  getAlert,
  listAlerts,
  openAlertCounts,
  parseAlertSort,
  readAlertHistory,
  type Store,
  type StoredAlert,
  saveAlerts,
  triageAlert,
} from '../../store/index.js';
import { type TestStoreHandle, testStore } from './store-helpers.js';

const H = 3_600_000;
const T0 = Date.UTC(2026, 10, 20, 0, 0, 0);

/** Every optional field set (IPv4 device, IPv6 peer), so a lost column shows. */
const FULL: AlertRecord = {
  id: 'cw-aaaaaaaaaaaaaaaaaaaaaaaa',
  deviceIp: '10.0.0.21',
  deviceName: 'gate-cam',
  deviceVendor: 'Hikvision',
  deviceSite: 'depot',
  peerIp: '2001:db8::9',
  peerName: 'p2p.example.net',
  peerPort: 32100,
  peerCountry: 'CN',
  peerAsn: 4134,
  peerAsOrg: 'Example Telecom',
  detector: 'p2p',
  severity: 'high',
  score: 71.5,
  firstSeen: T0 + 0.25 * H,
  lastSeen: T0 + 2 * H,
  count: 12,
  bytes: 48_213,
  bytesIn: 9_001,
  explanation: 'Camera talked to a P2P relay.',
  evidence: { ports: [32100], names: [{ name: 'p2p.example.net', source: 'dns' }] },
  subScores: { interval: 0.9, size: 0.5 },
};

/** Only the required fields. */
const BARE: AlertRecord = {
  id: 'cw-bbbbbbbbbbbbbbbbbbbbbbbb',
  deviceIp: '10.0.0.22',
  detector: 'dns-outside',
  severity: 'medium',
  score: 40,
  firstSeen: T0,
  lastSeen: T0 + 5 * H,
  count: 1,
  bytes: 80,
  explanation: 'DNS to an outside resolver.',
  evidence: {},
};

const more = (i: number, over: Partial<AlertRecord> = {}): AlertRecord => ({
  ...BARE,
  id: `cw-${i.toString(16).padStart(24, '0')}`,
  deviceIp: `10.0.1.${i}`,
  score: i * 3,
  lastSeen: T0 + i * H,
  ...over,
});

/** The analyzer's rule for a re-run, enough for these tests: widen the time range, keep the larger count. */
const merge = (s: AlertRecord, f: AlertRecord): AlertRecord => ({
  ...f,
  firstSeen: Math.min(s.firstSeen, f.firstSeen),
  lastSeen: Math.max(s.lastSeen, f.lastSeen),
  count: Math.max(s.count, f.count),
});

const record = (a: StoredAlert): AlertRecord => {
  const { status: _s, assignee: _a, closeReason: _c, version: _v, updatedAt: _u, ...r } = a;
  return r;
};

let h: TestStoreHandle;
let store: Store;
beforeAll(async () => {
  h = testStore('chdb');
  store = await h.open();
});
afterAll(async () => {
  await store?.close();
  await h?.cleanup();
});

describe('alert store', () => {
  it('writes and reads back every field; absent fields stay absent', async () => {
    const gen = alertWriteGeneration();
    const res = await saveAlerts(store, [FULL, BARE], merge);
    expect(res).toMatchObject({ created: 2, updated: 0, reopened: 0 });
    expect([...res.status]).toEqual([
      [FULL.id, 'open'],
      [BARE.id, 'open'],
    ]);
    expect(alertWriteGeneration()).toBeGreaterThan(gen);

    const full = await getAlert(store, FULL.id);
    expect(full && record(full)).toEqual(FULL);
    expect(full).toMatchObject({ status: 'open', assignee: '', closeReason: '' });
    const bare = await getAlert(store, BARE.id);
    expect(bare && record(bare)).toEqual(BARE);
    // Without evidence (list pages): the rest is the same.
    const narrow = await getAlert(store, FULL.id, false);
    expect(narrow && record(narrow)).toEqual({ ...FULL, evidence: {} });

    const history = await readAlertHistory(store, FULL.id);
    expect(history.map((e) => [e.actor, e.action])).toEqual([['analyzer', 'create']]);
  });

  it('merges a re-run into the stored alert and keeps one row per id', async () => {
    const later = { ...FULL, lastSeen: FULL.lastSeen + H, count: 20, score: 80 };
    const res = await saveAlerts(store, [later], merge);
    expect(res).toMatchObject({ created: 0, updated: 1 });
    const a = await getAlert(store, FULL.id);
    expect(a).toMatchObject({ firstSeen: FULL.firstSeen, lastSeen: FULL.lastSeen + H, count: 20, score: 80 });
    const [{ n }] = await store.rows<{ n: string }>('SELECT count() AS n FROM alerts FINAL');
    expect(Number(n)).toBe(2);
  });

  it('triages with a version check and records who changed what', async () => {
    const cur = (await getAlert(store, FULL.id))!;
    const stale = cur.version - 1;
    await expect(triageAlert(store, FULL.id, { status: 'acknowledged' }, 'ana', stale)).rejects.toMatchObject(
      { code: 'CW_ERR_CONFLICT', statusCode: 409 },
    );
    await expect(triageAlert(store, 'cw-nope', { status: 'open' }, 'ana', undefined)).rejects.toMatchObject({
      code: 'CW_ERR_NOT_FOUND',
      statusCode: 404,
    });

    const acked = await triageAlert(
      store,
      FULL.id,
      { status: 'acknowledged', assignee: 'bob' },
      'ana',
      cur.version,
    );
    expect(acked).toMatchObject({ status: 'acknowledged', assignee: 'bob' });
    expect(acked.version).toBeGreaterThan(cur.version);
    const stored = await getAlert(store, FULL.id);
    expect(stored).toMatchObject({ status: 'acknowledged', assignee: 'bob', version: acked.version });
    expect(stored?.updatedAt).toBe(acked.updatedAt);
    expect(stored && record(stored)).toEqual({ ...FULL, lastSeen: FULL.lastSeen + H, count: 20, score: 80 });

    // Nothing changes: no new version, but the comment is kept.
    const same = await triageAlert(
      store,
      FULL.id,
      { status: 'acknowledged', comment: 'looking' },
      'ana',
      undefined,
    );
    expect(same.version).toBe(acked.version);

    const resolved = await triageAlert(
      store,
      FULL.id,
      { status: 'resolved', closeReason: 'true-positive' },
      'carol',
      acked.version,
    );
    expect(resolved).toMatchObject({ status: 'resolved', closeReason: 'true-positive' });

    const history = await readAlertHistory(store, FULL.id);
    expect(history.map((e) => [e.actor, e.action, e.field, e.old, e.new])).toEqual([
      ['analyzer', 'create', '', '', ''],
      ['ana', 'update', 'status', 'open', 'acknowledged'],
      ['ana', 'update', 'assignee', '', 'bob'],
      ['ana', 'comment', '', '', 'looking'],
      ['carol', 'update', 'status', 'acknowledged', 'resolved'],
      ['carol', 'update', 'closeReason', '', 'true-positive'],
    ]);
  });

  it('reopens a resolved alert that is active again, keeping the assignee', async () => {
    const res = await saveAlerts(store, [{ ...FULL, lastSeen: FULL.lastSeen + 2 * H }], merge);
    expect(res).toMatchObject({ created: 0, updated: 1, reopened: 1 });
    expect(res.status.get(FULL.id)).toBe('open');
    expect(await getAlert(store, FULL.id)).toMatchObject({
      status: 'open',
      closeReason: '',
      assignee: 'bob',
    });
    const last = (await readAlertHistory(store, FULL.id)).at(-1);
    expect(last).toMatchObject({ actor: 'analyzer', action: 'reopen', old: 'resolved', new: 'open' });
    // No new activity: a resolved alert stays resolved.
    const cur = (await getAlert(store, FULL.id))!;
    await triageAlert(store, FULL.id, { status: 'resolved', closeReason: 'other' }, 'ana', cur.version);
    const again = await saveAlerts(store, [FULL], merge);
    expect(again).toMatchObject({ reopened: 0 });
    expect(again.status.get(FULL.id)).toBe('resolved');
  });

  it('lists with filters, sorts and a cursor over every page', async () => {
    const extra = Array.from({ length: 25 }, (_, i) =>
      more(i + 1, i % 5 === 0 ? { severity: 'critical', deviceSite: 'yard', peerCountry: 'RU' } : {}),
    );
    await saveAlerts(store, extra, merge);
    const all = [BARE, ...extra];

    // By last seen, newest first, 7 a page: every open alert exactly once, in order.
    const seen: string[] = [];
    let cursor: string | undefined;
    let pages = 0;
    do {
      const page = await listAlerts(store, {
        status: ['open', 'acknowledged'],
        sort: parseAlertSort('-lastSeen'),
        limit: 7,
        cursor,
      });
      seen.push(...page.items.map((a) => a.id));
      cursor = page.nextCursor ?? undefined;
      pages++;
    } while (cursor);
    const expected = [...all]
      .sort((a, b) => b.lastSeen - a.lastSeen || (a.id < b.id ? 1 : -1))
      .map((a) => a.id);
    expect(seen).toEqual(expected);
    expect(pages).toBe(Math.ceil(expected.length / 7));

    // Ascending score, one filter per kind.
    const crit = await listAlerts(store, {
      severity: ['critical'],
      sort: parseAlertSort('score'),
      limit: 50,
    });
    expect(crit.items.map((a) => a.score)).toEqual([3, 18, 33, 48, 63]);
    expect(crit.nextCursor).toBeNull();
    const yard = await listAlerts(store, {
      site: 'yard',
      peerCountry: 'ru',
      sort: parseAlertSort('-score'),
      limit: 50,
    });
    expect(yard.items.map((a) => a.id)).toEqual(crit.items.map((a) => a.id).reverse());
    const dev = await listAlerts(store, { device: '10.0.1.7', sort: parseAlertSort(undefined), limit: 50 });
    expect(dev.items.map((a) => a.deviceIp)).toEqual(['10.0.1.7']);
    const q = await listAlerts(store, { q: 'p2p.EXAMPLE', sort: parseAlertSort(undefined), limit: 50 });
    expect(q.items.map((a) => a.id)).toEqual([FULL.id]);
    const since = await listAlerts(store, {
      sinceMs: T0 + 20 * H,
      untilMs: T0 + 23 * H,
      sort: parseAlertSort('-lastSeen'),
      limit: 50,
    });
    expect(since.items.map((a) => a.lastSeen)).toEqual([T0 + 22 * H, T0 + 21 * H, T0 + 20 * H]);

    expect(() => parseAlertSort('-nope')).toThrow(expect.objectContaining({ code: 'CW_ERR_CONFIG_INVALID' }));
    await expect(
      listAlerts(store, { sort: parseAlertSort(undefined), limit: 5, cursor: 'not-a-cursor' }),
    ).rejects.toMatchObject({ code: 'CW_ERR_CONFIG_INVALID', statusCode: 400 });

    // Open counts per severity: the resolved FULL alert is not counted.
    const counts = new Map((await openAlertCounts(store)).map((c) => [c.severity, c.n]));
    expect(Object.fromEntries(counts)).toEqual({ medium: 21, critical: 5 });
  });
});
