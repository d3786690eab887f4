/**
 * Ingest jobs: an uploaded or inbox file is ingested (runIngest, with the ledger: the same bytes twice
 * are a no-op) and the ingested time range analysed (analyze), then the alerts are merged into the
 * store. One job runs at a time: chDB is one process's engine and the machine's cores are better
 * spent on one ingest than on two fighting. Jobs live in memory (the ledger is the durable record;
 * the inbox keeps its files until they are done, so a restart loses nothing).
 */
import { randomUUID } from 'node:crypto';
import { analyze, saveAnalysedAlerts } from '../../analyzer/index.js';
import type { IngestResult } from '../../ingest/pipeline/index.js';
import { runIngest } from '../../ingest/pipeline/index.js';
import type { Flow } from '../../model/index.js';
import { ingestWindow, type Store } from '../../store/index.js';
import type { ApiMetrics } from '../metrics.js';
import type { RulesHolder } from '../rules-holder.js';

export type JobState = 'queued' | 'ingesting' | 'analysing' | 'done' | 'failed';

export interface Job {
  id: string;
  source: 'upload' | 'inbox';
  /** The file as its sender named it. */
  file: string;
  sha256: string;
  sizeBytes: number;
  format: string;
  state: JobState;
  createdBy: string;
  createdAt: number;
  startedAt: number | undefined;
  finishedAt: number | undefined;
  progress: { bytesRead: number; records: number; flows: number; fraction: number };
  ingest:
    | { id: string; status: IngestResult['status']; flows: number; records: number; rejected: number }
    | undefined;
  alerts: { created: number; updated: number; reopened: number } | undefined;
  error: string | undefined;
}

export interface JobSpec {
  source: Job['source'];
  file: string;
  /** Where the bytes are on disk (the job does not delete it; the submitter does, after `done`). */
  path: string;
  sha256: string;
  sizeBytes: number;
  format: string;
  createdBy: string;
}

export interface JobQueueDeps {
  store: Store;
  rules: RulesHolder;
  enrich?: ((f: Flow) => void) | undefined;
  metrics: ApiMetrics;
  log?: { error(obj: object, msg: string): void };
}

export interface JobQueue {
  submit(spec: JobSpec): { job: Job; done: Promise<Job> };
  get(id: string): Job | undefined;
  list(): Job[];
  depth(): number;
  /** Waits for the running and queued jobs, then refuses new ones. */
  close(): Promise<void>;
}

export function createJobQueue(deps: JobQueueDeps, history = 1000): JobQueue {
  const jobs = new Map<string, Job>();
  const waiting: { job: Job; spec: JobSpec; resolve: (j: Job) => void }[] = [];
  let running: Promise<void> | undefined;
  let closed = false;

  const trim = (): void => {
    if (jobs.size <= history) return;
    for (const [id, j] of jobs) {
      if (jobs.size <= history) break;
      if (j.state === 'done' || j.state === 'failed') jobs.delete(id);
    }
  };

  const runOne = async (job: Job, spec: JobSpec): Promise<void> => {
    const { metrics } = deps;
    const t0 = performance.now();
    job.state = 'ingesting';
    job.startedAt = Date.now();
    try {
      const [r] = await runIngest([spec.path], {
        store: deps.store,
        enrich: deps.enrich,
        onProgress: (p) => {
          job.progress = {
            bytesRead: p.bytesRead,
            records: p.records,
            flows: p.flows,
            fraction: p.sizeBytes ? Math.min(1, p.bytesRead / p.sizeBytes) : 0,
          };
        },
      });
      if (!r) throw new Error('runIngest returned no result');
      job.format = r.format || job.format;
      job.ingest = { id: r.id, status: r.status, flows: r.flows, records: r.records, rejected: r.rejected };
      metrics.ingestFiles({ result: r.status });
      if (r.status === 'failed') throw new Error(r.error ?? 'ingest failed');
      if (r.status === 'complete') {
        const fmt = { format: r.format };
        metrics.ingestRecords(fmt, r.records);
        metrics.ingestFlows(fmt, r.flows);
        metrics.ingestBytes(fmt, r.bytes);
        for (const p of r.problems) metrics.ingestRejects({ reason: p.reason }, p.count);
        job.state = 'analysing';
        const window = await ingestWindow(deps.store, r.id);
        if (window) {
          const res = await analyze(deps.store, deps.rules.current(), { window });
          const { created, updated, reopened } = await saveAnalysedAlerts(deps.store, res.alerts);
          job.alerts = { created, updated, reopened };
          for (const a of res.alerts) metrics.alertsRaised({ severity: a.severity });
        } else {
          job.alerts = { created: 0, updated: 0, reopened: 0 };
        }
        metrics.lastIngest(Date.now() / 1000, { source: spec.source });
      }
      job.progress = { ...job.progress, fraction: 1 };
      job.state = 'done';
    } catch (e) {
      job.state = 'failed';
      job.error = (e as Error).message;
      deps.log?.error({ err: e, job: job.id }, 'ingest job failed');
    } finally {
      job.finishedAt = Date.now();
      metrics.ingestSeconds((performance.now() - t0) / 1000);
    }
  };

  const pump = (): void => {
    if (running) return;
    const next = waiting.shift();
    deps.metrics.queueDepth(waiting.length);
    if (!next) return;
    running = runOne(next.job, next.spec).finally(() => {
      running = undefined;
      next.resolve(next.job);
      trim();
      pump();
    });
  };

  return {
    submit(spec) {
      if (closed) throw new Error('the job queue is closed');
      const job: Job = {
        id: randomUUID(),
        source: spec.source,
        file: spec.file,
        sha256: spec.sha256,
        sizeBytes: spec.sizeBytes,
        format: spec.format,
        state: 'queued',
        createdBy: spec.createdBy,
        createdAt: Date.now(),
        startedAt: undefined,
        finishedAt: undefined,
        progress: { bytesRead: 0, records: 0, flows: 0, fraction: 0 },
        ingest: undefined,
        alerts: undefined,
        error: undefined,
      };
      jobs.set(job.id, job);
      let resolve!: (j: Job) => void;
      const done = new Promise<Job>((r) => {
        resolve = r;
      });
      waiting.push({ job, spec, resolve });
      deps.metrics.queueDepth(waiting.length);
      pump();
      return { job, done };
    },
    get: (id) => jobs.get(id),
    list: () => [...jobs.values()].sort((a, b) => b.createdAt - a.createdAt),
    depth: () => waiting.length + (running ? 1 : 0),
    async close() {
      closed = true;
      while (running || waiting.length > 0) {
        await running;
        if (!running && waiting.length > 0) pump();
      }
    },
  };
}
