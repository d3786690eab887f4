/**
 * A small Prometheus registry (text exposition format 0.0.4), named by the Prometheus guide:
 * `camwatch_` prefix, `_total` counters, `_seconds` units, no per-address labels (label values come
 * from fixed sets: route patterns, methods, status classes, formats, reasons, severities).
 */

type Labels = Record<string, string>;

const key = (l: Labels): string =>
  Object.keys(l)
    .sort()
    .map((k) => `${k}="${String(l[k]).replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n')}"`)
    .join(',');

interface Series {
  help: string;
  type: 'counter' | 'gauge' | 'histogram';
  values: Map<string, number>;
  buckets?: readonly number[];
  hist?: Map<string, { counts: number[]; sum: number; count: number }>;
}

export const LATENCY_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

export class Metrics {
  private readonly series = new Map<string, Series>();
  private readonly collectors: (() => void | Promise<void>)[] = [];

  private get(name: string, type: Series['type'], help: string, buckets?: readonly number[]): Series {
    let s = this.series.get(name);
    if (!s) {
      s = { help, type, values: new Map(), buckets, hist: type === 'histogram' ? new Map() : undefined };
      this.series.set(name, s);
    }
    return s;
  }

  counter(name: string, help: string): (labels?: Labels, by?: number) => void {
    const s = this.get(name, 'counter', help);
    return (labels = {}, by = 1) => {
      const k = key(labels);
      s.values.set(k, (s.values.get(k) ?? 0) + by);
    };
  }

  gauge(name: string, help: string): (value: number, labels?: Labels) => void {
    const s = this.get(name, 'gauge', help);
    return (value, labels = {}) => {
      s.values.set(key(labels), value);
    };
  }

  histogram(
    name: string,
    help: string,
    buckets: readonly number[] = LATENCY_BUCKETS,
  ): (seconds: number, labels?: Labels) => void {
    const s = this.get(name, 'histogram', help, buckets);
    return (v, labels = {}) => {
      const k = key(labels);
      let h = s.hist?.get(k);
      if (!h) {
        h = { counts: new Array(buckets.length).fill(0), sum: 0, count: 0 };
        s.hist?.set(k, h);
      }
      for (let i = 0; i < buckets.length; i++) if (v <= buckets[i]) h.counts[i]++;
      h.sum += v;
      h.count++;
    };
  }

  /** Runs before each scrape (gauges read from the store or the queue). */
  onCollect(fn: () => void | Promise<void>): void {
    this.collectors.push(fn);
  }

  async render(): Promise<string> {
    for (const c of this.collectors) {
      try {
        await c();
      } catch {
        // a failed collector leaves its last values; the scrape still answers
      }
    }
    const out: string[] = [];
    for (const [name, s] of this.series) {
      out.push(`# HELP ${name} ${s.help}`, `# TYPE ${name} ${s.type}`);
      if (s.type === 'histogram' && s.hist && s.buckets) {
        for (const [k, h] of s.hist) {
          const sep = k ? ',' : '';
          s.buckets.forEach((b, i) => {
            out.push(`${name}_bucket{${k}${sep}le="${b}"} ${h.counts[i]}`);
          });
          out.push(`${name}_bucket{${k}${sep}le="+Inf"} ${h.count}`);
          out.push(`${name}_sum${k ? `{${k}}` : ''} ${h.sum}`);
          out.push(`${name}_count${k ? `{${k}}` : ''} ${h.count}`);
        }
      } else {
        for (const [k, v] of s.values) out.push(`${name}${k ? `{${k}}` : ''} ${v}`);
      }
    }
    return `${out.join('\n')}\n`;
  }
}

/** The metrics camwatch serve exposes, created once per app. */
export function createApiMetrics(m = new Metrics()) {
  return {
    registry: m,
    requests: m.counter(
      'camwatch_http_requests_total',
      'HTTP requests answered, by route pattern and status class',
    ),
    requestSeconds: m.histogram(
      'camwatch_http_request_duration_seconds',
      'HTTP request latency by route pattern',
    ),
    ingestFiles: m.counter(
      'camwatch_ingest_files_total',
      'Files ingested, by result (complete, skipped, failed, rejected)',
    ),
    ingestRecords: m.counter(
      'camwatch_ingest_records_total',
      'Input records read (packets, lines), by format',
    ),
    ingestFlows: m.counter('camwatch_ingest_flows_total', 'Flow rows stored, by format'),
    ingestBytes: m.counter('camwatch_ingest_bytes_total', 'Input bytes read, by format'),
    ingestRejects: m.counter(
      'camwatch_ingest_records_rejected_total',
      'Bad input records skipped, by reason',
    ),
    ingestSeconds: m.histogram(
      'camwatch_ingest_file_duration_seconds',
      'Time to ingest and analyse one file',
    ),
    uploadsRejected: m.counter('camwatch_uploads_rejected_total', 'Uploads refused before ingest, by reason'),
    lastIngest: m.gauge(
      'camwatch_last_ingest_timestamp_seconds',
      'Unix time of the last completed ingest, by source (upload, inbox): alert when it goes stale',
    ),
    queueDepth: m.gauge('camwatch_jobs_queued', 'Jobs waiting to run'),
    alertsRaised: m.counter('camwatch_alerts_raised_total', 'Alerts written by analysis runs, by severity'),
    alertsOpen: m.gauge('camwatch_alerts_open', 'Open alerts in the store, by severity'),
    build: m.gauge('camwatch_build_info', 'Build metadata'),
  };
}

export type ApiMetrics = ReturnType<typeof createApiMetrics>;
