// Persons: who may be let in, with a validity window and free-form data.
import { truncateWal } from '../../store/wal.js';
import { AccessError } from '../errors.js';
import { checkWindow, newPersonSchema, parse, personPatchSchema } from '../inputs.js';
import type { Person } from '../types.js';
import { bit, generateId, toPerson, type PersonRow } from './rows.js';
import type { AccessTables } from './tables.js';

export interface NewPerson {
  /** Caller-given id (1-64 of A-Z a-z 0-9 _ -); generated when absent. */
  id?: string;
  name: string;
  enabled?: boolean;
  validFrom?: number | null;
  validUntil?: number | null;
  data?: Record<string, unknown> | null;
  /** Groups to join at once; each must exist. */
  groupIds?: string[];
}
export type PersonPatch = Partial<Pick<Person, 'name' | 'enabled' | 'validFrom' | 'validUntil' | 'data'>>;

export class PersonRecords {
  constructor(
    private readonly t: AccessTables,
    /** Adds a membership (the groups' job). */
    private readonly join: (personId: string, groupId: string) => void,
  ) {}

  add(input: NewPerson): Person {
    const p = parse(newPersonSchema, input, 'person');
    const { store } = this.t;
    const now = store.clock.now();
    const id = p.id ?? generateId();
    return store.transaction(() => {
      if (this.t.getPerson(id)) throw new AccessError('ALREADY_EXISTS', `person ${id} already exists`);
      this.t
        .sql(
          `INSERT INTO persons (id, name, enabled, valid_from, valid_until, created_at, updated_at, data)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
        )
        .run(id, p.name, bit(p.enabled ?? true), p.validFrom ?? null, p.validUntil ?? null, now, now, p.data == null ? null : JSON.stringify(p.data));
      for (const groupId of p.groupIds ?? []) this.join(id, groupId);
      return this.t.getPerson(id)!;
    });
  }

  list(filter: { groupId?: string; enabled?: boolean } = {}): Person[] {
    const where: string[] = [];
    const params: unknown[] = [];
    if (filter.groupId !== undefined) {
      where.push('id IN (SELECT person_id FROM person_groups WHERE group_id = ?)');
      params.push(filter.groupId);
    }
    if (filter.enabled !== undefined) {
      where.push('enabled = ?');
      params.push(bit(filter.enabled));
    }
    const sql = `SELECT * FROM persons${where.length ? ` WHERE ${where.join(' AND ')}` : ''} ORDER BY name, id`;
    return (this.t.sql(sql).all(...params) as PersonRow[]).map(toPerson);
  }

  update(id: string, patch: PersonPatch): Person {
    const p = parse(personPatchSchema, patch, 'person update');
    const { store } = this.t;
    return store.transaction(() => {
      const current = this.t.requirePerson(id);
      const next = { ...current, ...p, updatedAt: store.clock.now() };
      checkWindow(next, 'person update');
      this.t
        .sql('UPDATE persons SET name = ?, enabled = ?, valid_from = ?, valid_until = ?, data = ?, updated_at = ? WHERE id = ?')
        .run(next.name, bit(next.enabled), next.validFrom, next.validUntil, next.data == null ? null : JSON.stringify(next.data), next.updatedAt, id);
      return this.t.getPerson(id)!;
    });
  }

  /** See AccessRepository.removePerson. */
  remove(id: string): boolean {
    const { store } = this.t;
    const removed = store.transaction(() => {
      // Through the template store, so the live gallery hears of it; the rest cascades.
      store.templates.removePerson(id);
      return this.t.sql('DELETE FROM persons WHERE id = ?').run(id).changes > 0;
    });
    if (removed && !store.db.inTransaction) truncateWal(store);
    return removed;
  }
}
