/** The audit log's storage: append-only rows of who did what to which subject, when, from where. */
import type { Kysely } from 'kysely';
import type { AuditEntry, Database } from './schema.js';

export interface AuditRecord {
  at: number;
  staffId: number | null;
  username: string | null;
  /** `records.search`, `person.read`, `person.create`, `staff.login-failed`, ... */
  action: string;
  /** What was touched: `person:p-12`, `unit:4`, a query. */
  subject: string | null;
  ip: string | null;
  detail?: Record<string, unknown> | null;
}

export async function appendAudit(db: Kysely<Database>, r: AuditRecord): Promise<void> {
  await db
    .insertInto('audit')
    .values({ at: r.at, staff_id: r.staffId, username: r.username, action: r.action, subject: r.subject, ip: r.ip, detail: r.detail == null ? null : JSON.stringify(r.detail) })
    .execute();
}

export interface AuditQuery {
  staffId?: number;
  action?: string;
  subject?: string;
  /** Entries with an id below this (paging back). */
  before?: number;
  limit?: number;
}

export async function listAudit(db: Kysely<Database>, q: AuditQuery = {}): Promise<Array<Omit<AuditEntry, 'detail'> & { detail: Record<string, unknown> | null }>> {
  let s = db.selectFrom('audit').selectAll();
  if (q.staffId !== undefined) s = s.where('staff_id', '=', q.staffId);
  if (q.action !== undefined) s = s.where('action', '=', q.action);
  if (q.subject !== undefined) s = s.where('subject', '=', q.subject);
  if (q.before !== undefined) s = s.where('id', '<', q.before);
  const rows = await s.orderBy('id', 'desc').limit(Math.min(Math.max(1, q.limit ?? 100), 1000)).execute();
  return rows.map((r) => ({ ...r, detail: r.detail === null ? null : (JSON.parse(r.detail) as Record<string, unknown>) }));
}
