/**
 * The embedded store's merge settings (store/merge-tuning.ts) as the engine itself reports them:
 * `system.merge_tree_settings` must know each one (a setting the engine does not know would fail the
 * ALTER), and the table's own definition must carry them after an open, an older store's included.
 */
import { describe, expect, it } from 'vitest';
import { EMBEDDED_FLOWS_MERGE_SETTINGS } from '../../store/merge-tuning.js';
import { storePerTest } from './store-helpers.js';

describe('merge settings of the embedded flows table', () => {
  const stores = storePerTest('chdb');

  const tableSettings = async (store: Awaited<ReturnType<typeof stores.open>>) => {
    const [t] = await store.rows<{ q: string }>(
      "SELECT create_table_query AS q FROM system.tables WHERE database = currentDatabase() AND name = 'flows'",
    );
    return t!.q.slice(t!.q.indexOf('SETTINGS'));
  };

  it('are settings the engine knows, set on a new store and kept across opens', async () => {
    let store = await stores.open();
    const known = await store.rows<{ name: string }>(
      'SELECT name FROM system.merge_tree_settings WHERE name IN {names:Array(String)}',
      { names: Object.keys(EMBEDDED_FLOWS_MERGE_SETTINGS) },
    );
    expect(known.map((k) => k.name).sort()).toEqual(Object.keys(EMBEDDED_FLOWS_MERGE_SETTINGS).sort());
    for (const [name, value] of Object.entries(EMBEDDED_FLOWS_MERGE_SETTINGS))
      expect(await tableSettings(store)).toMatch(new RegExp(`\\b${name} = ${value}\\b`));
    // the setting the schema itself asks for is still there
    expect(await tableSettings(store)).toContain('min_bytes_for_wide_part = 134217728');
    await store.close();
    store = await stores.open();
    const again = await tableSettings(store);
    for (const name of Object.keys(EMBEDDED_FLOWS_MERGE_SETTINGS))
      expect(again.split(name).length - 1, `${name} once`).toBe(1);
  });

  it('reach a store made before them, at its next open', async () => {
    let store = await stores.open();
    await store.command(
      'ALTER TABLE flows RESET SETTING vertical_merge_algorithm_min_rows_to_activate, merge_selector_base',
    );
    expect(await tableSettings(store)).not.toContain('merge_selector_base');
    await store.close();
    store = await stores.open();
    expect(await tableSettings(store)).toMatch(/\bmerge_selector_base = 20\b/);
  });
});
