/**
 * Roles, validation and error shapes through app.inject(): every route refuses a missing or unknown
 * token (401) and a role without the permission (403); bad input gets problem+json naming the field;
 * nothing ever answers with a stack.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { ROLES, type Role } from '../../api/index.js';
import { type Harness, startHarness } from './api-helpers.js';

let h: Harness;
beforeAll(async () => {
  h = await startHarness({ config: { bodyLimitBytes: 4096 } });
});
afterAll(async () => {
  await h?.close();
});

type Method = 'GET' | 'POST' | 'PATCH' | 'DELETE';
/** Each route, and the roles allowed to call it. */
const ROUTES: [Method, string, Role[], object?][] = [
  ['GET', '/api/v1/alerts', ['analyst', 'admin']],
  ['GET', '/api/v1/alerts/export?format=csv', ['analyst', 'admin']],
  ['GET', '/api/v1/alerts/cw-000000000000000000000000', ['analyst', 'admin']],
  ['GET', '/api/v1/alerts/cw-000000000000000000000000/history', ['analyst', 'admin']],
  [
    'PATCH',
    '/api/v1/alerts/cw-000000000000000000000000',
    ['analyst', 'admin'],
    { version: 1, status: 'acknowledged' },
  ],
  ['POST', '/api/v1/alerts/_bulk', ['analyst', 'admin'], { ids: ['cw-1'], set: { status: 'acknowledged' } }],
  ['POST', '/api/v1/alerts/cw-1/comments', ['analyst', 'admin'], { text: 'hello' }],
  ['GET', '/api/v1/devices', ['analyst', 'admin']],
  ['GET', '/api/v1/devices/10.0.0.1/peers', ['analyst', 'admin']],
  ['POST', '/api/v1/uploads', ['uploader', 'ingest-job', 'admin']],
  ['GET', '/api/v1/jobs', ['analyst', 'ingest-job', 'admin']],
  ['GET', '/api/v1/rules', ['analyst', 'admin']],
  ['POST', '/api/v1/rules/validate', ['analyst', 'admin'], { text: 'kind: operator\nid: x\n' }],
  ['POST', '/api/v1/rules/reload', ['admin']],
  ['GET', '/api/v1/tokens', ['admin']],
  ['POST', '/api/v1/tokens', ['admin'], { role: 'analyst', name: 'x' }],
];

describe('authentication and roles', () => {
  for (const [method, url, allowed, body] of ROUTES) {
    test(`${method} ${url.split('?')[0]}: 401 without a token, 403 for ${ROLES.filter((r) => !allowed.includes(r)).join(', ') || 'no role'}`, async () => {
      const none = await h.app.inject({ method, url, payload: body });
      expect(none.statusCode).toBe(401);
      expect(none.headers['content-type']).toContain('application/problem+json');
      expect(none.headers['www-authenticate']).toBe('Bearer');
      expect(none.json()).toMatchObject({ status: 401, code: 'CW_ERR_AUTH_MISSING' });
      const forged = await h.app.inject({
        method,
        url,
        payload: body,
        headers: { authorization: 'Bearer cwt_forged' },
      });
      expect(forged.statusCode).toBe(401);
      for (const role of ROLES) {
        const res = await h.app.inject({ method, url, payload: body, headers: h.auth(role) });
        if (allowed.includes(role)) {
          expect([401, 403], `${role} ${method} ${url}`).not.toContain(res.statusCode);
        } else {
          expect(res.statusCode, `${role} ${method} ${url}`).toBe(403);
          expect(res.json()).toMatchObject({ code: 'CW_ERR_AUTH_FORBIDDEN', title: 'Forbidden' });
        }
      }
    });
  }

  test('health, readiness, metrics and the OpenAPI document are open', async () => {
    for (const url of ['/healthz', '/readyz', '/metrics', '/docs/json']) {
      expect((await h.app.inject({ url })).statusCode, url).toBe(200);
    }
  });

  test('metrics are named by the Prometheus guide', async () => {
    await h.app.inject({ url: '/api/v1/alerts', headers: h.auth('analyst') });
    const text = (await h.app.inject({ url: '/metrics' })).body;
    const types = [...text.matchAll(/^# TYPE (\S+) (\S+)$/gm)].map((m) => [m[1], m[2]] as const);
    expect(types.length).toBeGreaterThan(10);
    for (const [name, type] of types) {
      expect(name).toMatch(/^camwatch_[a-z0-9_]+$/);
      if (type === 'counter') expect(name).toMatch(/_total$/);
      if (type === 'histogram') expect(name).toMatch(/_seconds$/);
    }
    expect(text).toMatch(
      /^camwatch_http_requests_total\{code="2xx",method="GET",route="\/api\/v1\/alerts\/?"\} \d+$/m,
    );
    expect(text).toContain('# TYPE camwatch_last_ingest_timestamp_seconds gauge');
    expect(text).not.toMatch(/\d+\.\d+\.\d+\.\d+/); // no addresses in labels
  });

  test('a revoked token is refused', async () => {
    const created = await h.app.inject({
      method: 'POST',
      url: '/api/v1/tokens',
      payload: { role: 'analyst', name: 'temp' },
      headers: h.auth('admin'),
    });
    expect(created.statusCode).toBe(201);
    const { token, info } = created.json();
    const ok = await h.app.inject({ url: '/api/v1/alerts', headers: { authorization: `Bearer ${token}` } });
    expect(ok.statusCode).toBe(200);
    const del = await h.app.inject({
      method: 'DELETE',
      url: `/api/v1/tokens/${info.id}`,
      headers: h.auth('admin'),
    });
    expect(del.statusCode).toBe(204);
    const after = await h.app.inject({
      url: '/api/v1/alerts',
      headers: { authorization: `Bearer ${token}` },
    });
    expect(after.statusCode).toBe(401);
    const listed = await h.app.inject({ url: '/api/v1/tokens', headers: h.auth('admin') });
    expect(JSON.stringify(listed.json())).not.toContain(token);
  });
});

describe('validation and error shapes', () => {
  const bad: [string, Method, string, object | undefined, number, string][] = [
    ['unknown query parameter', 'GET', '/api/v1/alerts?colour=red', undefined, 400, 'CW_ERR_API_VALIDATION'],
    ['limit out of range', 'GET', '/api/v1/alerts?limit=100000', undefined, 400, 'CW_ERR_API_VALIDATION'],
    ['bad severity', 'GET', '/api/v1/alerts?severity=apocalyptic', undefined, 400, 'CW_ERR_API_VALIDATION'],
    ['bad device address', 'GET', '/api/v1/alerts?device=not-an-ip', undefined, 400, 'CW_ERR_API_VALIDATION'],
    ['bad time', 'GET', '/api/v1/alerts?since=yesterday', undefined, 400, 'CW_ERR_API_VALIDATION'],
    ['forged cursor', 'GET', '/api/v1/alerts?cursor=abc', undefined, 400, 'CW_ERR_CONFIG_INVALID'],
    ['bad export format', 'GET', '/api/v1/alerts/export?format=xml', undefined, 400, 'CW_ERR_API_VALIDATION'],
    ['unknown alert', 'GET', '/api/v1/alerts/cw-nope', undefined, 404, 'CW_ERR_NOT_FOUND'],
    ['unknown route', 'GET', '/api/v1/nothing', undefined, 404, 'CW_ERR_NOT_FOUND'],
    [
      'bad triage status',
      'PATCH',
      '/api/v1/alerts/cw-x',
      { version: 1, status: 'done' },
      400,
      'CW_ERR_API_VALIDATION',
    ],
    [
      'resolve without reason',
      'PATCH',
      '/api/v1/alerts/cw-x',
      { version: 1, status: 'resolved' },
      400,
      'CW_ERR_CONFIG_INVALID',
    ],
    [
      'triage without version',
      'PATCH',
      '/api/v1/alerts/cw-x',
      { status: 'acknowledged' },
      428,
      'CW_ERR_CONFLICT',
    ],
    [
      'triage unknown alert',
      'PATCH',
      '/api/v1/alerts/cw-x',
      { version: 1, status: 'acknowledged' },
      404,
      'CW_ERR_NOT_FOUND',
    ],
    [
      'bulk without ids',
      'POST',
      '/api/v1/alerts/_bulk',
      { ids: [], set: { status: 'open' } },
      400,
      'CW_ERR_API_VALIDATION',
    ],
    [
      'body over the limit',
      'POST',
      '/api/v1/alerts/cw-x/comments',
      { text: 'x'.repeat(8000) },
      413,
      'CW_ERR_API_BODY_TOO_LARGE',
    ],
    ['upload that is not multipart', 'POST', '/api/v1/uploads', { file: 'x' }, 415, 'CW_ERR_CONFIG_INVALID'],
  ];
  for (const [what, method, url, payload, status, code] of bad) {
    test(what, async () => {
      const role: Role = url.startsWith('/api/v1/uploads') ? 'uploader' : 'analyst';
      const res = await h.app.inject({ method, url, payload, headers: h.auth(role) });
      expect(res.statusCode).toBe(status);
      expect(res.headers['content-type']).toContain('application/problem+json');
      const p = res.json();
      expect(p).toMatchObject({
        status,
        code,
        type: expect.stringMatching(/^https:/),
        title: expect.any(String),
        detail: expect.any(String),
      });
      expect(res.body).not.toMatch(/\bat .*\.(ts|js):\d+/);
    });
  }

  test('validation problems name the field', async () => {
    const res = await h.app.inject({ url: '/api/v1/alerts?limit=0', headers: h.auth('analyst') });
    expect(res.json().errors).toEqual([expect.objectContaining({ where: expect.stringContaining('limit') })]);
  });

  test('bulk triage reports each alert on its own', async () => {
    const res = await h.app.inject({
      method: 'POST',
      url: '/api/v1/alerts/_bulk',
      payload: { ids: ['cw-a', 'cw-b'], set: { status: 'acknowledged' } },
      headers: h.auth('analyst'),
    });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({
      succeeded: 0,
      failed: 2,
      items: [
        { id: 'cw-a', ok: false, status: 404, code: 'CW_ERR_NOT_FOUND' },
        { id: 'cw-b', ok: false, status: 404, code: 'CW_ERR_NOT_FOUND' },
      ],
    });
  });

  test('rule pack validation reports problems with their place', async () => {
    const res = await h.app.inject({
      method: 'POST',
      url: '/api/v1/rules/validate',
      payload: 'kind: vendor\nid: 12\n',
      headers: { ...h.auth('analyst'), 'content-type': 'text/yaml' },
    });
    expect(res.statusCode).toBe(200);
    expect(res.json().valid).toBe(false);
    expect(res.json().problems.length).toBeGreaterThan(0);
    const list = await h.app.inject({ url: '/api/v1/rules', headers: h.auth('analyst') });
    expect(list.json().items.some((p: { kind: string }) => p.kind === 'policy')).toBe(true);
    const reload = await h.app.inject({
      method: 'POST',
      url: '/api/v1/rules/reload',
      headers: h.auth('admin'),
    });
    expect(reload.statusCode).toBe(200);
  });

  test('the OpenAPI document covers every route with its problem responses', async () => {
    const doc = (await h.app.inject({ url: '/docs/json' })).json();
    expect(doc.openapi).toBe('3.1.0');
    expect(Object.keys(doc.paths)).toEqual(
      expect.arrayContaining([
        '/api/v1/alerts/',
        '/api/v1/alerts/{id}',
        '/api/v1/alerts/{id}/history',
        '/api/v1/uploads/',
      ]),
    );
    expect(
      doc.paths['/api/v1/alerts/{id}'].patch.responses['409'] ??
        doc.paths['/api/v1/alerts/{id}'].patch.responses['4XX'],
    ).toBeDefined();
  });

  test('rate limiting answers 429 problem+json', async () => {
    const small = await startHarnessLimited();
    try {
      const codes: number[] = [];
      for (let i = 0; i < 4; i++)
        codes.push(
          (await small.app.inject({ url: '/api/v1/alerts', headers: small.auth('analyst') })).statusCode,
        );
      expect(codes).toEqual([200, 200, 429, 429]);
    } finally {
      await small.app.close();
    }
  });
});

/** A second app on the same store with a limit of 2 requests per minute. */
async function startHarnessLimited() {
  const { buildApp, createRulesHolder, openTokenFile } = await import('../../api/index.js');
  const tokens = openTokenFile(h.dir);
  const app = await buildApp(
    { dataDir: h.dir, spoolDir: `${h.dir}/spool`, rateLimitMax: 2 },
    { store: h.store, tokens, rules: await createRulesHolder([]) },
  );
  return { app, auth: h.auth };
}
