/** /api/v1/jobs: ingest jobs (uploads and inbox files), newest first, and one job's status. */
import type { FastifyInstance } from 'fastify';
import { CamwatchError } from '../../model/index.js';
import { JOB_SCHEMA, jobJson } from './job-schema.js';

export async function jobRoutes(app: FastifyInstance): Promise<void> {
  const { jobs } = app.camwatch;
  app.get<{ Querystring: { state?: string; limit: number } }>(
    '/',
    {
      config: { permission: 'jobs:read' },
      schema: {
        tags: ['jobs'],
        summary: 'Ingest jobs, newest first',
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: {
            state: { type: 'string', enum: ['queued', 'ingesting', 'analysing', 'done', 'failed'] },
            limit: { type: 'integer', minimum: 1, maximum: 1000, default: 100 },
          },
        },
        response: { 200: { type: 'object', properties: { items: { type: 'array', items: JOB_SCHEMA } } } },
      },
    },
    async (req) => {
      const all = jobs.list().filter((j) => !req.query.state || j.state === req.query.state);
      return { items: all.slice(0, req.query.limit).map(jobJson) };
    },
  );
  app.get<{ Params: { id: string } }>(
    '/:id',
    {
      config: { permission: 'jobs:read' },
      schema: {
        tags: ['jobs'],
        summary: 'One job: state, progress, ingest result, alerts',
        params: { type: 'object', required: ['id'], properties: { id: { type: 'string', format: 'uuid' } } },
        response: { 200: JOB_SCHEMA },
      },
    },
    async (req) => {
      const j = jobs.get(req.params.id);
      if (!j)
        throw new CamwatchError(
          'CW_ERR_NOT_FOUND',
          `job ${req.params.id} is not known (jobs are kept in memory)`,
          { statusCode: 404 },
        );
      return jobJson(j);
    },
  );
}
