/**
 * Merge settings of the embedded store's `flows` table. Background merges are the largest cost of
 * writing flows at scale (store/README.md, "What a merge costs"): ClickHouse's vertical merge
 * algorithm re-reads a compact part's single file once per column (1.97 GB read to merge 55 MB of
 * parts), and its default merge selector rewrites each row through more levels than a bulk night
 * load needs.
 *
 * - `vertical_merge_algorithm_min_rows_to_activate`: merges below ~2 M rows (compact insert parts,
 *   which become wide at about that size) run the horizontal algorithm: 2.5–2.75 instead of
 *   4.0–4.4 CPU-s to merge four 262 144-row parts. Bigger merges, of wide parts, stay vertical,
 *   which bounds their memory.
 * - `merge_selector_base = 20` (default 5): fewer, larger merges, so fewer rewrites per row; more
 *   parts stand between merges (15 instead of 5 after 4 M flows).
 *
 * Writing 10 M flows until merges settle (bench/store-bench.ts, one run each, same hour): 113 k →
 * 237 k flows per CPU-s, 162 k → 426 k flows/s wall; 18 parts left instead of 2 (merges wait for
 * larger sets), top peers of every device over the day 794 → 830 ms, one device 8.7 → 6.9 ms.
 *
 * Applied to the embedded engine only, whose version comes with the package (chDB 3.4, ClickHouse
 * 26.7), where they were measured; a server's operator tunes their own tables (store/README.md has
 * the statement). An ALTER … MODIFY SETTING changes table metadata only, so an existing store takes
 * them at its next open, with no rewrite.
 */
import type { Store } from './connection.js';

export const EMBEDDED_FLOWS_MERGE_SETTINGS: Readonly<Record<string, number>> = {
  vertical_merge_algorithm_min_rows_to_activate: 2_097_152,
  merge_selector_base: 20,
};

/** Sets on `flows` the settings above that its definition does not carry yet. */
export async function tuneEmbeddedMerges(store: Store): Promise<void> {
  const [table] = await store.rows<{ q: string }>(
    "SELECT create_table_query AS q FROM system.tables WHERE database = currentDatabase() AND name = 'flows'",
  );
  if (!table) return;
  const missing = Object.entries(EMBEDDED_FLOWS_MERGE_SETTINGS).filter(
    ([name, value]) => !new RegExp(`\\b${name} = ${value}\\b`).test(table.q),
  );
  if (missing.length === 0) return;
  await store.command(
    `ALTER TABLE flows MODIFY SETTING ${missing.map(([name, value]) => `${name} = ${value}`).join(', ')}`,
  );
}
