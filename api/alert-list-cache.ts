/**
 * A short-lived cache of alert list pages: dashboards poll the same first pages, and one list query
 * costs the store a scan of every alert's narrow columns (FINAL). An entry is dropped by any alert
 * write of this process (the store's write generation: triage, analysis) and after `ttlMs` at most,
 * which bounds how stale a page can be when another process writes the same ClickHouse server.
 * `ttlMs` 0: no cache.
 */
import type { Alert } from '../analyzer/index.js';
import {
  type AlertPage,
  type AlertQuery,
  alertWriteGeneration,
  listAlerts,
  type Store,
} from '../store/index.js';

export interface AlertListCache {
  list(store: Store, q: AlertQuery): Promise<AlertPage<Alert>>;
  stats(): { hits: number; misses: number; entries: number };
}

export function createAlertListCache(ttlMs: number, maxEntries = 500): AlertListCache {
  const pages = new Map<string, { at: number; gen: number; page: Promise<AlertPage<Alert>> }>();
  let hits = 0;
  let misses = 0;
  return {
    stats: () => ({ hits, misses, entries: pages.size }),
    list(store, q) {
      if (ttlMs <= 0) return listAlerts<Alert>(store, q);
      const key = JSON.stringify(q);
      const now = Date.now();
      const gen = alertWriteGeneration();
      const e = pages.get(key);
      if (e && e.gen === gen && now - e.at < ttlMs) {
        hits++;
        return e.page;
      }
      misses++;
      const page = listAlerts<Alert>(store, q);
      pages.delete(key);
      pages.set(key, { at: now, gen, page });
      page.catch(() => pages.delete(key));
      if (pages.size > maxEntries) pages.delete(pages.keys().next().value as string);
      return page;
    },
  };
}
