/**
 * API tokens, kept in `<dataDir>/api-tokens.jsonl` (mode 0600): one JSON line per event
 * (`create` or `revoke`), append-only. Only the SHA-256 of a token is written; the token itself
 * (`cwt_` + 32 random bytes, base64url) is shown once, to whoever created it. A file rather than a
 * store table because chDB binds its directory to one process: `camwatch token create` must work
 * while `camwatch serve` owns the store; the server re-reads the file when its size or mtime changes.
 * A high-entropy random token needs no slow hash: SHA-256 makes the stored value useless to a thief.
 */
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { appendFileSync, chmodSync, existsSync, mkdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { ConfigError } from '../../model/index.js';
import { isRole, type Role } from './roles.js';

export const TOKENS_FILE = 'api-tokens.jsonl';
const PREFIX = 'cwt_';

export interface TokenInfo {
  id: string;
  role: Role;
  name: string;
  createdAt: number;
  revokedAt: number | undefined;
}

interface TokenLine {
  op: 'create' | 'revoke';
  id: string;
  at: number;
  hash?: string;
  role?: string;
  name?: string;
}

export const hashToken = (token: string): string => createHash('sha256').update(token).digest('hex');

export interface TokenFile {
  readonly path: string;
  /** Creates a token; returns it in clear (the only time it exists outside the caller). */
  create(role: Role, name?: string): { token: string; info: TokenInfo };
  revoke(id: string): boolean;
  /** The token's info when it is known and not revoked. */
  verify(token: string): TokenInfo | undefined;
  list(): TokenInfo[];
}

export function openTokenFile(dataDir: string): TokenFile {
  mkdirSync(dataDir, { recursive: true });
  const path = join(dataDir, TOKENS_FILE);
  let stamp = '';
  let byHash = new Map<string, TokenInfo>();
  let byId = new Map<string, TokenInfo>();

  const load = (): void => {
    let st: ReturnType<typeof statSync> | undefined;
    try {
      st = statSync(path);
    } catch {
      st = undefined;
    }
    const s = st ? `${st.size}:${st.mtimeMs}` : 'none';
    if (s === stamp) return;
    stamp = s;
    const h = new Map<string, TokenInfo>();
    const ids = new Map<string, TokenInfo>();
    const hashOf = new Map<string, string>();
    const text = st ? readFileSync(path, 'utf8') : '';
    let n = 0;
    for (const line of text.split('\n')) {
      n++;
      if (!line.trim()) continue;
      let l: TokenLine;
      try {
        l = JSON.parse(line) as TokenLine;
      } catch {
        throw new ConfigError(`${path}: line ${n} is not JSON`);
      }
      if (l.op === 'create' && l.hash && l.role && isRole(l.role)) {
        const info: TokenInfo = {
          id: l.id,
          role: l.role,
          name: l.name ?? '',
          createdAt: l.at,
          revokedAt: undefined,
        };
        ids.set(l.id, info);
        h.set(l.hash, info);
        hashOf.set(l.id, l.hash);
      } else if (l.op === 'revoke') {
        const info = ids.get(l.id);
        if (info) {
          info.revokedAt = l.at;
          h.delete(hashOf.get(l.id) ?? '');
        }
      }
    }
    byHash = h;
    byId = ids;
  };

  const append = (l: TokenLine): void => {
    const fresh = !existsSync(path);
    appendFileSync(path, `${JSON.stringify(l)}\n`, { mode: 0o600 });
    if (fresh) chmodSync(path, 0o600);
    load();
  };

  return {
    path,
    create(role, name = '') {
      const token = `${PREFIX}${randomBytes(32).toString('base64url')}`;
      const id = randomUUID();
      append({ op: 'create', id, at: Date.now(), hash: hashToken(token), role, name });
      const info = byId.get(id);
      if (!info) throw new Error('token file did not keep the new token');
      return { token, info: { ...info } };
    },
    revoke(id) {
      load();
      const info = byId.get(id);
      if (!info || info.revokedAt !== undefined) return false;
      append({ op: 'revoke', id, at: Date.now() });
      return true;
    },
    verify(token) {
      if (!token.startsWith(PREFIX) || token.length > 200) return undefined;
      load();
      return byHash.get(hashToken(token));
    },
    list() {
      load();
      return [...byId.values()].map((i) => ({ ...i }));
    },
  };
}
