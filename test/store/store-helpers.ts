import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach } from 'vitest';
import { FLOW_FIELDS, type Flow } from '../../model/index.js';
import { openStore, type Store, type StoreOptions } from '../../store/index.js';

/**
 * The backends the store suites run on: the embedded engine always; a ClickHouse server too when
 * CAMWATCH_CLICKHOUSE_URL is set (each test then gets its own database).
 */
export const SERVER_URL = process.env.CAMWATCH_CLICKHOUSE_URL;
export const BACKENDS: Array<'chdb' | 'server'> = SERVER_URL ? ['chdb', 'server'] : ['chdb'];

export interface TestStoreHandle {
  opts: StoreOptions;
  open(extra?: Partial<StoreOptions>): Promise<Store>;
  cleanup(): Promise<void>;
}

let seq = 0;

/** A fresh place for a store: a temp data dir, or a new database on the server. */
export function testStore(kind: 'chdb' | 'server'): TestStoreHandle {
  const dir = mkdtempSync(join(tmpdir(), 'camwatch-store-'));
  const opts: StoreOptions =
    kind === 'chdb'
      ? { dataDir: dir }
      : {
          url: SERVER_URL,
          user: process.env.CAMWATCH_CLICKHOUSE_USER,
          password: process.env.CAMWATCH_CLICKHOUSE_PASSWORD,
          database: `camwatch_test_${process.pid}_${Date.now()}_${seq++}`,
        };
  return {
    opts,
    open: (extra = {}) => openStore({ ...opts, ...extra }),
    async cleanup() {
      if (kind === 'server') {
        const s = await openStore({ ...opts, recover: false });
        try {
          await s.command(`DROP DATABASE IF EXISTS ${opts.database}`);
        } finally {
          await s.close();
        }
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** A value for every field, different per `i`, derived from the field table (new fields included). */
export function fullFlow(i: number): Flow {
  const out: Record<string, unknown> = {};
  const base = Date.UTC(2026, 10, 26, 8, 0, 0) + i * 1000;
  for (const f of FLOW_FIELDS) {
    switch (f.kind) {
      case 'timeMs':
        out[f.name] = f.name === 'end' ? base + 1500 : base;
        break;
      case 'ip':
        out[f.name] =
          i % 2 === 0
            ? `10.${i % 250}.${f.column.length}.${(i * 7) % 250}`
            : `2001:db8::${(i + f.column.length).toString(16)}`;
        break;
      case 'mac':
        out[f.name] = `00:11:22:33:44:${(i % 256).toString(16).padStart(2, '0')}`;
        break;
      case 'uint': {
        const max =
          f.chType === 'UInt8'
            ? 255
            : f.chType === 'UInt16'
              ? 65535
              : f.chType === 'UInt32'
                ? 2 ** 32 - 1
                : 2 ** 53 - 1;
        out[f.name] = 1 + ((i * 131 + f.column.length) % max);
        break;
      }
      case 'strings':
        out[f.name] = [`${f.name}-a-${i}`, `ünïcode-${i}`];
        break;
      default:
        out[f.name] = `${f.name}-${i}${i % 3 === 0 ? '-ß✓' : ''}`;
    }
  }
  return out as Flow;
}

/** A flow with only the required fields (every optional one absent). */
export function minimalFlow(i: number): Flow {
  const f = fullFlow(i) as Record<string, unknown>;
  for (const field of FLOW_FIELDS) if (!field.required) delete f[field.name];
  return f as Flow;
}

/**
 * The store of each test in a suite: `open()` makes a fresh place (data dir or database) on its first
 * call in a test and reopens that place on later calls; after each test every store it opened is
 * closed (closing twice is harmless) and the place removed.
 */
export function storePerTest(kind: 'chdb' | 'server'): {
  open(extra?: Partial<StoreOptions>): Promise<Store>;
} {
  let place: TestStoreHandle | undefined;
  let opened: Store[] = [];
  afterEach(async () => {
    for (const s of opened) await s.close();
    opened = [];
    await place?.cleanup();
    place = undefined;
  });
  return {
    async open(extra = {}) {
      place ??= testStore(kind);
      const s = await place.open(extra);
      opened.push(s);
      return s;
    },
  };
}
