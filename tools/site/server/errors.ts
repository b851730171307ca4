/**
 * One error shape for every route: `{ error: { code, message, field? } }` with a fitting
 * status; `field` names the body field at fault when one is (`actions.webhooks`).
 */
import type { FastifyError, FastifyInstance } from 'fastify';
import { SiteError } from '../errors.js';

export const errorSchema = {
  type: 'object',
  properties: { error: { type: 'object', properties: { code: { type: 'string' }, message: { type: 'string' }, field: { type: 'string' } }, required: ['code', 'message'] } },
  required: ['error'],
} as const;

/** The body field a schema error is about (`/actions/webhooks/0` → `actions.webhooks`), for forms. */
function bodyField(fe: FastifyError): string | undefined {
  const first = fe.validation?.[0];
  if (!first || fe.validationContext !== 'body') return undefined;
  const missing = (first.params as { missingProperty?: string }).missingProperty;
  const path = [...first.instancePath.split('/').filter((p) => p && !/^\d+$/.test(p)), ...(missing ? [missing] : [])];
  return path.length > 0 ? path.join('.') : undefined;
}

export function installErrorHandler(app: FastifyInstance): void {
  app.setErrorHandler((err: FastifyError | SiteError | Error, request, reply) => {
    if (err instanceof SiteError) return reply.status(err.statusCode).send({ error: { code: err.code, message: err.message, ...(err.field && { field: err.field }) } });
    const fe = err as FastifyError;
    if (fe.validation) {
      const field = bodyField(fe);
      return reply.status(400).send({ error: { code: 'INVALID', message: fe.message, ...(field && { field }) } });
    }
    if (fe.code === 'FST_CSRF_INVALID_TOKEN' || fe.code === 'FST_CSRF_MISSING_SECRET') {
      return reply.status(403).send({ error: { code: 'CSRF', message: 'missing or invalid CSRF token (send the x-csrf-token header from /api/me)' } });
    }
    if (fe.statusCode === 429) return reply.status(429).send({ error: { code: 'RATE_LIMITED', message: fe.message } });
    if (fe.statusCode !== undefined && fe.statusCode >= 400 && fe.statusCode < 500) {
      return reply.status(fe.statusCode).send({ error: { code: 'BAD_REQUEST', message: fe.message } });
    }
    request.log.error({ err }, 'site: request failed');
    return reply.status(500).send({ error: { code: 'INTERNAL', message: 'internal error' } });
  });
  app.setNotFoundHandler((request, reply) => reply.status(404).send({ error: { code: 'NOT_FOUND', message: `no route ${request.method} ${request.url.split('?')[0]}` } }));
}
