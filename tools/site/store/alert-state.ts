/**
 * The alert engine's timer state that must outlive the process: which terminals are
 * offline and since when, so that a terminal-offline rule fires T after the terminal
 * went away, not T after the site restarted. (Long absence and stranger windows are
 * read from the events and alerts tables, which already persist.)
 */
import type { Kysely } from 'kysely';
import type { Database } from './schema.js';

/** Records the terminal offline since `since`; an earlier record is kept (it went away then). */
export async function markTerminalOffline(db: Kysely<Database>, terminal: string, since: number): Promise<number> {
  await db
    .insertInto('alert_offline_terminals')
    .values({ terminal_id: terminal, since })
    .onConflict((oc) => oc.column('terminal_id').doNothing())
    .execute();
  const row = await db.selectFrom('alert_offline_terminals').select('since').where('terminal_id', '=', terminal).executeTakeFirst();
  return row?.since ?? since;
}

export async function markTerminalOnline(db: Kysely<Database>, terminal: string): Promise<void> {
  await db.deleteFrom('alert_offline_terminals').where('terminal_id', '=', terminal).execute();
}

export function offlineTerminals(db: Kysely<Database>): Promise<Array<{ terminal_id: string; since: number }>> {
  return db.selectFrom('alert_offline_terminals').select(['terminal_id', 'since']).execute();
}

/** Whether this rule already alerted on this terminal at or after `since` (before a restart, say). */
export async function offlineAlerted(db: Kysely<Database>, ruleId: string, terminal: string, since: number): Promise<boolean> {
  const row = await db.selectFrom('alerts').select('id').where('rule_id', '=', ruleId).where('terminal_id', '=', terminal).where('created_at', '>=', since).executeTakeFirst();
  return row !== undefined;
}
