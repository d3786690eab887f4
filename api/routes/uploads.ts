/**
 * POST /api/v1/uploads: a capture or flow log as multipart field `file`, streamed to the spool
 * directory while its SHA-256 is computed, refused over `uploadMaxBytes` (413); then read once whole
 * (check-input) so a file that is not a capture/flow log or breaks part way is refused (400) before
 * it touches the store; then queued as an ingest job (202). The same bytes uploaded again become a
 * job whose ingest is `skipped` (the ledger).
 */
import { createHash, randomUUID } from 'node:crypto';
import {
  createWriteStream,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { basename, join } from 'node:path';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { FastifyInstance } from 'fastify';
import { CamwatchError, InputError } from '../../model/index.js';
import { actorOf } from '../auth/auth.js';
import { checkInput } from '../jobs/check-input.js';
import type { JobSpec } from '../jobs/job-queue.js';
import { JOB_SCHEMA, jobJson } from './job-schema.js';

export async function uploadRoutes(app: FastifyInstance): Promise<void> {
  const { config, jobs, metrics } = app.camwatch;
  const spool = config.spoolDir;
  mkdirSync(spool, { recursive: true });

  /** Queue a spooled upload; its file and `.job.json` sidecar go when the job ends. */
  const submit = (spec: JobSpec) => {
    const sidecar = `${spec.path}.job.json`;
    if (!existsSync(sidecar)) writeFileSync(sidecar, JSON.stringify(spec), { mode: 0o600 });
    const queued = jobs.submit(spec);
    void queued.done.finally(() => {
      rmSync(spec.path, { force: true });
      rmSync(sidecar, { force: true });
    });
    return queued;
  };

  // Uploads accepted before a stop whose job never finished are queued again (the ledger skips any
  // that did get stored); half-received ones are dropped.
  for (const name of readdirSync(spool)) {
    const p = join(spool, name);
    if (name.startsWith('.incoming-')) rmSync(p, { force: true });
    else if (name.endsWith('.job.json')) {
      try {
        const spec = JSON.parse(readFileSync(p, 'utf8')) as JobSpec;
        if (existsSync(spec.path)) submit(spec);
        else rmSync(p, { force: true });
      } catch {
        rmSync(p, { force: true });
      }
    }
  }

  app.post(
    '/',
    {
      config: { permission: 'uploads:create' },
      // A multipart body is not JSON: Fastify's bodyLimit does not apply, the file-size limit does.
      bodyLimit: config.uploadMaxBytes + 1024 * 1024,
      schema: {
        tags: ['uploads'],
        summary: 'Upload a pcap, pcapng or flow log (multipart field `file`); becomes an ingest job',
        consumes: ['multipart/form-data'],
        response: {
          202: {
            type: 'object',
            properties: {
              sha256: { type: 'string' },
              sizeBytes: { type: 'integer' },
              format: { type: 'string' },
              records: { type: 'integer' },
              job: JOB_SCHEMA,
            },
          },
        },
      },
    },
    async (req, reply) => {
      if (!req.isMultipart()) {
        throw new CamwatchError(
          'CW_ERR_CONFIG_INVALID',
          'send the file as multipart/form-data, field "file"',
          {
            statusCode: 415,
          },
        );
      }
      const part = await req.file();
      if (part?.fieldname !== 'file') {
        metrics.uploadsRejected({ reason: 'no-file' });
        throw new CamwatchError('CW_ERR_CONFIG_INVALID', 'no multipart field "file" in the request', {
          statusCode: 400,
        });
      }
      const name =
        basename(part.filename || 'upload')
          .replace(/[^\w.@+-]/g, '_')
          .slice(0, 200) || 'upload';
      const tmp = join(spool, `.incoming-${randomUUID()}`);
      const hash = createHash('sha256');
      let size = 0;
      try {
        await pipeline(
          part.file,
          new Transform({
            transform(chunk: Buffer, _enc, cb) {
              hash.update(chunk);
              size += chunk.length;
              cb(null, chunk);
            },
          }),
          createWriteStream(tmp, { mode: 0o600 }),
        );
        if (part.file.truncated) {
          throw new InputError(
            'CW_ERR_INPUT_TOO_LARGE',
            `${name}: larger than the upload limit of ${config.uploadMaxBytes} bytes`,
            { file: name },
          );
        }
      } catch (e) {
        rmSync(tmp, { force: true });
        const code = (e as { code?: string }).code;
        if (
          code === 'FST_REQ_FILE_TOO_LARGE' ||
          (e instanceof CamwatchError && e.code === 'CW_ERR_INPUT_TOO_LARGE')
        ) {
          metrics.uploadsRejected({ reason: 'too-large' });
          throw new CamwatchError(
            'CW_ERR_INPUT_TOO_LARGE',
            `${name}: larger than the upload limit of ${config.uploadMaxBytes} bytes; nothing was stored`,
            { statusCode: 413 },
          );
        }
        throw e;
      }
      const sha256 = hash.digest('hex');
      let checked: Awaited<ReturnType<typeof checkInput>>;
      try {
        checked = await checkInput(tmp, name);
      } catch (e) {
        rmSync(tmp, { force: true });
        if (e instanceof InputError) {
          metrics.uploadsRejected({ reason: e.code.replace(/^CW_ERR_INPUT_/, '').toLowerCase() });
          throw new InputError(e.code, `${e.message}; nothing was stored`, e.where);
        }
        throw e;
      }
      const path = join(spool, `${sha256}-${randomUUID().slice(0, 8)}`);
      renameSync(tmp, path);
      const { job } = submit({
        source: 'upload',
        file: name,
        path,
        sha256,
        sizeBytes: statSync(path).size,
        format: checked.format,
        createdBy: actorOf(req),
      });
      reply.code(202).header('location', `/api/v1/jobs/${job.id}`);
      return { sha256, sizeBytes: size, format: checked.format, records: checked.records, job: jobJson(job) };
    },
  );
}
