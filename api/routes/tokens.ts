/** /api/v1/tokens (admin): list, create (the token is in the answer, once) and revoke API tokens. */
import type { FastifyInstance } from 'fastify';
import { CamwatchError } from '../../model/index.js';
import { ROLES } from '../auth/roles.js';

const TOKEN_INFO = {
  type: 'object',
  properties: {
    id: { type: 'string' },
    role: { type: 'string', enum: ROLES },
    name: { type: 'string' },
    createdAt: { type: 'string', format: 'date-time' },
    revokedAt: { type: 'string', format: 'date-time' },
  },
} as const;

const infoJson = (i: {
  id: string;
  role: string;
  name: string;
  createdAt: number;
  revokedAt: number | undefined;
}) => ({
  id: i.id,
  role: i.role,
  name: i.name,
  createdAt: new Date(i.createdAt).toISOString(),
  revokedAt: i.revokedAt === undefined ? undefined : new Date(i.revokedAt).toISOString(),
});

export async function tokenRoutes(app: FastifyInstance): Promise<void> {
  const { tokens } = app.camwatch;
  const admin = { permission: 'tokens:manage' } as const;
  app.get(
    '/',
    {
      config: admin,
      schema: {
        tags: ['tokens'],
        summary: 'API tokens (never the tokens themselves)',
        response: { 200: { type: 'object', properties: { items: { type: 'array', items: TOKEN_INFO } } } },
      },
    },
    async () => ({ items: tokens.list().map(infoJson) }),
  );
  app.post<{ Body: { role: (typeof ROLES)[number]; name?: string } }>(
    '/',
    {
      config: admin,
      schema: {
        tags: ['tokens'],
        summary: 'Create a token; the answer is the only place it appears',
        body: {
          type: 'object',
          additionalProperties: false,
          required: ['role'],
          properties: { role: { type: 'string', enum: ROLES }, name: { type: 'string', maxLength: 200 } },
        },
        response: { 201: { type: 'object', properties: { token: { type: 'string' }, info: TOKEN_INFO } } },
      },
    },
    async (req, reply) => {
      const { token, info } = tokens.create(req.body.role, req.body.name);
      reply.code(201);
      return { token, info: infoJson(info) };
    },
  );
  app.delete<{ Params: { id: string } }>(
    '/:id',
    {
      config: admin,
      schema: {
        tags: ['tokens'],
        summary: 'Revoke a token',
        params: { type: 'object', required: ['id'], properties: { id: { type: 'string', format: 'uuid' } } },
        response: { 204: { type: 'null' } },
      },
    },
    async (req, reply) => {
      if (!tokens.revoke(req.params.id)) {
        throw new CamwatchError(
          'CW_ERR_NOT_FOUND',
          `token ${req.params.id} does not exist or is already revoked`,
          { statusCode: 404 },
        );
      }
      reply.code(204).send();
    },
  );
}
