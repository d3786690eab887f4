/**
 * Migration 6 on a store left at version 5 with flows in it: `flows` is rebuilt under the sorting key
 * `(device_side, device_ip, start)`, every row kept, and a run interrupted before or after the swap
 * finishes on the next open without losing or doubling rows.
 */
import { describe, expect, it } from 'vitest';
import { createTableSql, flowsTable, MIGRATIONS, type Store, writeFlows } from '../../store/index.js';
import { BACKENDS, fullFlow, minimalFlow, storePerTest } from './store-helpers.js';

const FLOWS = Array.from({ length: 40 }, (_, i) => (i % 4 === 3 ? minimalFlow(i) : fullFlow(i)));
/** Every row, every column the version-5 table had (ja4 stands for a column added since). */
const ALL_ROWS = 'SELECT * EXCEPT (ja4) FROM flows ORDER BY start, source_record, orig_ip';

describe('migration 6 DDL', () => {
  it('rebuilds the local table ON CLUSTER and fills the copy through its Distributed table', () => {
    const sql = MIGRATIONS[5]!.statements({ database: 'camwatch', cluster: 'cams', ttlDays: 30 });
    const [insert, ...ddl] = [
      sql.find((s) => s.startsWith('INSERT'))!,
      ...sql.filter((s) => !s.startsWith('INSERT')),
    ];
    expect(ddl.every((s) => s.includes(' ON CLUSTER `cams`'))).toBe(true);
    expect(insert).toBe(
      'INSERT INTO `camwatch`.`flows_resorted` SELECT * FROM `camwatch`.`flows` SETTINGS insert_distributed_sync = 1',
    );
    expect(sql).toContain(
      'EXCHANGE TABLES `camwatch`.`flows_local` AND `camwatch`.`flows_resorted_local` ON CLUSTER `cams`',
    );
    expect(sql.find((s) => s.includes('AS `camwatch`.`flows_local`'))).toContain(
      'ORDER BY (device_side, device_ip, start)\nTTL inserted_at + INTERVAL 30 DAY',
    );
  });
});

describe.each(BACKENDS)('migration 6 (%s)', (kind) => {
  const stores = storePerTest(kind);
  let store: Store | undefined;

  /** A version-5 store: `flows` under the old key, lacking a newer column, with rows in it. */
  async function storeAtVersion5(): Promise<unknown[]> {
    store = await stores.open({ migrateTo: 5 });
    await store.command('DROP TABLE flows SYNC');
    for (const sql of createTableSql({ ...flowsTable(), orderBy: '(device_ip, start)' }, store.schema)) {
      await store.command(sql);
    }
    await writeFlows(store, FLOWS);
    await store.command('ALTER TABLE flows DROP COLUMN ja4');
    return store.rows(ALL_ROWS.replace(' EXCEPT (ja4)', ''));
  }

  const tableState = async (s: Store) =>
    s.rows<{ name: string; sorting_key: string }>(
      "SELECT name, sorting_key FROM system.tables WHERE database = {db:String} AND name LIKE 'flows%' ORDER BY name",
      { db: s.schema.database },
    );

  it('re-sorts flows by device side first, keeping every row', async () => {
    const before = await storeAtVersion5();
    expect(before).toHaveLength(FLOWS.length);
    await store!.close();

    store = await stores.open();
    expect(store.migration).toMatchObject({ from: 5, applied: [6], addedColumns: ['ja4'] });
    expect(await tableState(store)).toEqual([
      { name: 'flows', sorting_key: 'device_side, device_ip, start' },
    ]);
    expect(await store.rows(ALL_ROWS)).toEqual(before);
  });

  it('finishes a run interrupted before the swap (a half-filled copy)', async () => {
    const before = await storeAtVersion5();
    await store!.command('CREATE TABLE flows_resorted AS flows ENGINE = MergeTree ORDER BY tuple()');
    await store!.command('INSERT INTO flows_resorted SELECT * FROM flows LIMIT 7');
    await store!.close();

    store = await stores.open();
    expect(store.migration.applied).toEqual([6]);
    expect(await tableState(store)).toEqual([
      { name: 'flows', sorting_key: 'device_side, device_ip, start' },
    ]);
    expect(await store.rows(ALL_ROWS)).toEqual(before);
  });

  it('finishes a run interrupted after the swap (the old table left behind)', async () => {
    const before = await storeAtVersion5();
    await store!.close();
    store = await stores.open();
    // As if the process died after EXCHANGE: the old rows back under the copy's name, version 6 not
    // yet recorded.
    await store.command(
      'CREATE TABLE flows_resorted AS flows ENGINE = MergeTree ORDER BY (device_ip, start)',
    );
    await store.command('INSERT INTO flows_resorted SELECT * FROM flows');
    await store.command('DELETE FROM schema_migrations WHERE version = 6');
    await store.close();

    store = await stores.open();
    expect(store.migration).toMatchObject({ from: 5, applied: [6] });
    expect(await tableState(store)).toEqual([
      { name: 'flows', sorting_key: 'device_side, device_ip, start' },
    ]);
    expect(await store.rows(ALL_ROWS)).toEqual(before);
  });
});
