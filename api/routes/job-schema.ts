/** The JSON shape of a job (uploads answer with one; /jobs lists them). */
import type { Job } from '../jobs/job-queue.js';

const iso = (ms: number | undefined): string | undefined =>
  ms === undefined ? undefined : new Date(ms).toISOString();

export function jobJson(j: Job): Record<string, unknown> {
  return {
    id: j.id,
    source: j.source,
    file: j.file,
    sha256: j.sha256,
    sizeBytes: j.sizeBytes,
    format: j.format,
    state: j.state,
    createdBy: j.createdBy,
    createdAt: iso(j.createdAt),
    startedAt: iso(j.startedAt),
    finishedAt: iso(j.finishedAt),
    progress: j.progress,
    ingest: j.ingest,
    alerts: j.alerts,
    error: j.error,
  };
}

export const JOB_SCHEMA = {
  type: 'object',
  properties: {
    id: { type: 'string' },
    source: { type: 'string', enum: ['upload', 'inbox'] },
    file: { type: 'string' },
    sha256: { type: 'string' },
    sizeBytes: { type: 'integer' },
    format: { type: 'string' },
    state: { type: 'string', enum: ['queued', 'ingesting', 'analysing', 'done', 'failed'] },
    createdBy: { type: 'string' },
    createdAt: { type: 'string', format: 'date-time' },
    startedAt: { type: 'string', format: 'date-time' },
    finishedAt: { type: 'string', format: 'date-time' },
    progress: {
      type: 'object',
      properties: {
        bytesRead: { type: 'integer' },
        records: { type: 'integer' },
        flows: { type: 'integer' },
        fraction: { type: 'number', description: '0–1 of the file read' },
      },
    },
    ingest: {
      type: 'object',
      properties: {
        id: { type: 'string' },
        status: {
          type: 'string',
          enum: ['complete', 'skipped', 'failed'],
          description: 'skipped: the same bytes were already stored',
        },
        flows: { type: 'integer' },
        records: { type: 'integer' },
        rejected: { type: 'integer' },
      },
    },
    alerts: {
      type: 'object',
      properties: {
        created: { type: 'integer' },
        updated: { type: 'integer' },
        reopened: { type: 'integer' },
      },
    },
    error: { type: 'string' },
  },
} as const;
