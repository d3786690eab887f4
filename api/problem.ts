/**
 * RFC 9457 problem details: every error the API answers goes through `toProblem`, from one error
 * handler. CamwatchError codes map to their statusCode; Fastify's own errors (validation, body limit,
 * multipart limits, rate limit) keep their status; anything else is a 500 with no detail of the
 * internals (never a stack or a driver message).
 */
import { CamwatchError, type ErrorCode } from '../model/index.js';

export interface Problem {
  type: string;
  title: string;
  status: number;
  detail: string;
  code: string;
  instance?: string;
  /** Validation problems: where and what. */
  errors?: { where: string; message: string }[];
  [key: string]: unknown;
}

export const PROBLEM_TYPE_BASE = 'https://camwatch.dev/problems/';

const TITLES: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  406: 'Not Acceptable',
  409: 'Conflict',
  413: 'Content Too Large',
  415: 'Unsupported Media Type',
  422: 'Unprocessable Content',
  428: 'Precondition Required',
  429: 'Too Many Requests',
  500: 'Internal Server Error',
  503: 'Service Unavailable',
};

/** Fastify / plugin error codes that are the client's fault, with the camwatch code they become. */
const FASTIFY_CODES: Record<string, string> = {
  FST_ERR_VALIDATION: 'CW_ERR_API_VALIDATION',
  FST_ERR_CTP_BODY_TOO_LARGE: 'CW_ERR_API_BODY_TOO_LARGE',
  FST_REQ_FILE_TOO_LARGE: 'CW_ERR_INPUT_TOO_LARGE',
  FST_PARTS_LIMIT: 'CW_ERR_API_BODY_TOO_LARGE',
  FST_FILES_LIMIT: 'CW_ERR_API_BODY_TOO_LARGE',
  FST_FIELDS_LIMIT: 'CW_ERR_API_BODY_TOO_LARGE',
  FST_INVALID_MULTIPART_CONTENT_TYPE: 'CW_ERR_API_VALIDATION',
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'CW_ERR_API_VALIDATION',
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: 'CW_ERR_API_VALIDATION',
  FST_ERR_CTP_EMPTY_JSON_BODY: 'CW_ERR_API_VALIDATION',
  FST_ERR_CTP_INVALID_JSON_BODY: 'CW_ERR_API_VALIDATION',
  FST_ERR_RATE_LIMIT: 'CW_ERR_API_RATE_LIMITED',
};

export function problem(status: number, code: string, detail: string, extra: Partial<Problem> = {}): Problem {
  return {
    type: `${PROBLEM_TYPE_BASE}${code
      .replace(/^CW_ERR_/, '')
      .toLowerCase()
      .replace(/_/g, '-')}`,
    title: TITLES[status] ?? 'Error',
    status,
    detail,
    code,
    ...extra,
  };
}

interface ValidationItem {
  instancePath?: string;
  message?: string;
  params?: Record<string, unknown>;
}

/** Any thrown value → a problem. `internal` is called with errors the client must not see. */
export function toProblem(err: unknown, internal: (e: unknown) => void): Problem {
  if (err instanceof CamwatchError) {
    const status = err.statusCode;
    if (status >= 500) internal(err);
    // Store messages name the data directory or server: useful to operators, logged; clients get the code.
    const detail = err.code.startsWith('CW_ERR_STORE_') ? storeDetail(err.code) : err.message;
    return problem(status, err.code, detail);
  }
  const e = err as { statusCode?: number; code?: string; message?: string; validation?: ValidationItem[] };
  if (e && typeof e === 'object' && e.validation) {
    const errors = e.validation.map((v) => ({
      where: v.instancePath || String(v.params?.missingProperty ?? v.params?.additionalProperty ?? ''),
      message: v.message ?? 'invalid',
    }));
    return problem(400, 'CW_ERR_API_VALIDATION', e.message ?? 'invalid request', { errors });
  }
  const status = typeof e?.statusCode === 'number' ? e.statusCode : 500;
  if (status >= 400 && status < 500) {
    const code = (e.code && FASTIFY_CODES[e.code]) || 'CW_ERR_API_REQUEST';
    return problem(status, code, e.message ?? 'bad request');
  }
  internal(err);
  return problem(500, 'CW_ERR_API_INTERNAL', 'the server failed to answer; the error is in its log');
}

function storeDetail(code: ErrorCode): string {
  if (code === 'CW_ERR_STORE_QUERY') return 'a store query failed; the error is in the server log';
  return 'the store is not available; the error is in the server log';
}

/** JSON Schema of a problem, for every 4xx/5xx response of every route. */
export const PROBLEM_SCHEMA = {
  $id: 'Problem',
  type: 'object',
  description: 'RFC 9457 problem details',
  required: ['type', 'title', 'status', 'detail', 'code'],
  properties: {
    type: { type: 'string' },
    title: { type: 'string' },
    status: { type: 'integer' },
    detail: { type: 'string' },
    code: { type: 'string' },
    instance: { type: 'string' },
    errors: {
      type: 'array',
      items: {
        type: 'object',
        properties: { where: { type: 'string' }, message: { type: 'string' } },
      },
    },
  },
} as const;
