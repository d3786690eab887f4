import { readFileSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FLOW_FIELDS } from '../../model/index.js';
import {
  ALERTS_TABLE,
  createTableSql,
  flowsTable,
  MIGRATIONS,
  openStore,
  SCHEMA_VERSION,
  type Store,
  schemaFileText,
  schemaSql,
} from '../../store/index.js';
import { ROOT } from '../helpers/paths.js';
import { BACKENDS, fullFlow, storePerTest, testStore } from './store-helpers.js';

describe('generated DDL', () => {
  const single = { database: 'default', ttlDays: 90 };
  const cluster = { database: 'camwatch', cluster: 'cams', ttlDays: 30 };

  it('derives every flows column from the field table, with codecs, day partitions and TTL', () => {
    const [sql] = createTableSql(flowsTable(), single);
    for (const f of FLOW_FIELDS) {
      expect(sql).toContain(`\`${f.column}\` ${f.chType}${f.codec ? ` CODEC(${f.codec})` : ''}`);
    }
    expect(sql).toContain(
      'ENGINE = MergeTree\nPARTITION BY toYYYYMMDD(start)\nORDER BY (device_side, device_ip, start)',
    );
    // A fresh schema is created sorted so: migration 6's rebuild is for older stores only.
    expect(schemaSql(single).join('\n')).not.toContain('flows_resorted');
    expect(sql).toContain('TTL inserted_at + INTERVAL 90 DAY');
    expect(sql).not.toContain('Nullable');
    expect(createTableSql(flowsTable(), { ...single, ttlDays: 0 })[0]).not.toContain('TTL');
  });

  it('makes replicated local tables and Distributed ones ON CLUSTER in cluster mode', () => {
    const [local, dist] = createTableSql(flowsTable(), cluster);
    expect(local).toMatch(/^CREATE TABLE IF NOT EXISTS `camwatch`\.`flows_local` ON CLUSTER `cams`/);
    expect(local).toContain(
      "ENGINE = ReplicatedMergeTree('/clickhouse/tables/{shard}/camwatch/flows_local', '{replica}')",
    );
    expect(local).toContain('TTL inserted_at + INTERVAL 30 DAY');
    expect(dist).toBe(
      'CREATE TABLE IF NOT EXISTS `camwatch`.`flows` ON CLUSTER `cams` AS `camwatch`.`flows_local`\n' +
        'ENGINE = Distributed(`cams`, `camwatch`, `flows_local`, cityHash64(device_ip))',
    );
    const [alerts] = createTableSql(ALERTS_TABLE, cluster);
    expect(alerts).toContain(
      "ENGINE = ReplicatedReplacingMergeTree('/clickhouse/tables/{shard}/camwatch/alerts_local', '{replica}', version)",
    );
    const all = schemaSql(cluster);
    expect(all.every((s) => s.includes('ON CLUSTER `cams`'))).toBe(true);
    // Every table is a replicated `_local` one and a Distributed one; every ALTER goes to both.
    const creates = all.filter((s) => s.startsWith('CREATE'));
    expect(creates.filter((s) => s.includes('ENGINE = Distributed'))).toHaveLength(creates.length / 2);
    expect(all).toContain(
      'CREATE TABLE IF NOT EXISTS `camwatch`.`alert_history` ON CLUSTER `cams` AS `camwatch`.`alert_history_local`\n' +
        'ENGINE = Distributed(`cams`, `camwatch`, `alert_history_local`, cityHash64(alert_id))',
    );
    expect(
      all.some((s) =>
        s.startsWith('CREATE TABLE IF NOT EXISTS `camwatch`.`alert_history_local` ON CLUSTER `cams`'),
      ),
    ).toBe(true);
    for (const table of ['alerts_local', 'alerts']) {
      expect(
        all.some((s) =>
          s.startsWith(
            `ALTER TABLE \`camwatch\`.\`${table}\` ON CLUSTER \`cams\` ADD COLUMN IF NOT EXISTS \`device_name\` String`,
          ),
        ),
      ).toBe(true);
    }
  });

  it('matches the checked-in store/schema.sql (regenerate when the field table changes)', () => {
    const path = resolve(ROOT, 'store/schema.sql');
    const text = schemaFileText();
    if (process.env.CAMWATCH_UPDATE_GENERATED === '1') writeFileSync(path, text);
    expect(readFileSync(path, 'utf8')).toBe(text);
  });

  it('numbers migrations 1..N without gaps', () => {
    expect(MIGRATIONS.map((m) => m.version)).toEqual(MIGRATIONS.map((_, i) => i + 1));
    expect(SCHEMA_VERSION).toBe(MIGRATIONS.length);
  });
});

describe.each(BACKENDS)('schema and migrations (%s)', (kind) => {
  const stores = storePerTest(kind);
  let store: Store | undefined;

  const tables = async (s: Store): Promise<string[]> =>
    (
      await s.rows<{ name: string }>(
        'SELECT name FROM system.tables WHERE database = {db:String} ORDER BY name',
        { db: s.schema.database },
      )
    ).map((r) => r.name);

  it('creates every table on first open and is idempotent on the next', async () => {
    store = await stores.open();
    expect(store.migration).toMatchObject({ from: 0, to: SCHEMA_VERSION });
    expect(await tables(store)).toEqual([
      'alert_history',
      'alerts',
      'baseline_entries',
      'baselines',
      'devices',
      'dns_names',
      'flows',
      'ingests',
      'schema_migrations',
    ]);
    await store.close();
    store = await stores.open();
    expect(store.migration).toMatchObject({ from: SCHEMA_VERSION, to: SCHEMA_VERSION, applied: [] });
    const rows = await store.rows<{ n: string }>('SELECT count() AS n FROM schema_migrations');
    expect(Number(rows[0].n)).toBe(SCHEMA_VERSION);
  });

  it('upgrades a store from an older version, keeping its rows', async () => {
    store = await stores.open({ migrateTo: 1 });
    expect(await tables(store)).toEqual(['flows', 'ingests', 'schema_migrations']);
    const { writeFlows } = await import('../../store/index.js');
    await writeFlows(store, [fullFlow(1), fullFlow(2)]);
    // An older field table: a column the current one has is missing.
    await store.command('ALTER TABLE flows DROP COLUMN ja4');
    await store.close();

    store = await stores.open();
    expect(store.migration.from).toBe(1);
    expect(store.migration.applied).toEqual(MIGRATIONS.slice(1).map((m) => m.version));
    expect(store.migration.addedColumns).toEqual(['ja4']);
    expect(await tables(store)).toContain('alerts');
    const r = await store.rows<{ n: string; ja4: string }>('SELECT count() AS n, any(ja4) AS ja4 FROM flows');
    expect(Number(r[0].n)).toBe(2);
    expect(r[0].ja4).toBe('');
  });

  it('refuses a store written by a newer camwatch', async () => {
    store = await stores.open();
    await store.command(
      "INSERT INTO schema_migrations (version, name, applied_at) VALUES ({v:UInt32}, 'from the future', now64(3))",
      { v: SCHEMA_VERSION + 1 },
    );
    await store.close();
    store = undefined;
    const err = await stores.open().then(
      () => undefined,
      (e: unknown) => e as { code: string; message: string },
    );
    expect(err?.code).toBe('CW_ERR_STORE_SCHEMA_NEWER');
    expect(err?.message).toContain(`version ${SCHEMA_VERSION + 1}`);
  });
});

describe('the embedded data directory lock', () => {
  it('refuses a second open of the same directory and frees it on close', async () => {
    const h = testStore('chdb');
    const first = await openStore(h.opts);
    try {
      const err = await openStore(h.opts).then(
        () => undefined,
        (e: unknown) => e as { code: string; message: string },
      );
      expect(err?.code).toBe('CW_ERR_STORE_LOCKED');
      expect(err?.message).toContain(String(h.opts.dataDir));
      expect(err?.message).toContain('this process');
    } finally {
      await first.close();
    }
    const again = await openStore(h.opts);
    await again.close();
    await h.cleanup();
  });
});
