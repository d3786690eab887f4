/**
 * `camwatch scan` as a function: ingest (with enrichment) → analyse the time window of the data just
 * ingested → fold the alerts into the store → return them, worst first. The CLI command and the
 * evaluation harness (bench/eval-scan.ts) call this; it composes the same front doors the API uses
 * (ingest/pipeline, ingest/enrich, analyzer, store) and adds no pipeline logic of its own.
 *
 * The window. Each input's flows carry its ingest id, so the window of an input is the min start and
 * max end of its rows, whether it was stored now or by an earlier run (a repeat is a ledger no-op, and
 * its alerts are still reported). Windows of several inputs that overlap or lie within `joinGapMs` of
 * each other are analysed together; far-apart ones separately (a beacon's coverage is judged against
 * its window, so a 2011 capture and a 2024 one must not make one 13-year window). Alerts with the same
 * id from two windows are folded with the analyzer's `mergeAlert`.
 *
 * Whose alerts. The window is analysed over everything the store holds for it (a store is one
 * monitored network: two captures of the same hour from two taps are one picture), and the alerts
 * reported and saved are those of the devices that have flows in these inputs. So scanning a capture of
 * site B into a store that holds site A's data of the same hour does not report A's cameras; cameras
 * with the same address in both would still share evidence (use --ephemeral, or separate --data dirs,
 * to judge a capture alone).
 */
import type { Alert, AnalysisWindow, LoadRulesOptions } from '../../analyzer/index.js';
import type { EnricherConfig } from '../../ingest/enrich/index.js';
import type { IngestProgress, IngestResult } from '../../ingest/pipeline/index.js';
import type { Store, StoreOptions } from '../../store/index.js';
import { type SaveResult, type StoredAlert, saveAlerts } from './alerts-store.js';

export interface ScanOptions {
  store: StoreOptions;
  /** Enrichment config (geo/ASN sources, inventory); undefined: the defaults (open data). */
  enrich?: EnricherConfig | undefined;
  /** Extra rule packs (files or directories); a policy pack among them replaces the default one. */
  rules?: LoadRulesOptions | undefined;
  /** Read every input as this format. */
  format?: string | undefined;
  /** Ingest inputs again even when the same bytes were stored (replaces their rows). */
  force?: boolean | undefined;
  readerOptions?: Record<string, Record<string, unknown>> | undefined;
  /** Windows closer than this are analysed as one (default 1 h). */
  joinGapMs?: number | undefined;
  /** Time suppressions are judged at (default now). */
  nowMs?: number | undefined;
  /** The learned baseline new peers are judged against (default: the newest covering each device). */
  baseline?: string | undefined;
  onProgress?: ((p: IngestProgress) => void) | undefined;
  /** Phase changes, for a terminal status line. */
  onPhase?: ((phase: 'ingest' | 'analyse' | 'store', detail?: string) => void) | undefined;
}

export interface ScanResult {
  inputs: IngestResult[];
  /** The windows analysed (ms, half-open), in time order. */
  windows: AnalysisWindow[];
  /** Flows in those windows that came from these inputs. */
  flows: number;
  /** The alerts of the data, merged with the store, worst first, with their triage status. */
  alerts: StoredAlert[];
  /** Alerts hidden by a suppression rule. */
  suppressed: number;
  saved: Omit<SaveResult, 'stored'>;
  /** Where the store is (data dir or server URL). */
  where: string;
  seconds: { ingest: number; analyse: number; total: number };
}

interface IngestSpan {
  since: number;
  until: number;
  flows: number;
}

/** Min start and max end of each ingest's rows (ms; `until` is exclusive, so one past the last start). */
async function spansOf(store: Store, ids: readonly string[]): Promise<IngestSpan[]> {
  if (ids.length === 0) return [];
  const rows = await store.rows<{
    s: string | number;
    e: string | number;
    ls: string | number;
    n: string | number;
  }>(
    'SELECT toUnixTimestamp64Milli(min(start)) AS s, toUnixTimestamp64Milli(max(end)) AS e, ' +
      'toUnixTimestamp64Milli(max(start)) AS ls, count() AS n FROM flows ' +
      'WHERE ingest_id IN {ids:Array(String)} GROUP BY ingest_id',
    { ids },
  );
  return rows
    .filter((r) => Number(r.n) > 0)
    .map((r) => ({
      since: Number(r.s),
      until: Math.max(Number(r.e), Number(r.ls)) + 1,
      flows: Number(r.n),
    }));
}

/** The devices (camera side) of these ingests' flows, as the analyzer writes addresses. */
async function devicesOf(store: Store, ids: readonly string[]): Promise<Set<string>> {
  if (ids.length === 0) return new Set();
  const rows = await store.rows<{ ip: string }>(
    "SELECT DISTINCT replaceRegexpOne(IPv6NumToString(if(device_ip != toIPv6('::'), device_ip, orig_ip)), '^::ffff:', '') AS ip " +
      "FROM flows WHERE ingest_id IN {ids:Array(String)} AND device_side != 'none'",
    { ids },
  );
  return new Set(rows.map((r) => r.ip));
}

/** Overlapping or near windows joined; in time order. */
export function joinWindows(
  spans: readonly IngestSpan[],
  gapMs: number,
): (AnalysisWindow & { flows: number })[] {
  const sorted = [...spans].sort((a, b) => a.since - b.since);
  const out: (AnalysisWindow & { flows: number })[] = [];
  for (const s of sorted) {
    const last = out[out.length - 1];
    if (last && s.since <= last.untilMs + gapMs) {
      last.untilMs = Math.max(last.untilMs, s.until);
      last.flows += s.flows;
    } else {
      out.push({ sinceMs: s.since, untilMs: s.until, flows: s.flows });
    }
  }
  return out;
}

/**
 * Runs a scan. Throws a CamwatchError for a store, rule or enrichment-database failure; an input that
 * cannot be read is reported in `inputs` (status `failed`) and the others go on.
 */
export async function runScan(inputs: readonly string[], opts: ScanOptions): Promise<ScanResult> {
  const t0 = performance.now();
  const [{ openStore }, { runIngest }, { createEnricher }, analyzer] = await Promise.all([
    import('../../store/index.js'),
    import('../../ingest/pipeline/index.js'),
    import('../../ingest/enrich/index.js'),
    import('../../analyzer/index.js'),
  ]);
  // rules and enrichment databases first: a bad rule file fails before anything is stored
  const rules = await analyzer.loadRules(opts.rules ?? {});
  const enricher = createEnricher(opts.enrich ?? {});
  let store: Store | undefined;
  try {
    store = await openStore(opts.store);
    if (opts.baseline !== undefined) {
      const { requireBaseline } = await import('../../store/index.js');
      await requireBaseline(store, opts.baseline);
    }
    opts.onPhase?.('ingest');
    const results = await runIngest(inputs, {
      store,
      format: opts.format,
      force: opts.force,
      enrich: (f) => enricher.enrich(f),
      readerOptions: opts.readerOptions,
      onProgress: opts.onProgress,
    });
    const t1 = performance.now();

    const ids = results.filter((r) => r.status !== 'failed' && r.id !== '').map((r) => r.id);
    const windows = joinWindows(await spansOf(store, ids), opts.joinGapMs ?? 3_600_000);
    opts.onPhase?.('analyse', `${windows.length} window${windows.length === 1 ? '' : 's'}`);
    const byId = new Map<string, Alert>();
    let suppressed = 0;
    for (const w of windows) {
      const r = await analyzer.analyze(store, rules, {
        window: { sinceMs: w.sinceMs, untilMs: w.untilMs },
        nowMs: opts.nowMs,
        baseline: { name: opts.baseline },
      });
      suppressed += r.suppressed.length;
      for (const a of r.alerts) {
        const prev = byId.get(a.id);
        byId.set(a.id, prev ? analyzer.mergeAlert(prev, a) : a);
      }
    }
    const t2 = performance.now();
    opts.onPhase?.('store');
    // the alerts of the cameras in these inputs (other data of the same window counts as evidence)
    const devices = await devicesOf(store, ids);
    const fresh = analyzer.sortAlerts(
      [...byId.values()].filter((a) => devices.has(analyzer.normaliseIp(a.deviceIp))),
    );
    const { stored, ...saved } = await saveAlerts(store, fresh);
    const t3 = performance.now();
    return {
      inputs: results,
      windows: windows.map(({ sinceMs, untilMs }) => ({ sinceMs, untilMs })),
      flows: windows.reduce((n, w) => n + w.flows, 0),
      alerts: stored,
      suppressed,
      saved,
      where: store.where,
      seconds: { ingest: (t1 - t0) / 1000, analyse: (t2 - t1) / 1000, total: (t3 - t0) / 1000 },
    };
  } finally {
    enricher.close();
    await store?.close();
  }
}
