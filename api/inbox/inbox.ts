/**
 * The nightly inbox: files that appear in a directory are ingested and analysed, then moved to
 * `done/` or to `failed/` with `<name>.error.txt` beside them saying why.
 *
 * A file is taken when it is complete: its `<name>.done` marker exists, or its size and mtime stayed
 * the same for `stableMs`. Names an exporter uses while writing are never taken (`.tmp`, `.part`,
 * `.partial`, `.current` — nfcapd's open file — and dot files).
 *
 * Restarts lose nothing and double nothing: a file leaves the inbox only after its job finished, so
 * a file found at start is simply processed (again); the ingest ledger skips bytes already stored
 * complete, and the store's start-up recovery removed the rows of an ingest cut short.
 */
import { existsSync, mkdirSync, readdirSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { sha256File } from '../../ingest/pipeline/index.js';
import { checkInput } from '../jobs/check-input.js';
import type { JobQueue } from '../jobs/job-queue.js';

export interface InboxConfig {
  dir: string;
  /** How often the directory is listed. */
  pollMs: number;
  /** How long size and mtime must stay unchanged (without a .done marker). */
  stableMs: number;
}

export const INBOX_DEFAULTS = { pollMs: 2_000, stableMs: 10_000 };

export interface Inbox {
  start(): void;
  /** Stops polling and waits for the file in progress. */
  close(): Promise<void>;
  /** One pass now (tests): takes every ready file and waits for it. */
  scan(): Promise<void>;
}

const SKIP = /(^\.)|(\.(tmp|part|partial|current|done|swp)$)|(\.error\.txt$)/i;

export interface InboxLog {
  info(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

export function createInbox(
  config: InboxConfig,
  deps: { jobs: JobQueue; log?: InboxLog | undefined },
): Inbox {
  const { dir } = config;
  const doneDir = join(dir, 'done');
  const failedDir = join(dir, 'failed');
  mkdirSync(doneDir, { recursive: true });
  mkdirSync(failedDir, { recursive: true });
  const seen = new Map<string, { size: number; mtimeMs: number; since: number }>();
  let timer: NodeJS.Timeout | undefined;
  let busy: Promise<void> | undefined;
  let closed = false;

  const target = (folder: string, name: string): string => {
    let p = join(folder, name);
    if (existsSync(p)) p = join(folder, `${name}.${new Date().toISOString().replace(/[:.]/g, '-')}`);
    return p;
  };

  const finish = (name: string, error: string | undefined): void => {
    const src = join(dir, name);
    const dest = target(error ? failedDir : doneDir, name);
    if (error) writeFileSync(`${dest}.error.txt`, `${new Date().toISOString()} ${name}: ${error}\n`);
    renameSync(src, dest);
    rmSync(join(dir, `${name}.done`), { force: true });
    seen.delete(name);
    deps.log?.[error ? 'error' : 'info']({ file: name, error, moved: dest }, 'inbox file processed');
  };

  const processFile = async (name: string): Promise<void> => {
    const path = join(dir, name);
    let error: string | undefined;
    try {
      const checked = await checkInput(path, name);
      const sha256 = await sha256File(path);
      const { done } = deps.jobs.submit({
        source: 'inbox',
        file: name,
        path,
        sha256,
        sizeBytes: statSync(path).size,
        format: checked.format,
        createdBy: 'inbox',
      });
      const job = await done;
      if (job.state !== 'done') error = job.error ?? 'the ingest job failed';
    } catch (e) {
      error = (e as Error).message;
    }
    finish(name, error);
  };

  const ready = (): string[] => {
    const now = Date.now();
    const out: string[] = [];
    let names: string[];
    try {
      names = readdirSync(dir);
    } catch (e) {
      deps.log?.error({ err: e, dir }, 'inbox cannot be listed');
      return out;
    }
    const present = new Set(names);
    for (const name of names) {
      if (SKIP.test(name)) continue;
      let st: ReturnType<typeof statSync>;
      try {
        st = statSync(join(dir, name));
      } catch {
        continue;
      }
      if (!st.isFile()) continue;
      if (present.has(`${name}.done`)) {
        out.push(name);
        continue;
      }
      const prev = seen.get(name);
      if (!prev || prev.size !== st.size || prev.mtimeMs !== st.mtimeMs) {
        seen.set(name, { size: st.size, mtimeMs: st.mtimeMs, since: now });
        continue;
      }
      if (now - prev.since >= config.stableMs) out.push(name);
    }
    for (const name of seen.keys()) if (!present.has(name)) seen.delete(name);
    return out.sort();
  };

  const scan = async (): Promise<void> => {
    if (busy) return busy;
    busy = (async () => {
      for (const name of ready()) {
        if (closed) break;
        await processFile(name);
      }
    })().finally(() => {
      busy = undefined;
    });
    return busy;
  };

  return {
    start() {
      if (timer) return;
      const tick = (): void => {
        void scan().finally(() => {
          if (!closed) timer = setTimeout(tick, config.pollMs);
        });
      };
      tick();
    },
    async close() {
      closed = true;
      if (timer) clearTimeout(timer);
      await busy;
    },
    scan,
  };
}
