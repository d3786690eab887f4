/**
 * A real camwatch API for tests: the embedded chDB store in a temp directory, the packaged rules,
 * one token per role, and the app built by buildApp (listening on 127.0.0.1, port 0, when asked).
 * chDB binds one data directory per process: one harness per test file.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import {
  buildApp,
  createRulesHolder,
  openTokenFile,
  ROLES,
  type Role,
  type UserApiConfig,
} from '../../api/index.js';
import { createEnricher } from '../../ingest/enrich/index.js';
import { openStore, type Store } from '../../store/index.js';

export interface Harness {
  dir: string;
  store: Store;
  app: FastifyInstance;
  /** `http://127.0.0.1:PORT` when listening. */
  base: string;
  token: Record<Role, string>;
  auth(role: Role): { authorization: string };
  close(): Promise<void>;
}

export async function startHarness(
  opts: { listen?: boolean; config?: Partial<UserApiConfig> } = {},
): Promise<Harness> {
  const dir = mkdtempSync(join(tmpdir(), 'camwatch-api-'));
  const store = await openStore({ dataDir: join(dir, 'store') });
  const tokens = openTokenFile(dir);
  const token = {} as Record<Role, string>;
  for (const r of ROLES) token[r] = tokens.create(r, `test-${r}`).token;
  const rules = await createRulesHolder([]);
  const enricher = createEnricher({});
  const app = await buildApp(
    { dataDir: dir, spoolDir: join(dir, 'spool'), rateLimitMax: 0, ...opts.config },
    { store, tokens, rules, enrich: (f) => enricher.enrich(f) },
  );
  let base = '';
  if (opts.listen) base = await app.listen({ host: '127.0.0.1', port: 0 });
  return {
    dir,
    store,
    app,
    base,
    token,
    auth: (role) => ({ authorization: `Bearer ${token[role]}` }),
    async close() {
      await app.close();
      enricher.close();
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
