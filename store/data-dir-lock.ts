import { closeSync, mkdirSync, openSync, readFileSync, unlinkSync, writeSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { StoreError } from '../model/index.js';

/** The lock file inside an embedded store's data directory. */
export const LOCK_FILE = 'camwatch.lock';

/** A held lock on a data directory; `release()` removes it (idempotent). */
export interface DataDirLock {
  readonly path: string;
  release(): void;
}

interface LockOwner {
  pid: number;
  host: string;
  since: string;
}

function readOwner(path: string): LockOwner | undefined {
  try {
    const o = JSON.parse(readFileSync(path, 'utf8')) as Partial<LockOwner>;
    if (typeof o.pid === 'number')
      return { pid: o.pid, host: String(o.host ?? ''), since: String(o.since ?? '') };
  } catch {
    // unreadable or half-written: treated as stale below
  }
  return undefined;
}

/** True when `pid` names a live process on this host (EPERM means it lives under another user). */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Takes the exclusive lock of an embedded data directory. chDB binds one data directory per
 * process and two engines on one directory corrupt it, so a second camwatch process must fail
 * fast with a message naming the directory and the holder. The lock is a file created with
 * O_EXCL holding `{pid, host, since}`; a lock whose pid no longer runs on this host (a process
 * killed with -9) is stale and taken over. Two processes racing for the same stale lock at the
 * same instant are not fully excluded (there is no portable flock in Node); that window is
 * microseconds wide and only after a crash.
 */
export function lockDataDir(dataDir: string): DataDirLock {
  mkdirSync(dataDir, { recursive: true });
  const path = join(dataDir, LOCK_FILE);
  const me: LockOwner = { pid: process.pid, host: hostname(), since: new Date().toISOString() };
  for (let attempt = 0; attempt < 2; attempt++) {
    let fd: number;
    try {
      fd = openSync(path, 'wx', 0o644);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') {
        throw new StoreError(
          'CW_ERR_STORE_UNAVAILABLE',
          `${dataDir}: cannot create lock file (${(e as Error).message})`,
          {
            cause: e,
          },
        );
      }
      const owner = readOwner(path);
      const sameHost = owner !== undefined && (owner.host === '' || owner.host === me.host);
      if (owner !== undefined && (!sameHost || alive(owner.pid))) {
        const who = owner.pid === process.pid && sameHost ? 'this process' : `process ${owner.pid}`;
        throw new StoreError(
          'CW_ERR_STORE_LOCKED',
          `store ${dataDir} is in use by ${who}${sameHost ? '' : ` on ${owner.host}`} (since ${owner.since}); ` +
            'chDB allows one process per data directory: stop that process, or send the work through it ' +
            '(the API), or use another --data directory',
        );
      }
      try {
        unlinkSync(path); // stale: its process is gone
      } catch {
        // someone else removed it first; retry the exclusive create
      }
      continue;
    }
    writeSync(fd, JSON.stringify(me));
    closeSync(fd);
    let released = false;
    return {
      path,
      release() {
        if (released) return;
        released = true;
        const owner = readOwner(path);
        if (owner?.pid === process.pid) {
          try {
            unlinkSync(path);
          } catch {
            // already gone
          }
        }
      },
    };
  }
  throw new StoreError(
    'CW_ERR_STORE_LOCKED',
    `store ${dataDir}: another process took the lock at the same time`,
  );
}
