/**
 * Alert rules: validated against what they name (lists, zones, terminals, periods,
 * webhook endpoints) and versioned: every change, deletion included, is a new row in
 * `alert_rule_versions`, and an alert records the version that raised it.
 */
import type { Kysely } from 'kysely';
import { SiteError } from '../errors.js';
import type { Database } from './schema.js';

export const ALERT_TRIGGERS = [
  'appears',
  'long-absence',
  'stranger',
  'tailgating',
  'spoof',
  'door-forced',
  'door-held-open',
  'tamper',
  'fire',
  'terminal-offline',
  'plate-appears',
  'inspection-overdue',
] as const;
export type AlertTrigger = (typeof ALERT_TRIGGERS)[number];
/** Triggers about a known person: they need lists. */
export const LIST_TRIGGERS: readonly AlertTrigger[] = ['appears', 'long-absence', 'plate-appears'];
export const SEVERITIES = ['info', 'warning', 'critical'] as const;
export type Severity = (typeof SEVERITIES)[number];

export interface RuleDefinition {
  name: string;
  trigger: AlertTrigger;
  enabled: boolean;
  /** Face triggers: the lists whose persons it is about. */
  lists: string[];
  /** Where: zone subtrees and single terminals; both empty: everywhere. */
  zones: number[];
  terminals: string[];
  /** When: any of these periods; none: always. */
  periods: string[];
  severity: Severity;
  actions: { popup: boolean; webhooks: string[]; mqtt: boolean };
  /** long-absence: hours without a passage. */
  absenceHours?: number;
  /** terminal-offline: minutes offline. */
  offlineMinutes?: number;
  /** stranger: sightings in one zone less than this many minutes apart are one alert (default 5). */
  dedupeMinutes?: number;
}

export interface AlertRule extends RuleDefinition {
  id: string;
  version: number;
  updatedAt: number;
}

async function missing(db: Kysely<Database>, table: 'alert_lists' | 'alert_periods' | 'webhook_endpoints' | 'terminals', ids: string[]): Promise<string[]> {
  if (ids.length === 0) return [];
  const found = new Set((await db.selectFrom(table).select('id').where('id', 'in', ids).execute()).map((r) => r.id));
  return ids.filter((i) => !found.has(i));
}

/** Refuses a rule that cannot work, in words for the person at the form, naming the field at fault. */
export async function validateRule(db: Kysely<Database>, r: RuleDefinition): Promise<void> {
  if (!ALERT_TRIGGERS.includes(r.trigger)) throw new SiteError('INVALID', `Choose what raises the alert: one of ${ALERT_TRIGGERS.join(', ')}.`, 'trigger');
  if (LIST_TRIGGERS.includes(r.trigger) && r.lists.length === 0) throw new SiteError('INVALID', `Choose at least one list: a ${r.trigger} rule is about the persons on lists.`, 'lists');
  if (r.trigger === 'long-absence' && !(r.absenceHours! > 0)) throw new SiteError('INVALID', 'Give the hours without a passage after which the alert is raised (more than 0).', 'absenceHours');
  if (r.trigger === 'terminal-offline' && !(r.offlineMinutes! > 0)) throw new SiteError('INVALID', 'Give the minutes a terminal may be offline before the alert is raised (more than 0).', 'offlineMinutes');
  for (const [what, table, ids, field] of [
    ['list', 'alert_lists', r.lists, 'lists'],
    ['period', 'alert_periods', r.periods, 'periods'],
    ['webhook endpoint', 'webhook_endpoints', r.actions.webhooks, 'actions.webhooks'],
    ['terminal', 'terminals', r.terminals, 'terminals'],
  ] as const) {
    const gone = await missing(db, table, [...ids]);
    if (gone.length > 0) throw new SiteError('NOT_FOUND', `There is no ${what} ${gone.join(', ')}.`, field);
  }
  if (r.zones.length > 0) {
    const found = new Set((await db.selectFrom('zones').select('id').where('id', 'in', r.zones).execute()).map((z) => z.id));
    const gone = r.zones.filter((z) => !found.has(z));
    if (gone.length > 0) throw new SiteError('NOT_FOUND', `There is no zone ${gone.join(', ')}.`, 'zones');
  }
}

/** Creates the rule or makes its next version. */
export async function putAlertRule(db: Kysely<Database>, id: string, def: RuleDefinition, by: string | null, now = Date.now()): Promise<AlertRule> {
  await validateRule(db, def);
  const definition = JSON.stringify(def);
  return db.transaction().execute(async (tx) => {
    const last = await tx.selectFrom('alert_rule_versions').select((eb) => eb.fn.max('version').as('v')).where('rule_id', '=', id).executeTakeFirst();
    const version = Number(last?.v ?? 0) + 1;
    await tx.insertInto('alert_rule_versions').values({ rule_id: id, version, definition, at: now, username: by }).execute();
    await tx
      .insertInto('alert_rules')
      .values({ id, version, definition, deleted: 0, updated_at: now })
      .onConflict((oc) => oc.column('id').doUpdateSet({ version, definition, deleted: 0, updated_at: now }))
      .execute();
    return { id, version, updatedAt: now, ...def };
  });
}

export async function removeAlertRule(db: Kysely<Database>, id: string, by: string | null, now = Date.now()): Promise<void> {
  await db.transaction().execute(async (tx) => {
    const rule = await tx.selectFrom('alert_rules').select('version').where('id', '=', id).where('deleted', '=', 0).executeTakeFirst();
    if (!rule) throw new SiteError('NOT_FOUND', `no alert rule ${id}`);
    const version = rule.version + 1;
    await tx.insertInto('alert_rule_versions').values({ rule_id: id, version, definition: null, at: now, username: by }).execute();
    await tx.updateTable('alert_rules').set({ version, deleted: 1, updated_at: now }).where('id', '=', id).execute();
  });
}

export async function listAlertRules(db: Kysely<Database>): Promise<AlertRule[]> {
  const rows = await db.selectFrom('alert_rules').selectAll().where('deleted', '=', 0).orderBy('id').execute();
  return rows.map((r) => ({ id: r.id, version: r.version, updatedAt: r.updated_at, ...(JSON.parse(r.definition) as RuleDefinition) }));
}

export async function alertRuleHistory(db: Kysely<Database>, id: string): Promise<Array<{ version: number; at: number; username: string | null; definition: RuleDefinition | null }>> {
  const rows = await db.selectFrom('alert_rule_versions').selectAll().where('rule_id', '=', id).orderBy('version').execute();
  if (rows.length === 0) throw new SiteError('NOT_FOUND', `no alert rule ${id}`);
  return rows.map((r) => ({ version: r.version, at: r.at, username: r.username, definition: r.definition === null ? null : (JSON.parse(r.definition) as RuleDefinition) }));
}
