/** /api/v1/rules: the loaded packs, validating a pack's YAML, and reloading from disk without restart. */
import type { FastifyInstance } from 'fastify';
import { CamwatchError, RuleError } from '../../model/index.js';

const PROBLEM_ITEM = {
  type: 'object',
  properties: {
    file: { type: 'string' },
    line: { type: 'integer' },
    key: { type: 'string' },
    message: { type: 'string' },
  },
} as const;

export async function ruleRoutes(app: FastifyInstance): Promise<void> {
  const { rules, config } = app.camwatch;
  const packsJson = () => ({
    loadedAt: new Date(rules.loadedAt()).toISOString(),
    items: rules.packs().map(({ file, pack }) => ({
      file,
      kind: pack.kind,
      id: pack.id,
      ...(pack.kind === 'vendor' ? { vendor: pack.vendor, endpoints: pack.endpoints.length } : {}),
    })),
  });
  const PACKS = {
    type: 'object',
    properties: {
      loadedAt: { type: 'string', format: 'date-time' },
      items: {
        type: 'array',
        items: {
          type: 'object',
          properties: {
            file: { type: 'string' },
            kind: { type: 'string' },
            id: { type: 'string' },
            vendor: { type: 'string' },
            endpoints: { type: 'integer' },
          },
        },
      },
    },
  } as const;

  app.get(
    '/',
    {
      config: { permission: 'rules:read' },
      schema: { tags: ['rules'], summary: 'The loaded rule packs', response: { 200: PACKS } },
    },
    async () => packsJson(),
  );

  // YAML arrives as text/yaml or text/plain; JSON as { name, text }.
  app.addContentTypeParser(
    ['text/yaml', 'application/yaml', 'text/plain'],
    { parseAs: 'string' },
    (_req, body, done) => {
      done(null, { text: body as string });
    },
  );

  app.post<{ Body: { name?: string; text: string } }>(
    '/validate',
    {
      config: { permission: 'rules:read' },
      schema: {
        tags: ['rules'],
        summary: 'Validate one rule pack (YAML as text/yaml, or JSON { name, text }); nothing is loaded',
        body: {
          type: 'object',
          required: ['text'],
          properties: {
            name: { type: 'string', maxLength: 200 },
            text: { type: 'string', maxLength: 1_000_000 },
          },
        },
        response: {
          200: {
            type: 'object',
            properties: { valid: { type: 'boolean' }, problems: { type: 'array', items: PROBLEM_ITEM } },
          },
        },
      },
    },
    async (req) => {
      const problems = rules.validate(req.body.text, req.body.name ?? 'pack.yaml');
      return { valid: problems.length === 0, problems };
    },
  );

  app.post(
    '/reload',
    {
      config: { permission: 'rules:write' },
      schema: {
        tags: ['rules'],
        summary: `Load the packaged packs and the operator's (${config.rulePaths.length} path(s)) again; a bad pack keeps the old rules`,
        response: { 200: PACKS },
      },
    },
    async () => {
      try {
        await rules.reload();
      } catch (e) {
        if (e instanceof CamwatchError)
          throw new RuleError(`reload refused, the rules in use are unchanged: ${e.message}`);
        throw e;
      }
      return packsJson();
    },
  );
}
