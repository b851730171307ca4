/**
 * The dashboard's view of the community: per zone, who is inside now (residents,
 * visitors, unknown persons; counts only) and the status of the terminals placed
 * there; and one person's passages across zones over a time range (audited).
 */
import type { FastifyInstance } from 'fastify';
import { closeExpiredVisits, listTerminals, occupancy, trajectory, STAFF_ROLES } from '../store/index.js';
import { errorSchema } from './errors.js';

const errors = { 400: errorSchema, 401: errorSchema, 403: errorSchema, 404: errorSchema };
const dateTime = { type: 'string', format: 'date-time' } as const;

const terminalStatus = {
  type: 'object',
  properties: {
    id: { type: 'string' },
    online: { type: ['boolean', 'null'], description: 'null without a fleet connection' },
    healthAt: { type: ['integer', 'null'], description: 'epoch ms of the last health report' },
    outboxDepth: { type: ['integer', 'null'], description: 'events the terminal has not delivered yet' },
    gallerySize: { type: ['integer', 'null'] },
    cpuTempC: { type: ['number', 'null'] },
    clockOffsetMs: { type: ['integer', 'null'], description: "the site's clock minus the terminal's, from its last live health report (transit ignored); null until one arrives" },
  },
  required: ['id', 'online', 'healthAt', 'outboxDepth', 'gallerySize', 'cpuTempC', 'clockOffsetMs'],
} as const;

export async function occupancyRoutes(app: FastifyInstance): Promise<void> {
  const { db } = app.site.store;
  app.get(
    '/api/occupancy',
    {
      preHandler: app.requireRole(...STAFF_ROLES),
      schema: {
        summary: 'Per zone: residents, visitors and unknown persons inside now (sub-zones included), and the status of its terminals',
        tags: ['occupancy'],
        response: {
          200: {
            type: 'object',
            properties: {
              zones: {
                type: 'array',
                items: {
                  type: 'object',
                  properties: {
                    zoneId: { type: 'integer' },
                    residents: { type: 'integer' },
                    visitors: { type: 'integer' },
                    unknown: { type: 'integer' },
                    vehicles: { type: 'integer', description: 'vehicles inside (parking occupancy), from plate passages' },
                    terminals: { type: 'array', items: terminalStatus, description: 'placed in this zone itself' },
                  },
                  required: ['zoneId', 'residents', 'visitors', 'unknown', 'vehicles', 'terminals'],
                },
              },
            },
          },
          ...errors,
        },
      },
    },
    async () => {
      await closeExpiredVisits(db, app.site.now());
      const [zones, placed] = await Promise.all([occupancy(db), listTerminals(db)]);
      const seen = new Map((app.site.fleet?.terminals() ?? []).map((t) => [t.id, t]));
      return {
        zones: zones.map((z) => ({
          ...z,
          terminals: placed
            .filter((t) => t.zone_id === z.zoneId)
            .map((t) => {
              const info = seen.get(t.id);
              const h = info?.health ?? null;
              return {
                id: t.id,
                online: app.site.fleet ? (info?.online ?? false) : null,
                healthAt: info?.healthTs ?? null,
                outboxDepth: h?.outbox.depth ?? null,
                gallerySize: h?.gallery?.size ?? null,
                cpuTempC: h?.cpuTempC ?? null,
                clockOffsetMs: info?.clockOffsetMs ?? null,
              };
            }),
        })),
      };
    },
  );

  app.get<{ Params: { id: string }; Querystring: { from: string; to: string } }>(
    '/api/persons/:id/trajectory',
    {
      preHandler: app.requireRole('admin', 'guard', 'inspector'),
      schema: {
        summary: "A person's (or visitor's, by their person id) events across zones in a time range, in time order (at most 31 days)",
        tags: ['occupancy'],
        params: { type: 'object', properties: { id: { type: 'string', pattern: '^[A-Za-z0-9._:-]{1,64}$' } }, required: ['id'] },
        querystring: { type: 'object', properties: { from: dateTime, to: dateTime }, required: ['from', 'to'], additionalProperties: false },
        response: {
          200: {
            type: 'object',
            properties: {
              steps: {
                type: 'array',
                items: {
                  type: 'object',
                  properties: {
                    ts: { type: 'integer' },
                    terminal: { type: 'string' },
                    zoneId: { type: ['integer', 'null'] },
                    zoneName: { type: ['string', 'null'] },
                    direction: { type: ['string', 'null'] },
                    result: { type: ['string', 'null'] },
                    type: { type: 'string' },
                  },
                },
              },
            },
          },
          ...errors,
        },
      },
    },
    async (request) => {
      const steps = await trajectory(db, request.params.id, Date.parse(request.query.from), Date.parse(request.query.to));
      await app.audit(request, 'person.trajectory', `person:${request.params.id}`, { query: request.query, returned: steps.length });
      return { steps };
    },
  );
}
