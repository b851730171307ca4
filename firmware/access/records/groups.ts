// Access groups and who belongs to them.
import { AccessError } from '../errors.js';
import { groupPatchSchema, idSchema, newGroupSchema, parse } from '../inputs.js';
import type { Group } from '../types.js';
import { generateId, toGroup, type GroupRow } from './rows.js';
import type { AccessTables } from './tables.js';

export interface NewGroup {
  id?: string;
  name: string;
  /** null or absent: the group may enter at any time. */
  scheduleId?: string | null;
}
export type GroupPatch = Partial<Pick<Group, 'name' | 'scheduleId'>>;

export class GroupRecords {
  constructor(private readonly t: AccessTables) {}

  add(input: NewGroup): Group {
    const g = parse(newGroupSchema, input, 'group');
    const id = g.id ?? generateId();
    return this.t.store.transaction(() => {
      if (this.t.getGroup(id)) throw new AccessError('ALREADY_EXISTS', `group ${id} already exists`);
      if (g.scheduleId != null) this.t.requireSchedule(g.scheduleId);
      this.t.sql('INSERT INTO groups (id, name, schedule_id) VALUES (?, ?, ?)').run(id, g.name, g.scheduleId ?? null);
      return this.t.getGroup(id)!;
    });
  }

  list(): Group[] {
    return this.t.sql<[], GroupRow>('SELECT * FROM groups ORDER BY name, id').all().map(toGroup);
  }

  update(id: string, patch: GroupPatch): Group {
    const g = parse(groupPatchSchema, patch, 'group update');
    return this.t.store.transaction(() => {
      const next = { ...this.t.requireGroup(id), ...g };
      if (next.scheduleId !== null) this.t.requireSchedule(next.scheduleId);
      this.t.sql('UPDATE groups SET name = ?, schedule_id = ? WHERE id = ?').run(next.name, next.scheduleId, id);
      return this.t.getGroup(id)!;
    });
  }

  remove(id: string): boolean {
    return this.t.sql('DELETE FROM groups WHERE id = ?').run(id).changes > 0;
  }

  addMember(personId: string, groupId: string): void {
    this.t.store.transaction(() => {
      this.t.requirePerson(personId);
      this.t.requireGroup(groupId);
      this.t.sql('INSERT OR IGNORE INTO person_groups (person_id, group_id) VALUES (?, ?)').run(personId, groupId);
    });
  }

  removeMember(personId: string, groupId: string): boolean {
    return this.t.sql('DELETE FROM person_groups WHERE person_id = ? AND group_id = ?').run(personId, groupId).changes > 0;
  }

  setMemberships(personId: string, groupIds: string[]): void {
    const ids = parse(idSchema.array(), groupIds, 'group ids');
    this.t.store.transaction(() => {
      this.t.requirePerson(personId);
      for (const g of ids) this.t.requireGroup(g);
      this.t.sql('DELETE FROM person_groups WHERE person_id = ?').run(personId);
      for (const g of ids) this.t.sql('INSERT OR IGNORE INTO person_groups (person_id, group_id) VALUES (?, ?)').run(personId, g);
    });
  }

  groupsOf(personId: string): Group[] {
    return this.t
      .sql<[string], GroupRow>('SELECT g.* FROM groups g JOIN person_groups pg ON pg.group_id = g.id WHERE pg.person_id = ? ORDER BY g.name, g.id')
      .all(personId)
      .map(toGroup);
  }
}
