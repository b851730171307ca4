/**
 * Aggregates for the console's charts. They carry counts, no person, so reading them is
 * not audited (unlike `/api/records`, which every search audits).
 */
import type { FastifyInstance } from 'fastify';
import { SiteError } from '../errors.js';
import { STAFF_ROLES } from '../store/index.js';
import { entriesPerHour } from '../store/stats.js';
import { errorSchema } from './errors.js';

const HOUR = 3_600_000;
const MAX_RANGE = 7 * 24 * HOUR;

export async function statsRoutes(app: FastifyInstance): Promise<void> {
  const { db } = app.site.store;
  app.get<{ Querystring: { from?: string; to?: string } }>(
    '/api/stats/entries-per-hour',
    {
      preHandler: app.requireRole(...STAFF_ROLES),
      schema: {
        summary: 'Granted passages per hour and zone (default: the last 12 hours; at most 7 days)',
        tags: ['records'],
        querystring: {
          type: 'object',
          properties: { from: { type: 'string', format: 'date-time', description: 'inclusive' }, to: { type: 'string', format: 'date-time', description: 'exclusive' } },
          additionalProperties: false,
        },
        response: {
          200: {
            type: 'object',
            properties: {
              from: { type: 'integer' },
              to: { type: 'integer' },
              hours: { type: 'array', items: { type: 'object', properties: { hour: { type: 'integer' }, zoneId: { type: ['integer', 'null'] }, count: { type: 'integer' } } } },
            },
          },
          400: errorSchema,
          401: errorSchema,
          403: errorSchema,
        },
      },
    },
    async (request) => {
      const to = request.query.to !== undefined ? Date.parse(request.query.to) : app.site.now();
      const from = request.query.from !== undefined ? Date.parse(request.query.from) : to - 12 * HOUR;
      if (!(from < to)) throw new SiteError('INVALID', 'from must be before to');
      if (to - from > MAX_RANGE) throw new SiteError('INVALID', 'at most 7 days at a time');
      return { from, to, hours: await entriesPerHour(db, { from, to }) };
    },
  );
}
