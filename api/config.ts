/**
 * The API server's slice of the configuration, with its defaults. Resolved by the caller (cli/serve),
 * never from the environment here.
 */
import { createHash } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

/** The API's version (OpenAPI info, ECS observer.version, camwatch_build_info). */
export const API_VERSION = '0.1.0';

export interface ApiConfig {
  /** Data directory: tokens file, uploads spool (and the embedded store, opened by the caller). */
  dataDir: string;
  /**
   * Where uploads are spooled until their job ends. Not inside the embedded store's directory: the
   * pipeline never reads inputs from there.
   */
  spoolDir: string;
  /** Largest JSON request body (bytes). */
  bodyLimitBytes: number;
  /** Largest uploaded file (bytes). */
  uploadMaxBytes: number;
  /** Requests per window per token (or per address without one); 0 switches rate limiting off. */
  rateLimitMax: number;
  rateLimitWindowMs: number;
  /** Allowed CORS origins; empty (default) sends no CORS headers at all. */
  corsOrigins: readonly string[];
  /** Alert list pages are reused for this long unless an alert changes (0: no cache). */
  alertCacheMs: number;
  /** Jobs kept in memory for `GET /jobs` after they finish. */
  jobHistory: number;
  /** Log requests (pino, JSON lines on stderr). */
  logRequests: boolean;
  /** Rule pack paths the operator added (reloaded by POST /rules/reload). */
  rulePaths: readonly string[];
}

export type UserApiConfig = Partial<ApiConfig> & Pick<ApiConfig, 'dataDir'>;

export const API_DEFAULTS: Omit<ApiConfig, 'dataDir' | 'spoolDir'> = {
  bodyLimitBytes: 1024 * 1024,
  uploadMaxBytes: 2 * 1024 * 1024 * 1024,
  rateLimitMax: 600,
  rateLimitWindowMs: 60_000,
  corsOrigins: [],
  jobHistory: 1000,
  alertCacheMs: 2000,
  logRequests: false,
  rulePaths: [],
};

export function resolveApiConfig(user: UserApiConfig): Readonly<ApiConfig> {
  const c: ApiConfig = {
    ...API_DEFAULTS,
    ...user,
    dataDir: resolve(user.dataDir),
    // One spool per data directory: uploads still queued at a stop are taken up by the next start.
    spoolDir: resolve(
      user.spoolDir ??
        join(
          tmpdir(),
          `camwatch-uploads-${createHash('sha256').update(resolve(user.dataDir)).digest('hex').slice(0, 12)}`,
        ),
    ),
  };
  for (const k of [
    'bodyLimitBytes',
    'uploadMaxBytes',
    'rateLimitMax',
    'rateLimitWindowMs',
    'jobHistory',
    'alertCacheMs',
  ] as const) {
    if (!Number.isInteger(c[k]) || c[k] < 0)
      throw new RangeError(`api config ${k} must be a whole number ≥ 0`);
  }
  return Object.freeze(c);
}
