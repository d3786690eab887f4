/**
 * /api/v1/alerts: list (filters, sort, keyset cursor), one alert with its evidence flows and names,
 * triage by PATCH with a version check, bulk triage with per-item results, the append-only history,
 * comments, and exports (CSV, JSON lines, ECS JSON lines).
 */
import { Readable } from 'node:stream';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { type Alert, SEVERITIES } from '../../analyzer/index.js';
import { CamwatchError } from '../../model/index.js';
import {
  ALERT_SORTS,
  ALERT_STATUSES,
  type AlertQuery,
  CLOSE_REASONS,
  evidenceFlows,
  getAlert,
  listAlerts,
  namesOfAddress,
  parseAlertSort,
  readAlertHistory,
  type TriageChange,
  triageAlert,
} from '../../store/index.js';
import { ALERT_SCHEMA, alertEcs, alertJson, csvHeader, csvRow } from '../alert-formats.js';
import { createAlertListCache } from '../alert-list-cache.js';
import { actorOf } from '../auth/auth.js';
import { API_VERSION } from '../config.js';

/** One alert's response extends Alert with flows and names: its properties inline. */
const ALERT_PROPS_REF = ALERT_SCHEMA.properties;

const list = (values: readonly string[]): string => `^(${values.join('|')})(,(${values.join('|')}))*$`;
const IP = { type: 'string', maxLength: 45, anyOf: [{ format: 'ipv4' }, { format: 'ipv6' }] } as const;
const SORTS = Object.keys(ALERT_SORTS).flatMap((k) => [k, `-${k}`]);

const FILTERS = {
  device: { ...IP, description: 'device (camera) address' },
  site: { type: 'string', maxLength: 200 },
  severity: { type: 'string', pattern: list(SEVERITIES), description: 'comma-separated' },
  detector: {
    type: 'string',
    pattern: '^[a-z0-9-]+(,[a-z0-9-]+)*$',
    maxLength: 500,
    description: 'comma-separated',
  },
  status: { type: 'string', pattern: list(ALERT_STATUSES), description: 'comma-separated' },
  assignee: { type: 'string', maxLength: 200 },
  since: { type: 'string', format: 'date-time', description: 'last seen at or after' },
  until: { type: 'string', format: 'date-time', description: 'last seen before' },
  peerCountry: { type: 'string', pattern: '^[A-Za-z]{2}$' },
  peerAsn: { type: 'integer', minimum: 0, maximum: 4294967295 },
  q: {
    type: 'string',
    minLength: 1,
    maxLength: 200,
    description: 'text in names, explanation, id prefix or an address',
  },
  sort: { type: 'string', enum: SORTS, default: '-lastSeen' },
} as const;

interface FilterQs {
  device?: string;
  site?: string;
  severity?: string;
  detector?: string;
  status?: string;
  assignee?: string;
  since?: string;
  until?: string;
  peerCountry?: string;
  peerAsn?: number;
  q?: string;
  sort?: string;
}

const split = (s: string | undefined): string[] | undefined => (s ? s.split(',') : undefined);

function toQuery(qs: FilterQs, limit: number, cursor?: string): AlertQuery {
  return {
    device: qs.device,
    site: qs.site,
    severity: split(qs.severity),
    detector: split(qs.detector),
    status: split(qs.status),
    assignee: qs.assignee,
    sinceMs: qs.since ? Date.parse(qs.since) : undefined,
    untilMs: qs.until ? Date.parse(qs.until) : undefined,
    peerCountry: qs.peerCountry,
    peerAsn: qs.peerAsn,
    q: qs.q,
    sort: parseAlertSort(qs.sort),
    limit,
    cursor,
  };
}

const TRIAGE_PROPS = {
  status: { type: 'string', enum: ALERT_STATUSES },
  assignee: { type: 'string', maxLength: 200 },
  closeReason: { type: 'string', enum: CLOSE_REASONS },
  comment: { type: 'string', minLength: 1, maxLength: 10_000 },
} as const;

const HISTORY_ITEM = {
  type: 'object',
  properties: {
    at: { type: 'string', format: 'date-time' },
    actor: { type: 'string' },
    action: { type: 'string', enum: ['create', 'update', 'comment', 'reopen'] },
    field: { type: 'string' },
    old: { type: 'string' },
    new: { type: 'string' },
    version: { type: 'integer' },
  },
} as const;

const ID_PARAMS = {
  type: 'object',
  required: ['id'],
  properties: { id: { type: 'string', pattern: '^[A-Za-z0-9_-]{1,100}$' } },
} as const;

/** A triage change must be consistent on its own: resolving says why; false-positive implies it. */
function checkChange(c: TriageChange): TriageChange {
  if (c.status === 'resolved' && !c.closeReason) {
    throw new CamwatchError('CW_ERR_CONFIG_INVALID', 'resolving an alert needs a closeReason', {
      statusCode: 400,
    });
  }
  if (c.status === 'false-positive' && !c.closeReason) return { ...c, closeReason: 'false-positive' };
  if (c.closeReason && c.status && c.status !== 'resolved' && c.status !== 'false-positive') {
    throw new CamwatchError(
      'CW_ERR_CONFIG_INVALID',
      `closeReason goes with status resolved or false-positive, not ${c.status}`,
      { statusCode: 400 },
    );
  }
  return c;
}

function versionFrom(req: FastifyRequest, body: { version?: number }): number {
  const ifMatch = req.headers['if-match'];
  if (body.version !== undefined) return body.version;
  if (typeof ifMatch === 'string') {
    const v = Number(ifMatch.replace(/^W\//, '').replace(/"/g, ''));
    if (Number.isSafeInteger(v)) return v;
    throw new CamwatchError('CW_ERR_CONFIG_INVALID', 'If-Match must be the alert version', {
      statusCode: 400,
    });
  }
  throw new CamwatchError(
    'CW_ERR_CONFLICT',
    'send the alert version you read (body "version" or If-Match) so a concurrent change is not overwritten',
    { statusCode: 428 },
  );
}

export async function alertRoutes(app: FastifyInstance): Promise<void> {
  const { store, config } = app.camwatch;
  const cache = createAlertListCache(config.alertCacheMs);
  const read = { permission: 'alerts:read' } as const;
  const triage = { permission: 'alerts:triage' } as const;

  app.get<{ Querystring: FilterQs & { limit: number; cursor?: string } }>(
    '/',
    {
      config: read,
      schema: {
        tags: ['alerts'],
        summary: 'List alerts (filters, sort, cursor pagination)',
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: {
            ...FILTERS,
            limit: { type: 'integer', minimum: 1, maximum: 500, default: 50 },
            cursor: { type: 'string', maxLength: 500, description: 'nextCursor of the previous page' },
          },
        },
        response: {
          200: {
            type: 'object',
            required: ['items', 'nextCursor'],
            properties: {
              items: { type: 'array', items: { $ref: 'Alert#' } },
              nextCursor: { type: ['string', 'null'] },
            },
          },
        },
      },
    },
    async (req) => {
      const page = await cache.list(store, toQuery(req.query, req.query.limit, req.query.cursor));
      return { items: page.items.map(alertJson), nextCursor: page.nextCursor };
    },
  );

  app.get<{ Querystring: FilterQs & { format: 'csv' | 'jsonl' | 'ecs' } }>(
    '/export',
    {
      config: read,
      schema: {
        tags: ['alerts'],
        summary: 'Export the filtered alerts: CSV, JSON lines, or ECS documents as JSON lines',
        querystring: {
          type: 'object',
          additionalProperties: false,
          required: ['format'],
          properties: { ...FILTERS, format: { type: 'string', enum: ['csv', 'jsonl', 'ecs'] } },
        },
        response: { 200: { type: 'string', description: 'text/csv or application/x-ndjson' } },
      },
    },
    async (req, reply) => {
      const { format } = req.query;
      async function* rows(): AsyncGenerator<string> {
        if (format === 'csv') yield csvHeader();
        let cursor: string | undefined;
        do {
          const page = await listAlerts<Alert>(store, {
            ...toQuery(req.query, 1000, cursor),
            withEvidence: format !== 'csv',
          });
          let chunk = '';
          for (const a of page.items) {
            if (format === 'csv') chunk += csvRow(a);
            else if (format === 'jsonl') chunk += `${JSON.stringify(alertJson(a))}\n`;
            else chunk += `${JSON.stringify(alertEcs(a, API_VERSION))}\n`;
          }
          yield chunk;
          cursor = page.nextCursor ?? undefined;
        } while (cursor);
      }
      const ext = format === 'csv' ? 'csv' : 'jsonl';
      reply
        .type(format === 'csv' ? 'text/csv; charset=utf-8' : 'application/x-ndjson; charset=utf-8')
        .header(
          'content-disposition',
          `attachment; filename="camwatch-alerts${format === 'ecs' ? '-ecs' : ''}.${ext}"`,
        );
      return reply.send(Readable.from(rows()));
    },
  );

  app.post<{ Body: { ids: string[]; set: Omit<TriageChange, 'comment'>; comment?: string } }>(
    '/_bulk',
    {
      config: triage,
      schema: {
        tags: ['alerts'],
        summary: 'Triage many alerts; each is reported on its own (no all-or-nothing)',
        body: {
          type: 'object',
          additionalProperties: false,
          required: ['ids', 'set'],
          properties: {
            ids: {
              type: 'array',
              minItems: 1,
              maxItems: 1000,
              uniqueItems: true,
              items: ID_PARAMS.properties.id,
            },
            set: {
              type: 'object',
              additionalProperties: false,
              minProperties: 1,
              properties: {
                status: TRIAGE_PROPS.status,
                assignee: TRIAGE_PROPS.assignee,
                closeReason: TRIAGE_PROPS.closeReason,
              },
            },
            comment: TRIAGE_PROPS.comment,
          },
        },
        response: {
          200: {
            type: 'object',
            properties: {
              succeeded: { type: 'integer' },
              failed: { type: 'integer' },
              items: {
                type: 'array',
                items: {
                  type: 'object',
                  properties: {
                    id: { type: 'string' },
                    ok: { type: 'boolean' },
                    status: { type: 'integer' },
                    version: { type: 'integer' },
                    code: { type: 'string' },
                    detail: { type: 'string' },
                  },
                },
              },
            },
          },
        },
      },
    },
    async (req) => {
      const change = checkChange({ ...req.body.set, comment: req.body.comment });
      const actor = actorOf(req);
      const items = [];
      for (const id of req.body.ids) {
        try {
          const a = await triageAlert<Alert>(store, id, change, actor, undefined);
          items.push({ id, ok: true, status: 200, version: a.version });
        } catch (e) {
          if (!(e instanceof CamwatchError) || e.statusCode >= 500) throw e;
          items.push({ id, ok: false, status: e.statusCode, code: e.code, detail: e.message });
        }
      }
      const succeeded = items.filter((i) => i.ok).length;
      return { succeeded, failed: items.length - succeeded, items };
    },
  );

  app.get<{ Params: { id: string } }>(
    '/:id',
    {
      config: read,
      schema: {
        tags: ['alerts'],
        summary: 'One alert, with its evidence flows and the names of its peer',
        params: ID_PARAMS,
        response: {
          200: {
            type: 'object',
            properties: {
              ...ALERT_PROPS_REF,
              flows: {
                type: 'array',
                items: {
                  type: 'object',
                  properties: {
                    start: { type: 'string', format: 'date-time' },
                    end: { type: 'string', format: 'date-time' },
                    proto: { type: 'integer' },
                    origIp: { type: 'string' },
                    origPort: { type: 'integer' },
                    respIp: { type: 'string' },
                    respPort: { type: 'integer' },
                    origBytes: { type: 'integer' },
                    respBytes: { type: 'integer' },
                    communityId: { type: 'string' },
                    sourceFile: { type: 'string' },
                    sourceRecord: { type: 'integer' },
                    peerName: { type: 'string' },
                  },
                },
              },
              names: {
                type: 'array',
                items: {
                  type: 'object',
                  properties: {
                    name: { type: 'string' },
                    type: { type: 'string' },
                    firstSeen: { type: 'string', format: 'date-time' },
                    lastSeen: { type: 'string', format: 'date-time' },
                    count: { type: 'integer' },
                  },
                },
              },
            },
          },
        },
      },
    },
    async (req, reply) => {
      const a = await getAlert<Alert>(store, req.params.id);
      if (!a)
        throw new CamwatchError('CW_ERR_NOT_FOUND', `alert ${req.params.id} does not exist`, {
          statusCode: 404,
        });
      const [flows, names] = await Promise.all([
        evidenceFlows(store, a),
        a.peerIp ? namesOfAddress(store, a.peerIp) : Promise.resolve([]),
      ]);
      const iso = (ms: number): string => new Date(ms).toISOString();
      reply.header('etag', `"${a.version}"`);
      return {
        ...alertJson(a),
        flows: flows.map((f) => ({ ...f, start: iso(f.start), end: iso(f.end) })),
        names: names.map((n) => ({ ...n, firstSeen: iso(n.firstSeen), lastSeen: iso(n.lastSeen) })),
      };
    },
  );

  app.patch<{ Params: { id: string }; Body: TriageChange & { version?: number } }>(
    '/:id',
    {
      config: triage,
      schema: {
        tags: ['alerts'],
        summary: 'Triage one alert; `version` (or If-Match) must be the version you read, else 409',
        params: ID_PARAMS,
        headers: { type: 'object', properties: { 'if-match': { type: 'string', maxLength: 40 } } },
        body: {
          type: 'object',
          additionalProperties: false,
          minProperties: 1,
          properties: { ...TRIAGE_PROPS, version: { type: 'integer', minimum: 0 } },
        },
        response: { 200: { $ref: 'Alert#' } },
      },
    },
    async (req, reply) => {
      const { version: _v, ...rest } = req.body;
      const expected = versionFrom(req, req.body);
      const a = await triageAlert<Alert>(store, req.params.id, checkChange(rest), actorOf(req), expected);
      reply.header('etag', `"${a.version}"`);
      return alertJson(a);
    },
  );

  app.get<{ Params: { id: string } }>(
    '/:id/history',
    {
      config: read,
      schema: {
        tags: ['alerts'],
        summary: 'Who changed what, when (append-only, oldest first)',
        params: ID_PARAMS,
        response: {
          200: { type: 'object', properties: { items: { type: 'array', items: HISTORY_ITEM } } },
        },
      },
    },
    async (req) => {
      const a = await getAlert(store, req.params.id, false);
      if (!a)
        throw new CamwatchError('CW_ERR_NOT_FOUND', `alert ${req.params.id} does not exist`, {
          statusCode: 404,
        });
      const items = await readAlertHistory(store, req.params.id);
      return { items: items.map((h) => ({ ...h, at: new Date(h.at).toISOString() })) };
    },
  );

  app.post<{ Params: { id: string }; Body: { text: string } }>(
    '/:id/comments',
    {
      config: triage,
      schema: {
        tags: ['alerts'],
        summary: 'Add a comment to the alert history',
        params: ID_PARAMS,
        body: {
          type: 'object',
          additionalProperties: false,
          required: ['text'],
          properties: { text: TRIAGE_PROPS.comment },
        },
        response: { 201: { $ref: 'Alert#' } },
      },
    },
    async (req, reply) => {
      const a = await triageAlert<Alert>(
        store,
        req.params.id,
        { comment: req.body.text },
        actorOf(req),
        undefined,
      );
      reply.code(201);
      return alertJson(a);
    },
  );
}
