/** /api/v1/devices: the inventory as the flows show it (last seen, open alerts) and one device's peers. */
import type { FastifyInstance } from 'fastify';
import { devicePeers, listDevices } from '../../store/index.js';

const IP = { type: 'string', maxLength: 45, anyOf: [{ format: 'ipv4' }, { format: 'ipv6' }] } as const;

export async function deviceRoutes(app: FastifyInstance): Promise<void> {
  const { store } = app.camwatch;
  app.get<{ Querystring: { site?: string; limit: number; offset: number } }>(
    '/',
    {
      config: { permission: 'devices:read' },
      schema: {
        tags: ['devices'],
        summary: 'Devices seen in the flows: vendor, site, first/last seen, peers, open alerts',
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: {
            site: { type: 'string', maxLength: 200 },
            limit: { type: 'integer', minimum: 1, maximum: 1000, default: 100 },
            offset: { type: 'integer', minimum: 0, maximum: 1_000_000, default: 0 },
          },
        },
        response: {
          200: {
            type: 'object',
            properties: {
              items: {
                type: 'array',
                items: {
                  type: 'object',
                  properties: {
                    ip: { type: 'string' },
                    name: { type: 'string' },
                    vendor: { type: 'string' },
                    site: { type: 'string' },
                    firstSeen: { type: 'string', format: 'date-time' },
                    lastSeen: { type: 'string', format: 'date-time' },
                    flows: { type: 'integer' },
                    peers: { type: 'integer' },
                    bytesOut: { type: 'integer' },
                    openAlerts: { type: 'integer' },
                  },
                },
              },
            },
          },
        },
      },
    },
    async (req) => {
      const rows = await listDevices(store, req.query);
      return {
        items: rows.map((d) => ({
          ...d,
          firstSeen: new Date(d.firstSeen).toISOString(),
          lastSeen: new Date(d.lastSeen).toISOString(),
        })),
      };
    },
  );

  app.get<{ Params: { ip: string }; Querystring: { since?: string; until?: string; limit: number } }>(
    '/:ip/peers',
    {
      config: { permission: 'devices:read' },
      schema: {
        tags: ['devices'],
        summary: "One device's peers over a time range: names, country, ASN, bytes, first/last seen",
        params: { type: 'object', required: ['ip'], properties: { ip: IP } },
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: {
            since: { type: 'string', format: 'date-time', description: 'default: 7 days before until' },
            until: { type: 'string', format: 'date-time', description: 'default: now' },
            limit: { type: 'integer', minimum: 1, maximum: 1000, default: 200 },
          },
        },
        response: {
          200: {
            type: 'object',
            properties: {
              device: { type: 'string' },
              since: { type: 'string', format: 'date-time' },
              until: { type: 'string', format: 'date-time' },
              items: {
                type: 'array',
                items: {
                  type: 'object',
                  properties: {
                    peerIp: { type: 'string' },
                    names: { type: 'array', items: { type: 'string' } },
                    country: { type: 'string' },
                    asn: { type: 'integer' },
                    asOrg: { type: 'string' },
                    ports: { type: 'array', items: { type: 'integer' } },
                    flows: { type: 'integer' },
                    bytesOut: { type: 'integer' },
                    bytesIn: { type: 'integer' },
                    firstSeen: { type: 'string', format: 'date-time' },
                    lastSeen: { type: 'string', format: 'date-time' },
                  },
                },
              },
            },
          },
        },
      },
    },
    async (req) => {
      const until = req.query.until ? Date.parse(req.query.until) : Date.now();
      const since = req.query.since ? Date.parse(req.query.since) : until - 7 * 86_400_000;
      const rows = await devicePeers(store, req.params.ip, since, until, req.query.limit);
      return {
        device: req.params.ip,
        since: new Date(since).toISOString(),
        until: new Date(until).toISOString(),
        items: rows.map((p) => ({
          ...p,
          firstSeen: new Date(p.firstSeen).toISOString(),
          lastSeen: new Date(p.lastSeen).toISOString(),
        })),
      };
    },
  );
}
