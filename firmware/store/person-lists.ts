// The face lists (watch, missing) each person is on, as the fleet sent them. Rows go
// with their person (ON DELETE CASCADE), so erasing a person erases their list marks.
import type { Database, Statement } from 'better-sqlite3';
import type { ListPurpose, PersonList } from '@limen/sdk/protocol';

export class PersonLists {
  private readonly sql: {
    of: Statement<[string], PersonList>;
    clear: Statement<[string]>;
    add: Statement<[string, string, ListPurpose]>;
  };

  constructor(db: Database) {
    this.sql = {
      of: db.prepare<[string], PersonList>('SELECT list_id AS id, purpose FROM person_lists WHERE person_id = ? ORDER BY list_id'),
      clear: db.prepare<[string]>('DELETE FROM person_lists WHERE person_id = ?'),
      add: db.prepare<[string, string, ListPurpose]>('INSERT OR REPLACE INTO person_lists (person_id, list_id, purpose) VALUES (?, ?, ?)'),
    };
  }

  /** The lists `personId` is on, by list id; empty for a person on none. */
  of(personId: string): PersonList[] {
    return this.sql.of.all(personId);
  }

  /** Replaces the person's lists (call inside a transaction; the person must exist). */
  set(personId: string, lists: readonly PersonList[]): void {
    this.sql.clear.run(personId);
    for (const l of lists) this.sql.add.run(personId, l.id, l.purpose);
  }
}
