/**
 * Migration 4 on a store left at version 3 with alerts in it: the triage and display columns and
 * `alert_history` appear, and the alerts written before are all still there, unchanged.
 */
import { describe, expect, it } from 'vitest';
import type { Store } from '../../store/index.js';
import { BACKENDS, storePerTest } from './store-helpers.js';

/** Rows as the version-3 `alerts` table held them (its 16 columns, nothing more). */
const V3_ROWS = [
  {
    id: 'cw-000000000000000000000001',
    version: 1_764_000_000_000_000,
    device_ip: '10.0.0.21',
    peer_ip: '203.0.113.9',
    peer_name: 'p2p.example.net',
    detector: 'p2p',
    severity: 'high',
    score: 71.5,
    first_seen: '2026-11-26 08:00:00.125',
    last_seen: '2026-11-26 09:30:00.000',
    count: 12,
    bytes: 48_213,
    explanation: 'Camera 10.0.0.21 talked to a P2P relay.',
    evidence: '{"ports":[32100]}',
    status: 'acknowledged',
    updated_at: '2026-11-26 10:00:00.000',
  },
  {
    id: 'cw-000000000000000000000002',
    version: 1_764_000_000_000_001,
    device_ip: '2001:db8::7',
    peer_ip: '::',
    peer_name: '',
    detector: 'dns-outside',
    severity: 'medium',
    score: 40,
    first_seen: '2026-11-26 08:00:00.000',
    last_seen: '2026-11-26 08:00:01.000',
    count: 1,
    bytes: 80,
    explanation: 'DNS to an outside resolver.',
    evidence: '{}',
    status: 'open',
    updated_at: '2026-11-26 10:00:00.000',
  },
];

describe.each(BACKENDS)('migration 4 (%s)', (kind) => {
  const stores = storePerTest(kind);
  let store: Store | undefined;

  const columns = async (s: Store, table: string): Promise<string[]> =>
    (
      await s.rows<{ name: string }>(
        'SELECT name FROM system.columns WHERE database = {db:String} AND table = {t:String} ORDER BY position',
        { db: s.schema.database, t: table },
      )
    ).map((r) => r.name);

  it('adds the triage and display columns and alert_history to a version-3 store, keeping its alerts', async () => {
    store = await stores.open({ migrateTo: 3 });
    expect(store.migration.to).toBe(3);
    expect(await columns(store, 'alerts')).toEqual(Object.keys(V3_ROWS[0]));
    expect(await columns(store, 'alert_history')).toEqual([]);
    await store.insertJson('alerts', V3_ROWS);
    await store.close();

    store = await stores.open();
    expect(store.migration.from).toBe(3);
    expect(store.migration.applied).toContain(4);
    const after = await columns(store, 'alerts');
    expect(after.slice(0, 16)).toEqual(Object.keys(V3_ROWS[0]));
    expect(after.slice(16)).toEqual([
      'device_name',
      'device_vendor',
      'device_site',
      'peer_port',
      'peer_country',
      'peer_asn',
      'peer_as_org',
      'bytes_in',
      'sub_scores',
      'assignee',
      'close_reason',
    ]);
    expect(await columns(store, 'alert_history')).toEqual([
      'alert_id',
      'at',
      'actor',
      'action',
      'field',
      'old',
      'new',
      'version',
      'seq',
    ]);

    const rows = await store.rows<Record<string, unknown>>(
      `SELECT id, toString(version) AS version, replaceRegexpOne(IPv6NumToString(device_ip), '^::ffff:', '') AS device_ip,
              replaceRegexpOne(IPv6NumToString(peer_ip), '^::ffff:', '') AS peer_ip, peer_name, detector, severity,
              score, toString(first_seen) AS first_seen, toString(last_seen) AS last_seen, toUInt32(count) AS count,
              toUInt32(bytes) AS bytes, explanation, evidence, status, toString(updated_at) AS updated_at,
              device_name, peer_port, peer_asn, assignee, close_reason
       FROM alerts FINAL ORDER BY id`,
    );
    expect(rows).toEqual(
      V3_ROWS.map((r) => ({
        ...r,
        version: String(r.version),
        device_name: '',
        peer_port: 0,
        peer_asn: 0,
        assignee: '',
        close_reason: '',
      })),
    );
  });

  it('takes a version-3 store that already has the columns (the API used to add them at start)', async () => {
    store = await stores.open({ migrateTo: 3 });
    await store.command('ALTER TABLE alerts ADD COLUMN IF NOT EXISTS device_name String');
    await store.insertJson('alerts', [{ ...V3_ROWS[0], device_name: 'gate-cam' }]);
    await store.close();

    store = await stores.open();
    expect(store.migration.applied).toContain(4);
    const rows = await store.rows<{ device_name: string; n: string }>(
      'SELECT any(device_name) AS device_name, toString(count()) AS n FROM alerts FINAL',
    );
    expect(rows).toEqual([{ device_name: 'gate-cam', n: '1' }]);
  });
});
