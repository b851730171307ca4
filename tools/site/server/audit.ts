/**
 * The audit concern: the single audit function every plugin calls for a read, export
 * or change of personal data (who, what, when, from where), and the admins' view of it.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { appendAudit, listAudit } from '../store/index.js';
import { errorSchema } from './errors.js';

export const auditDecorator = fp(
  async (app: FastifyInstance) => {
    app.decorate('audit', async (request: FastifyRequest, action: string, subject: string | null, detail?: Record<string, unknown> | null) => {
      await appendAudit(app.site.store.db, {
        at: app.site.now(),
        staffId: request.staff?.id ?? null,
        username: request.staff?.username ?? null,
        action,
        subject,
        ip: request.ip,
        detail: detail ?? null,
      });
    });
  },
  { name: 'site-audit' },
);

const entry = {
  type: 'object',
  properties: {
    id: { type: 'integer' },
    at: { type: 'integer' },
    staffId: { type: ['integer', 'null'] },
    username: { type: ['string', 'null'] },
    action: { type: 'string' },
    subject: { type: ['string', 'null'] },
    ip: { type: ['string', 'null'] },
    detail: { type: ['object', 'null'], additionalProperties: true },
  },
} as const;

export async function auditRoutes(app: FastifyInstance): Promise<void> {
  app.get<{ Querystring: { staffId?: number; action?: string; subject?: string; before?: number; limit?: number } }>(
    '/api/audit',
    {
      preHandler: app.requireRole('admin'),
      schema: {
        summary: 'The audit log, newest first (admins)',
        tags: ['audit'],
        querystring: {
          type: 'object',
          properties: {
            staffId: { type: 'integer' },
            action: { type: 'string', maxLength: 64 },
            subject: { type: 'string', maxLength: 200 },
            before: { type: 'integer', description: 'entries with an id below this' },
            limit: { type: 'integer', minimum: 1, maximum: 1000 },
          },
          additionalProperties: false,
        },
        response: { 200: { type: 'object', properties: { entries: { type: 'array', items: entry } } }, 401: errorSchema, 403: errorSchema },
      },
    },
    async (request) => {
      const rows = await listAudit(app.site.store.db, request.query);
      return { entries: rows.map((r) => ({ id: r.id, at: r.at, staffId: r.staff_id, username: r.username, action: r.action, subject: r.subject, ip: r.ip, detail: r.detail })) };
    },
  );
}
