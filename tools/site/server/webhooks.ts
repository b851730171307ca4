/**
 * Webhook endpoints (admins): create one (its signing secret shown once), see each
 * endpoint's health (last success and failure, failures in a row, pending and dead
 * deliveries), list deliveries (the dead-letter list: `state=dead`) and replay one.
 */
import type { FastifyInstance } from 'fastify';
import { SiteError } from '../errors.js';
import { createWebhookEndpoint, deliveryCounts, DELIVERY_STATES, listDeliveries, listWebhookEndpoints, removeWebhookEndpoint, type DeliveryState } from '../store/index.js';
import { ALERT_ID } from './alert-rules.js';
import { errorSchema } from './errors.js';

const errors = { 400: errorSchema, 401: errorSchema, 403: errorSchema, 404: errorSchema, 409: errorSchema };
const health = {
  type: 'object',
  properties: {
    id: { type: 'string' },
    url: { type: 'string' },
    createdAt: { type: 'integer' },
    lastSuccessAt: { type: ['integer', 'null'] },
    lastFailureAt: { type: ['integer', 'null'] },
    lastError: { type: ['string', 'null'] },
    consecutiveFailures: { type: 'integer' },
    pending: { type: 'integer' },
    delivered: { type: 'integer' },
    dead: { type: 'integer' },
  },
} as const;
const delivery = {
  type: 'object',
  properties: {
    id: { type: 'integer' },
    endpointId: { type: 'string' },
    alertId: { type: 'integer' },
    state: { type: 'string' },
    attempts: { type: 'integer' },
    nextAt: { type: 'integer' },
    lastError: { type: ['string', 'null'] },
    createdAt: { type: 'integer' },
    deliveredAt: { type: ['integer', 'null'] },
  },
} as const;

export async function webhookRoutes(app: FastifyInstance): Promise<void> {
  const { db } = app.site.store;
  const admin = app.requireRole('admin');

  app.get('/api/webhooks', { preHandler: admin, schema: { summary: 'Webhook endpoints with their health', tags: ['alerts'], response: { 200: { type: 'object', properties: { endpoints: { type: 'array', items: health } } }, ...errors } } }, async () => {
    const [endpoints, counts] = await Promise.all([listWebhookEndpoints(db), deliveryCounts(db)]);
    const count = (id: string, state: DeliveryState) => counts.find((c) => c.endpoint_id === id && c.state === state)?.n ?? 0;
    return {
      endpoints: endpoints.map((e) => ({
        id: e.id,
        url: e.url,
        createdAt: e.created_at,
        lastSuccessAt: e.last_success_at,
        lastFailureAt: e.last_failure_at,
        lastError: e.last_error,
        consecutiveFailures: e.consecutive_failures,
        pending: count(e.id, 'pending'),
        delivered: count(e.id, 'delivered'),
        dead: count(e.id, 'dead'),
      })),
    };
  });
  app.post<{ Body: { id: string; url: string } }>(
    '/api/webhooks',
    {
      preHandler: admin,
      schema: {
        summary: 'Add a webhook endpoint; the answer holds its signing secret, shown this once',
        tags: ['alerts'],
        body: { type: 'object', properties: { id: { type: 'string', pattern: ALERT_ID }, url: { type: 'string', minLength: 8, maxLength: 2000 } }, required: ['id', 'url'], additionalProperties: false },
        response: { 201: { type: 'object', properties: { id: { type: 'string' }, url: { type: 'string' }, secret: { type: 'string' } } }, ...errors },
      },
    },
    async (request, reply) => {
      const e = await createWebhookEndpoint(db, request.body.id, request.body.url, app.site.now());
      await app.audit(request, 'webhook.create', `webhook:${e.id}`, { url: e.url });
      return reply.status(201).send({ id: e.id, url: e.url, secret: e.secret });
    },
  );
  app.delete<{ Params: { id: string } }>(
    '/api/webhooks/:id',
    { preHandler: admin, schema: { summary: 'Remove an endpoint and its deliveries', tags: ['alerts'], params: { type: 'object', properties: { id: { type: 'string', pattern: ALERT_ID } }, required: ['id'] }, response: { 204: { type: 'null' }, ...errors } } },
    async (request, reply) => {
      await removeWebhookEndpoint(db, request.params.id);
      await app.audit(request, 'webhook.remove', `webhook:${request.params.id}`);
      return reply.status(204).send();
    },
  );
  app.get<{ Querystring: { state?: DeliveryState; endpointId?: string; limit?: number } }>(
    '/api/webhook-deliveries',
    {
      preHandler: admin,
      schema: {
        summary: 'Deliveries, newest first; state=dead is the dead-letter list',
        tags: ['alerts'],
        querystring: { type: 'object', properties: { state: { enum: DELIVERY_STATES }, endpointId: { type: 'string', pattern: ALERT_ID }, limit: { type: 'integer', minimum: 1, maximum: 1000 } }, additionalProperties: false },
        response: { 200: { type: 'object', properties: { deliveries: { type: 'array', items: delivery } } }, ...errors },
      },
    },
    async (request) => ({
      deliveries: (await listDeliveries(db, request.query)).map((d) => ({
        id: d.id,
        endpointId: d.endpoint_id,
        alertId: d.alert_id,
        state: d.state,
        attempts: d.attempts,
        nextAt: d.next_at,
        lastError: d.last_error,
        createdAt: d.created_at,
        deliveredAt: d.delivered_at,
      })),
    }),
  );
  app.post<{ Params: { id: number } }>(
    '/api/webhook-deliveries/:id/replay',
    { preHandler: admin, schema: { summary: 'Send a dead delivery again (attempts counted afresh)', tags: ['alerts'], params: { type: 'object', properties: { id: { type: 'integer', minimum: 1 } }, required: ['id'] }, response: { 202: { type: 'null' }, ...errors } } },
    async (request, reply) => {
      if (!app.site.webhooks) throw new SiteError('CONFLICT', 'this site does not deliver webhooks (no fleet connection)');
      await app.site.webhooks.replay(request.params.id);
      await app.audit(request, 'webhook.replay', `webhook-delivery:${request.params.id}`);
      return reply.status(202).send();
    },
  );
}
