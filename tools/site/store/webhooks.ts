/**
 * Webhook endpoints and their deliveries: one row per alert and endpoint, pending
 * until delivered or given up on (dead: the dead-letter list an admin replays), and
 * each endpoint's health from its latest attempts.
 */
import { randomBytes } from 'node:crypto';
import type { Kysely } from 'kysely';
import { SiteError } from '../errors.js';
import type { WebhookDeliveryRow, WebhookEndpointRow } from './alerts-schema.js';
import type { Database } from './schema.js';

export async function createWebhookEndpoint(db: Kysely<Database>, id: string, url: string, now: number): Promise<WebhookEndpointRow> {
  if (!/^https?:\/\//.test(url) || !URL.canParse(url)) throw new SiteError('INVALID', `url: not an http(s) URL: ${url}`);
  if (await db.selectFrom('webhook_endpoints').select('id').where('id', '=', id).executeTakeFirst()) throw new SiteError('CONFLICT', `webhook endpoint ${id} exists`);
  const row = { id, url, secret: randomBytes(32).toString('hex'), created_at: now, last_success_at: null, last_failure_at: null, last_error: null, consecutive_failures: 0 };
  await db.insertInto('webhook_endpoints').values(row).execute();
  return row;
}

export function listWebhookEndpoints(db: Kysely<Database>): Promise<WebhookEndpointRow[]> {
  return db.selectFrom('webhook_endpoints').selectAll().orderBy('id').execute();
}

export async function getWebhookEndpoint(db: Kysely<Database>, id: string): Promise<WebhookEndpointRow> {
  const row = await db.selectFrom('webhook_endpoints').selectAll().where('id', '=', id).executeTakeFirst();
  if (!row) throw new SiteError('NOT_FOUND', `no webhook endpoint ${id}`);
  return row;
}

export async function removeWebhookEndpoint(db: Kysely<Database>, id: string): Promise<void> {
  const r = await db.deleteFrom('webhook_endpoints').where('id', '=', id).executeTakeFirst();
  if (Number(r.numDeletedRows) === 0) throw new SiteError('NOT_FOUND', `no webhook endpoint ${id}`);
}

export async function enqueueDelivery(db: Kysely<Database>, endpointId: string, alertId: number, body: string, now: number): Promise<void> {
  await db.insertInto('webhook_deliveries').values({ endpoint_id: endpointId, alert_id: alertId, body, state: 'pending', attempts: 0, next_at: now, last_error: null, created_at: now, delivered_at: null }).execute();
}

export function dueDeliveries(db: Kysely<Database>, now: number): Promise<WebhookDeliveryRow[]> {
  return db.selectFrom('webhook_deliveries').selectAll().where('state', '=', 'pending').where('next_at', '<=', now).orderBy('id').limit(100).execute();
}

export async function nextDueAt(db: Kysely<Database>): Promise<number | null> {
  const r = await db.selectFrom('webhook_deliveries').select((eb) => eb.fn.min('next_at').as('at')).where('state', '=', 'pending').executeTakeFirst();
  return r?.at == null ? null : Number(r.at);
}

export async function markDelivered(db: Kysely<Database>, d: WebhookDeliveryRow, now: number): Promise<void> {
  await db.updateTable('webhook_deliveries').set({ state: 'delivered', attempts: d.attempts + 1, delivered_at: now, last_error: null }).where('id', '=', d.id).execute();
  await db.updateTable('webhook_endpoints').set({ last_success_at: now, consecutive_failures: 0 }).where('id', '=', d.endpoint_id).execute();
}

export async function markFailed(db: Kysely<Database>, d: WebhookDeliveryRow, error: string, nextAt: number | null, now: number): Promise<void> {
  await db
    .updateTable('webhook_deliveries')
    .set({ state: nextAt === null ? 'dead' : 'pending', attempts: d.attempts + 1, next_at: nextAt ?? d.next_at, last_error: error })
    .where('id', '=', d.id)
    .execute();
  await db
    .updateTable('webhook_endpoints')
    .set((eb) => ({ last_failure_at: now, last_error: error, consecutive_failures: eb('consecutive_failures', '+', 1) }))
    .where('id', '=', d.endpoint_id)
    .execute();
}

export function listDeliveries(db: Kysely<Database>, q: { state?: WebhookDeliveryRow['state']; endpointId?: string; limit?: number } = {}): Promise<WebhookDeliveryRow[]> {
  let s = db.selectFrom('webhook_deliveries').selectAll();
  if (q.state) s = s.where('state', '=', q.state);
  if (q.endpointId) s = s.where('endpoint_id', '=', q.endpointId);
  return s.orderBy('id', 'desc').limit(Math.min(Math.max(1, q.limit ?? 100), 1000)).execute();
}

/** Puts a dead delivery back in the queue, due now, with its attempts counted afresh. */
export async function replayDelivery(db: Kysely<Database>, id: number, now: number): Promise<void> {
  const r = await db.updateTable('webhook_deliveries').set({ state: 'pending', attempts: 0, next_at: now }).where('id', '=', id).where('state', '=', 'dead').executeTakeFirst();
  if (Number(r.numUpdatedRows) === 0) throw new SiteError(await db.selectFrom('webhook_deliveries').select('id').where('id', '=', id).executeTakeFirst() ? 'CONFLICT' : 'NOT_FOUND', `no dead delivery ${id}`);
}

export async function deliveryCounts(db: Kysely<Database>): Promise<Array<{ endpoint_id: string; state: string; n: number }>> {
  const rows = await db.selectFrom('webhook_deliveries').select(['endpoint_id', 'state', (eb) => eb.fn.countAll().as('n')]).groupBy(['endpoint_id', 'state']).execute();
  return rows.map((r) => ({ endpoint_id: r.endpoint_id, state: r.state, n: Number(r.n) }));
}
