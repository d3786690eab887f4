/** `/healthz` (the process answers), `/readyz` (the store answers a query), `/metrics` (Prometheus). */
import type { FastifyInstance } from 'fastify';

export async function healthRoutes(app: FastifyInstance): Promise<void> {
  const { store, metrics } = app.camwatch;
  app.get(
    '/healthz',
    {
      schema: {
        tags: ['health'],
        summary: 'Liveness: the process answers',
        security: [],
        response: { 200: { type: 'object', properties: { status: { type: 'string' } } } },
      },
    },
    async () => ({ status: 'ok' }),
  );
  app.get(
    '/readyz',
    {
      schema: {
        tags: ['health'],
        summary: 'Readiness: the store answers a query',
        security: [],
        response: {
          200: {
            type: 'object',
            properties: {
              status: { type: 'string' },
              store: { type: 'string' },
              jobsQueued: { type: 'integer' },
            },
          },
        },
      },
    },
    async () => {
      await store.rows('SELECT 1 AS ok');
      return { status: 'ready', store: store.kind, jobsQueued: app.camwatch.jobs.depth() };
    },
  );
  app.get(
    '/metrics',
    {
      schema: {
        tags: ['health'],
        summary: 'Prometheus metrics (text exposition format)',
        security: [],
        response: { 200: { type: 'string' } },
      },
    },
    async (_req, reply) => {
      reply.type('text/plain; version=0.0.4; charset=utf-8');
      return metrics.registry.render();
    },
  );
}
