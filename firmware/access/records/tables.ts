// What every access record module shares: the store, cached statements, and the
// lookups of the rows others refer to.
import type { Database, Statement } from 'better-sqlite3';
import type { Store } from '../../store/store.js';
import { AccessError } from '../errors.js';
import type { Group, Person, Schedule } from '../types.js';
import { toGroup, toPerson, toSchedule, type GroupRow, type PersonRow, type ScheduleRow } from './rows.js';

export class AccessTables {
  readonly db: Database;
  private readonly statements = new Map<string, Statement>();

  constructor(readonly store: Store) {
    this.db = store.db;
  }

  /** Prepared statements are cached: decisions run the same few queries over and over. */
  sql<P extends unknown[] = unknown[], R = unknown>(source: string): Statement<P, R> {
    let stmt = this.statements.get(source);
    if (!stmt) {
      stmt = this.db.prepare(source);
      this.statements.set(source, stmt);
    }
    return stmt as unknown as Statement<P, R>;
  }

  getPerson(id: string): Person | undefined {
    const row = this.sql<[string], PersonRow>('SELECT * FROM persons WHERE id = ?').get(id);
    return row && toPerson(row);
  }

  getGroup(id: string): Group | undefined {
    const row = this.sql<[string], GroupRow>('SELECT * FROM groups WHERE id = ?').get(id);
    return row && toGroup(row);
  }

  getSchedule(id: string): Schedule | undefined {
    const row = this.sql<[string], ScheduleRow>('SELECT * FROM schedules WHERE id = ?').get(id);
    return row && toSchedule(row);
  }

  requirePerson(id: string): Person {
    const p = this.getPerson(id);
    if (!p) throw new AccessError('NOT_FOUND', `no person ${id}`);
    return p;
  }

  requireGroup(id: string): Group {
    const g = this.getGroup(id);
    if (!g) throw new AccessError('NOT_FOUND', `no group ${id}`);
    return g;
  }

  requireSchedule(id: string): Schedule {
    const s = this.getSchedule(id);
    if (!s) throw new AccessError('NOT_FOUND', `no schedule ${id}`);
    return s;
  }
}
