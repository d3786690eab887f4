/**
 * `buildApp(config, deps)`: the whole HTTP API as a ready Fastify instance that never listens (the
 * caller does: `camwatch serve`, tests on 127.0.0.1 port 0, or `app.inject()`). One plugin per
 * resource under /api/v1; cross-cutting pieces (auth, errors, metrics, rate limits, OpenAPI) are
 * installed on the root instance so every plugin shares them.
 */
import multipart from '@fastify/multipart';
import rateLimit from '@fastify/rate-limit';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import Fastify, { type FastifyInstance, type FastifyServerOptions } from 'fastify';
import type { Flow } from '../model/index.js';
import { openAlertCounts, type Store } from '../store/index.js';
import { ALERT_SCHEMA } from './alert-formats.js';
import { installAuth } from './auth/auth.js';
import type { TokenFile } from './auth/token-file.js';
import { API_VERSION, type ApiConfig, resolveApiConfig, type UserApiConfig } from './config.js';
import { createJobQueue, type JobQueue } from './jobs/job-queue.js';
import { type ApiMetrics, createApiMetrics } from './metrics.js';
import { PROBLEM_SCHEMA, problem, toProblem } from './problem.js';
import { alertRoutes } from './routes/alerts.js';
import { deviceRoutes } from './routes/devices.js';
import { healthRoutes } from './routes/health.js';
import { jobRoutes } from './routes/jobs.js';
import { ruleRoutes } from './routes/rules.js';
import { tokenRoutes } from './routes/tokens.js';
import { uploadRoutes } from './routes/uploads.js';
import type { RulesHolder } from './rules-holder.js';

export interface AppDeps {
  store: Store;
  tokens: TokenFile;
  rules: RulesHolder;
  /** Per-flow enrichment for ingests (ingest/enrich createEnricher), composed by the caller. */
  enrich?: ((f: Flow) => void) | undefined;
  metrics?: ApiMetrics | undefined;
  /** Shared with the inbox; made here when absent. */
  jobs?: JobQueue | undefined;
  logger?: FastifyServerOptions['logger'];
}

/** What routes reach through `app.camwatch`. */
export interface ApiContext {
  config: Readonly<ApiConfig>;
  store: Store;
  tokens: TokenFile;
  rules: RulesHolder;
  jobs: JobQueue;
  metrics: ApiMetrics;
}

declare module 'fastify' {
  interface FastifyInstance {
    camwatch: ApiContext;
  }
}

const ERROR_RESPONSES = {
  '4xx': { $ref: 'Problem#' },
  '5xx': { $ref: 'Problem#' },
};

export async function buildApp(userConfig: UserApiConfig, deps: AppDeps): Promise<FastifyInstance> {
  const config = resolveApiConfig(userConfig);
  const metrics = deps.metrics ?? createApiMetrics();
  const app = Fastify({
    logger: deps.logger ?? (config.logRequests ? { level: 'info' } : false),
    bodyLimit: config.bodyLimitBytes,
    // The JSON body limit must not cap uploads: multipart streams are limited by uploadMaxBytes.
    ajv: { customOptions: { removeAdditional: false, coerceTypes: true, allErrors: true } },
    return503OnClosing: true,
  });
  const jobs =
    deps.jobs ??
    createJobQueue(
      { store: deps.store, rules: deps.rules, enrich: deps.enrich, metrics, log: app.log },
      config.jobHistory,
    );
  const ctx: ApiContext = {
    config,
    store: deps.store,
    tokens: deps.tokens,
    rules: deps.rules,
    jobs,
    metrics,
  };
  app.decorate('camwatch', ctx);

  app.addSchema(PROBLEM_SCHEMA);
  app.addSchema(ALERT_SCHEMA);

  // Every route answers its errors as problem+json, documented in OpenAPI.
  app.addHook('onRoute', (route) => {
    if (!route.schema) route.schema = {};
    const s = route.schema as { response?: Record<string, unknown> };
    s.response = { ...ERROR_RESPONSES, ...(s.response ?? {}) };
  });

  app.setErrorHandler((err, req, reply) => {
    const p = toProblem(err, (e) => req.log.error({ err: e }, 'request failed'));
    p.instance = req.url.split('?')[0];
    if (p.status === 401) reply.header('www-authenticate', 'Bearer');
    if (p.status === 429 && (err as { retryAfterSeconds?: number }).retryAfterSeconds) {
      reply.header('retry-after', String((err as { retryAfterSeconds?: number }).retryAfterSeconds));
    }
    reply.code(p.status).type('application/problem+json').send(p);
  });
  app.setNotFoundHandler((req, reply) => {
    reply
      .code(404)
      .type('application/problem+json')
      .send({ ...problem(404, 'CW_ERR_NOT_FOUND', `no route ${req.method} ${req.url.split('?')[0]}`) });
  });

  // CORS: off unless origins are configured (no @fastify/cors needed for an allow-list).
  if (config.corsOrigins.length > 0) {
    const allowed = new Set(config.corsOrigins);
    app.addHook('onRequest', async (req, reply) => {
      const origin = req.headers.origin;
      if (!origin || !allowed.has(origin)) return;
      reply.header('access-control-allow-origin', origin).header('vary', 'Origin');
      if (req.method === 'OPTIONS') {
        reply
          .header('access-control-allow-methods', 'GET,POST,PATCH,DELETE')
          .header('access-control-allow-headers', 'authorization,content-type,if-match')
          .code(204)
          .send();
      }
    });
  }

  installAuth(app, deps.tokens);

  if (config.rateLimitMax > 0) {
    await app.register(rateLimit, {
      global: true,
      max: config.rateLimitMax,
      timeWindow: config.rateLimitWindowMs,
      keyGenerator: (req) => (req.principal ? `t:${req.principal.tokenId}` : `a:${req.ip}`),
      allowList: (req) => /^\/(healthz|readyz|metrics)$/.test(req.url.split('?')[0]),
      errorResponseBuilder: (_req, c) => ({
        statusCode: c.statusCode,
        code: 'FST_ERR_RATE_LIMIT',
        message: `rate limit of ${c.max} requests per ${c.after} reached; retry later`,
        retryAfterSeconds: Math.ceil(c.ttl / 1000),
      }),
    });
  }

  await app.register(multipart, {
    limits: { fileSize: config.uploadMaxBytes, files: 1, fields: 10, parts: 11, fieldSize: 64 * 1024 },
  });

  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'camwatch API',
        version: API_VERSION,
        description:
          'Alerts about what IP cameras send out of the network: triage, exports, uploads, ingest jobs, rules. ' +
          'Errors are RFC 9457 problem+json with a stable `code`.',
      },
      components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } } },
      security: [{ bearer: [] }],
      tags: [
        { name: 'alerts' },
        { name: 'devices' },
        { name: 'uploads' },
        { name: 'jobs' },
        { name: 'rules' },
        { name: 'tokens' },
        { name: 'health' },
      ],
    },
    refResolver: { buildLocalReference: (json, _base, _frag, i) => (json.$id as string) || `def-${i}` },
  });
  await app.register(swaggerUi, { routePrefix: '/docs' });

  // Metrics of every answered request, by route pattern (never the raw URL: no ids or addresses).
  app.addHook('onResponse', async (req, reply) => {
    const route = req.routeOptions.url ?? 'unmatched';
    const labels = { route, method: req.method, code: `${Math.floor(reply.statusCode / 100)}xx` };
    metrics.requests(labels);
    metrics.requestSeconds(reply.elapsedTime / 1000, { route });
  });
  metrics.build(1, { version: API_VERSION });
  metrics.registry.onCollect(async () => {
    for (const s of ['info', 'low', 'medium', 'high', 'critical']) metrics.alertsOpen(0, { severity: s });
    for (const { severity, n } of await openAlertCounts(deps.store)) metrics.alertsOpen(n, { severity });
    metrics.queueDepth(jobs.depth());
  });

  await app.register(healthRoutes);
  await app.register(
    async (v1) => {
      await v1.register(alertRoutes, { prefix: '/alerts' });
      await v1.register(deviceRoutes, { prefix: '/devices' });
      await v1.register(uploadRoutes, { prefix: '/uploads' });
      await v1.register(jobRoutes, { prefix: '/jobs' });
      await v1.register(ruleRoutes, { prefix: '/rules' });
      await v1.register(tokenRoutes, { prefix: '/tokens' });
    },
    { prefix: '/api/v1' },
  );

  app.addHook('onClose', async () => {
    if (!deps.jobs) await jobs.close();
  });
  await app.ready();
  return app;
}
