/**
 * One error hierarchy for the whole project. Callers match on `code` (or class), never on text.
 * Every code is listed in ERROR_CODES with what it means; docs/errors.md is checked against it.
 */

export const ERROR_CODES = {
  CW_ERR_INPUT_NOT_FOUND: 'an input file or directory does not exist or cannot be read',
  CW_ERR_INPUT_UNKNOWN_FORMAT: 'the first bytes of an input match no format camwatch reads',
  CW_ERR_INPUT_MALFORMED: 'an input is broken at a given offset or line; what came before was kept',
  CW_ERR_INPUT_TOO_LARGE: 'a record or file declares a size over the configured limit',
  CW_ERR_INPUT_TRUNCATED: 'an input ends in the middle of a record',
  CW_ERR_CONFIG_INVALID: 'a configuration value, flag or environment variable is invalid',
  CW_ERR_STORE_UNAVAILABLE: 'the store cannot be opened or reached',
  CW_ERR_STORE_LOCKED: 'another process holds the embedded store directory',
  CW_ERR_STORE_SCHEMA_NEWER: 'the store was written by a newer camwatch than this one',
  CW_ERR_STORE_QUERY: 'a store query failed',
  CW_ERR_ENRICH_DB: 'a geo/ASN database file is missing or broken',
  CW_ERR_RULE_INVALID: 'a rule pack does not validate',
  CW_ERR_BASELINE_NOT_FOUND: 'no learned baseline has that name',
  CW_ERR_BASELINE_EXISTS: 'a baseline of that name was already learned (learn it again with --replace)',
  CW_ERR_BASELINE_EMPTY: 'the baseline period holds no flows of the chosen devices: nothing to learn',
  CW_ERR_AUTH_MISSING: 'no or malformed credentials',
  CW_ERR_AUTH_FORBIDDEN: 'the credentials do not allow this action',
  CW_ERR_NOT_FOUND: 'the requested resource does not exist',
  CW_ERR_CONFLICT: 'the resource changed since it was read (stale version)',
  CW_ERR_API_VALIDATION: 'a request does not match the route schema (parameters, query, body, content type)',
  CW_ERR_API_BODY_TOO_LARGE: 'a request body or multipart part is over the configured limit',
  CW_ERR_API_RATE_LIMITED: 'too many requests from this client; retry after the time given',
  CW_ERR_API_REQUEST: 'a request the server cannot take for another client-side reason',
  CW_ERR_API_INTERNAL: 'an unexpected server error (details are logged, never sent)',
} as const;

export type ErrorCode = keyof typeof ERROR_CODES;

export interface ErrorLocation {
  /** The file as the user named it. */
  file?: string;
  /** Byte offset in the (decompressed) input. */
  offset?: number;
  /** 1-based line number for text formats. */
  line?: number;
  /** 1-based record (packet, line, message) number. */
  record?: number;
}

export class CamwatchError extends Error {
  readonly code: ErrorCode;
  readonly statusCode: number;
  readonly where: ErrorLocation;

  constructor(
    code: ErrorCode,
    message: string,
    opts: { statusCode?: number; cause?: unknown } & ErrorLocation = {},
  ) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.name = new.target.name;
    this.code = code;
    this.statusCode = opts.statusCode ?? 500;
    this.where = { file: opts.file, offset: opts.offset, line: opts.line, record: opts.record };
  }
}

/** Bad input data: the message names the file and the offset or line. */
export class InputError extends CamwatchError {
  constructor(code: ErrorCode, message: string, opts: { cause?: unknown } & ErrorLocation = {}) {
    super(code, message, { statusCode: 400, ...opts });
  }
}

export class ConfigError extends CamwatchError {
  constructor(message: string, opts: { cause?: unknown } = {}) {
    super('CW_ERR_CONFIG_INVALID', message, { statusCode: 400, ...opts });
  }
}

export class StoreError extends CamwatchError {
  constructor(code: ErrorCode, message: string, opts: { cause?: unknown } = {}) {
    super(code, message, { statusCode: 503, ...opts });
  }
}

export class RuleError extends CamwatchError {
  constructor(message: string, opts: { cause?: unknown } & ErrorLocation = {}) {
    super('CW_ERR_RULE_INVALID', message, { statusCode: 400, ...opts });
  }
}

export class AuthError extends CamwatchError {
  constructor(code: 'CW_ERR_AUTH_MISSING' | 'CW_ERR_AUTH_FORBIDDEN', message: string) {
    super(code, message, { statusCode: code === 'CW_ERR_AUTH_MISSING' ? 401 : 403 });
  }
}

/** `file: message at byte N` — the one place input locations are formatted. */
export function describeLocation(where: ErrorLocation): string {
  const parts: string[] = [];
  if (where.line !== undefined) parts.push(`line ${where.line}`);
  if (where.offset !== undefined) parts.push(`byte ${where.offset}`);
  if (where.record !== undefined) parts.push(`record ${where.record}`);
  return parts.join(', ');
}
