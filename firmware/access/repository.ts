import { randomBytes } from 'node:crypto';
import { ID_PATTERN } from '../../sdk/src/protocol/ids.js';
import type { Database, Statement } from 'better-sqlite3';
import { META_KEYS } from '../store/meta.js';
import { truncateWal } from '../security/secure-erase.js';
import type { Store } from '../store/store.js';
import { assertValidPin, normaliseCardNumber, pinLookupKey } from './credential-values.js';
import type { DecisionLookups } from './decide.js';
import { AccessError } from './errors.js';
import {
  checkWindow,
  consentKindSchema,
  consentSchema,
  credentialOptionsSchema,
  credentialPatchSchema,
  dateSchema,
  groupPatchSchema,
  holidayNameSchema,
  idSchema,
  newGroupSchema,
  newPersonSchema,
  newScheduleSchema,
  parse,
  personPatchSchema,
  schedulePatchSchema,
} from './inputs.js';
import {
  FACE_CONSENT,
  type Consent,
  type Credential,
  type CredentialType,
  type Group,
  type Holiday,
  type Person,
  type Schedule,
  type TimeInterval,
  type Weekday,
} from './types.js';

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

export interface NewGroup {
  id?: string;
  name: string;
  /** null or absent: the group may enter at any time. */
  scheduleId?: string | null;
}
export type GroupPatch = Partial<Pick<Group, 'name' | 'scheduleId'>>;

export interface NewSchedule {
  id?: string;
  name: string;
  weekly: Partial<Record<Weekday, TimeInterval[]>>;
  /** Intervals used on holidays; absent or empty: no access on holidays. */
  holidayIntervals?: TimeInterval[];
}
export type SchedulePatch = Partial<Pick<Schedule, 'name' | 'weekly' | 'holidayIntervals'>>;

export interface CredentialOptions {
  id?: string;
  label?: string | null;
  enabled?: boolean;
  validFrom?: number | null;
  validUntil?: number | null;
}
export type CredentialPatch = Partial<Pick<Credential, 'label' | 'enabled' | 'validFrom' | 'validUntil'>>;

interface PersonRow {
  id: string;
  name: string;
  enabled: 0 | 1;
  valid_from: number | null;
  valid_until: number | null;
  created_at: number;
  updated_at: number;
  data: string | null;
}
interface GroupRow {
  id: string;
  name: string;
  schedule_id: string | null;
}
interface ScheduleRow {
  id: string;
  name: string;
  weekly: string;
  holiday_intervals: string;
}
interface CredentialRow {
  id: string;
  person_id: string;
  type: CredentialType;
  value_key: string;
  label: string | null;
  enabled: 0 | 1;
  valid_from: number | null;
  valid_until: number | null;
  created_at: number;
}
interface ConsentRow {
  person_id: string;
  kind: string;
  granted_at: number;
  source: string;
  record: string | null;
}

const toPerson = (r: PersonRow): Person => ({
  id: r.id,
  name: r.name,
  enabled: r.enabled === 1,
  validFrom: r.valid_from,
  validUntil: r.valid_until,
  createdAt: r.created_at,
  updatedAt: r.updated_at,
  data: r.data === null ? null : (JSON.parse(r.data) as Record<string, unknown>),
});
const toGroup = (r: GroupRow): Group => ({ id: r.id, name: r.name, scheduleId: r.schedule_id });
const toSchedule = (r: ScheduleRow): Schedule => ({
  id: r.id,
  name: r.name,
  weekly: JSON.parse(r.weekly) as Schedule['weekly'],
  holidayIntervals: JSON.parse(r.holiday_intervals) as TimeInterval[],
});
const toCredential = (r: CredentialRow): Credential => ({
  id: r.id,
  personId: r.person_id,
  type: r.type,
  valueKey: r.value_key,
  label: r.label,
  enabled: r.enabled === 1,
  validFrom: r.valid_from,
  validUntil: r.valid_until,
  createdAt: r.created_at,
});
const toConsent = (r: ConsentRow): Consent => ({
  personId: r.person_id,
  kind: r.kind,
  grantedAt: r.granted_at,
  source: r.source,
  record: r.record === null ? null : (JSON.parse(r.record) as Record<string, unknown>),
});

/** A short random id (12 characters, about 72 bits) in the protocol's id grammar: it starts with a letter or digit. */
export function generateId(): string {
  for (;;) {
    const id = randomBytes(9).toString('base64url');
    if (ID_PATTERN.test(id)) return id;
  }
}

const bit = (b: boolean) => (b ? 1 : 0);

/**
 * Persons, groups, schedules, holidays, credentials and consents in the store.
 * Every call reads or writes the database directly (no cache), so changes made
 * by another process, such as the `limen` CLI, apply to the next decision.
 *
 * Input is validated at the edge: bad values throw AccessError ('INVALID_INPUT',
 * 'INVALID_CARD_NUMBER', 'INVALID_PIN'); missing references 'NOT_FOUND'; taken
 * ids, card numbers or PINs 'ALREADY_EXISTS'.
 */
export class AccessRepository implements DecisionLookups {
  private readonly db: Database;
  private readonly statements = new Map<string, Statement>();

  constructor(private readonly store: Store) {
    this.db = store.db;
  }

  // ---- persons ----

  addPerson(input: NewPerson): Person {
    const p = parse(newPersonSchema, input, 'person');
    const now = this.store.clock.now();
    const id = p.id ?? generateId();
    return this.store.transaction(() => {
      if (this.getPerson(id)) throw new AccessError('ALREADY_EXISTS', `person ${id} already exists`);
      this
        .sql(
          `INSERT INTO persons (id, name, enabled, valid_from, valid_until, created_at, updated_at, data)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
        )
        .run(id, p.name, bit(p.enabled ?? true), p.validFrom ?? null, p.validUntil ?? null, now, now, p.data == null ? null : JSON.stringify(p.data));
      for (const groupId of p.groupIds ?? []) this.addPersonToGroup(id, groupId);
      return this.getPerson(id)!;
    });
  }

  getPerson(id: string): Person | undefined {
    const row = this.sql<[string], PersonRow>('SELECT * FROM persons WHERE id = ?').get(id);
    return row && toPerson(row);
  }

  /** All persons ordered by name, optionally only the members of one group or only enabled/disabled ones. */
  listPersons(filter: { groupId?: string; enabled?: boolean } = {}): Person[] {
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
    return (this.sql(sql).all(...params) as PersonRow[]).map(toPerson);
  }

  updatePerson(id: string, patch: PersonPatch): Person {
    const p = parse(personPatchSchema, patch, 'person update');
    return this.store.transaction(() => {
      const current = this.requirePerson(id);
      const next = { ...current, ...p, updatedAt: this.store.clock.now() };
      checkWindow(next, 'person update');
      this
        .sql(
          'UPDATE persons SET name = ?, enabled = ?, valid_from = ?, valid_until = ?, data = ?, updated_at = ? WHERE id = ?',
        )
        .run(next.name, bit(next.enabled), next.validFrom, next.validUntil, next.data == null ? null : JSON.stringify(next.data), next.updatedAt, id);
      return this.getPerson(id)!;
    });
  }

  /**
   * Erases a person and everything about them (credentials, group memberships,
   * face templates, consents) in one transaction. Events keep the person id
   * only. Returns false when there was no such person.
   *
   * The store zeroes deleted rows (`secure_delete`), but the WAL still holds the
   * pages as they were; they are checkpointed into the file and the WAL truncated
   * right after the commit. Called inside an outer transaction, the caller does
   * that after its own commit (`truncateWal`).
   */
  removePerson(id: string): boolean {
    const removed = this.store.transaction(() => {
      const templates = this.countTemplates(id);
      const removed = this.sql('DELETE FROM persons WHERE id = ?').run(id).changes > 0;
      if (templates > 0) this.store.meta.increment(META_KEYS.galleryVersion);
      return removed;
    });
    if (removed && !this.store.db.inTransaction) truncateWal(this.store);
    return removed;
  }

  // ---- groups ----

  addGroup(input: NewGroup): Group {
    const g = parse(newGroupSchema, input, 'group');
    const id = g.id ?? generateId();
    return this.store.transaction(() => {
      if (this.getGroup(id)) throw new AccessError('ALREADY_EXISTS', `group ${id} already exists`);
      if (g.scheduleId != null) this.requireSchedule(g.scheduleId);
      this.sql('INSERT INTO groups (id, name, schedule_id) VALUES (?, ?, ?)').run(id, g.name, g.scheduleId ?? null);
      return this.getGroup(id)!;
    });
  }

  getGroup(id: string): Group | undefined {
    const row = this.sql<[string], GroupRow>('SELECT * FROM groups WHERE id = ?').get(id);
    return row && toGroup(row);
  }

  listGroups(): Group[] {
    return this.sql<[], GroupRow>('SELECT * FROM groups ORDER BY name, id').all().map(toGroup);
  }

  updateGroup(id: string, patch: GroupPatch): Group {
    const g = parse(groupPatchSchema, patch, 'group update');
    return this.store.transaction(() => {
      const next = { ...this.requireGroup(id), ...g };
      if (next.scheduleId !== null) this.requireSchedule(next.scheduleId);
      this.sql('UPDATE groups SET name = ?, schedule_id = ? WHERE id = ?').run(next.name, next.scheduleId, id);
      return this.getGroup(id)!;
    });
  }

  /** Removes a group and its memberships; its members keep their other groups. */
  removeGroup(id: string): boolean {
    return this.sql('DELETE FROM groups WHERE id = ?').run(id).changes > 0;
  }

  /** Adds a membership; adding an existing one does nothing. */
  addPersonToGroup(personId: string, groupId: string): void {
    this.store.transaction(() => {
      this.requirePerson(personId);
      this.requireGroup(groupId);
      this.sql('INSERT OR IGNORE INTO person_groups (person_id, group_id) VALUES (?, ?)').run(personId, groupId);
    });
  }

  removePersonFromGroup(personId: string, groupId: string): boolean {
    return this.sql('DELETE FROM person_groups WHERE person_id = ? AND group_id = ?').run(personId, groupId).changes > 0;
  }

  /** Replaces a person's memberships with exactly `groupIds` (all must exist). */
  setPersonGroups(personId: string, groupIds: string[]): void {
    const ids = parse(idSchema.array(), groupIds, 'group ids');
    this.store.transaction(() => {
      this.requirePerson(personId);
      for (const g of ids) this.requireGroup(g);
      this.sql('DELETE FROM person_groups WHERE person_id = ?').run(personId);
      for (const g of ids) this.sql('INSERT OR IGNORE INTO person_groups (person_id, group_id) VALUES (?, ?)').run(personId, g);
    });
  }

  groupsOf(personId: string): Group[] {
    return this
      .sql<[string], GroupRow>(
        'SELECT g.* FROM groups g JOIN person_groups pg ON pg.group_id = g.id WHERE pg.person_id = ? ORDER BY g.name, g.id',
      )
      .all(personId)
      .map(toGroup);
  }

  // ---- schedules and holidays ----

  addSchedule(input: NewSchedule): Schedule {
    const s = parse(newScheduleSchema, input, 'schedule');
    const id = s.id ?? generateId();
    return this.store.transaction(() => {
      if (this.getSchedule(id)) throw new AccessError('ALREADY_EXISTS', `schedule ${id} already exists`);
      this
        .sql('INSERT INTO schedules (id, name, weekly, holiday_intervals) VALUES (?, ?, ?, ?)')
        .run(id, s.name, JSON.stringify(s.weekly), JSON.stringify(s.holidayIntervals ?? []));
      return this.getSchedule(id)!;
    });
  }

  getSchedule(id: string): Schedule | undefined {
    const row = this.sql<[string], ScheduleRow>('SELECT * FROM schedules WHERE id = ?').get(id);
    return row && toSchedule(row);
  }

  listSchedules(): Schedule[] {
    return this.sql<[], ScheduleRow>('SELECT * FROM schedules ORDER BY name, id').all().map(toSchedule);
  }

  updateSchedule(id: string, patch: SchedulePatch): Schedule {
    const s = parse(schedulePatchSchema, patch, 'schedule update');
    return this.store.transaction(() => {
      const next = { ...this.requireSchedule(id), ...s };
      this
        .sql('UPDATE schedules SET name = ?, weekly = ?, holiday_intervals = ? WHERE id = ?')
        .run(next.name, JSON.stringify(next.weekly), JSON.stringify(next.holidayIntervals), id);
      return this.getSchedule(id)!;
    });
  }

  /** Throws 'IN_USE' while a group uses the schedule (it would otherwise open that group around the clock). */
  removeSchedule(id: string): boolean {
    return this.store.transaction(() => {
      const users = this.sql<[string], string>('SELECT id FROM groups WHERE schedule_id = ? ORDER BY id').pluck().all(id);
      if (users.length > 0) {
        throw new AccessError('IN_USE', `schedule ${id} is used by group${users.length > 1 ? 's' : ''} ${users.join(', ')}`);
      }
      return this.sql('DELETE FROM schedules WHERE id = ?').run(id).changes > 0;
    });
  }

  /** Adds or renames a holiday on a local date 'YYYY-MM-DD'. */
  setHoliday(date: string, name = ''): Holiday {
    const d = parse(dateSchema, date, 'holiday date');
    const n = parse(holidayNameSchema, name, 'holiday name');
    this.sql('INSERT INTO holidays (date, name) VALUES (?, ?) ON CONFLICT (date) DO UPDATE SET name = excluded.name').run(d, n);
    return { date: d, name: n };
  }

  removeHoliday(date: string): boolean {
    return this.sql('DELETE FROM holidays WHERE date = ?').run(date).changes > 0;
  }

  /** Holidays in date order, optionally within [from, to] (inclusive dates). */
  listHolidays(range: { from?: string; to?: string } = {}): Holiday[] {
    return this
      .sql<[string, string], Holiday>('SELECT date, name FROM holidays WHERE date >= ? AND date <= ? ORDER BY date')
      .all(range.from ?? '0000-00-00', range.to ?? '9999-99-99');
  }

  isHoliday(date: string): boolean {
    return this.sql('SELECT 1 FROM holidays WHERE date = ?').get(date) !== undefined;
  }

  // ---- credentials ----

  /** Adds a card; the number is stored normalised (digits, no leading zeros). */
  addCard(personId: string, cardNumber: string, options: CredentialOptions = {}): Credential {
    const key = normaliseCardNumber(cardNumber);
    return this.insertCredential(personId, 'card', key, options, `card ${key}`);
  }

  /** Adds a PIN (4-8 digits). Only its HMAC is stored; two persons cannot share a PIN. */
  addPin(personId: string, pin: string, options: CredentialOptions = {}): Credential {
    assertValidPin(pin);
    return this.insertCredential(personId, 'pin', pinLookupKey(pin, this.store.pinHmacKey), options, 'this PIN');
  }

  /**
   * Allows the person to enter by face (vision stores the templates). Returns
   * the existing face credential when there already is one.
   */
  addFaceCredential(personId: string, options: CredentialOptions = {}): Credential {
    return this.store.transaction(() => {
      this.requirePerson(personId);
      return this.findCredential('face', personId) ?? this.insertCredential(personId, 'face', personId, options, 'face');
    });
  }

  getCredential(id: string): Credential | undefined {
    const row = this.sql<[string], CredentialRow>('SELECT * FROM credentials WHERE id = ?').get(id);
    return row && toCredential(row);
  }

  listCredentials(filter: { personId?: string; type?: CredentialType } = {}): Credential[] {
    // One statement per filter shape: `@x IS NULL OR …` would keep SQLite off the person index.
    const byType = filter.type !== undefined ? ' AND type = @type' : '';
    const where = filter.personId !== undefined ? `WHERE person_id = @personId${byType}` : byType ? `WHERE type = @type` : '';
    return this
      .sql<[{ personId?: string; type?: string }], CredentialRow>(`SELECT * FROM credentials ${where} ORDER BY person_id, type, created_at, id`)
      .all({ ...(filter.personId !== undefined && { personId: filter.personId }), ...(filter.type !== undefined && { type: filter.type }) })
      .map(toCredential);
  }

  updateCredential(id: string, patch: CredentialPatch): Credential {
    const c = parse(credentialPatchSchema, patch, 'credential update');
    return this.store.transaction(() => {
      const current = this.getCredential(id);
      if (!current) throw new AccessError('NOT_FOUND', `no credential ${id}`);
      const next = { ...current, ...c };
      checkWindow(next, 'credential update');
      this
        .sql('UPDATE credentials SET label = ?, enabled = ?, valid_from = ?, valid_until = ? WHERE id = ?')
        .run(next.label, bit(next.enabled), next.validFrom, next.validUntil, id);
      return this.getCredential(id)!;
    });
  }

  /** Removes one credential. Removing a face credential keeps the templates (see revokeConsent). */
  removeCredential(id: string): boolean {
    return this.sql('DELETE FROM credentials WHERE id = ?').run(id).changes > 0;
  }

  /**
   * The credential matching a presented value: a card number in any accepted
   * spelling ('0042' finds 42), a PIN as typed, a face's person id. Throws
   * 'INVALID_CARD_NUMBER' / 'INVALID_PIN' for malformed values.
   */
  findCredential(type: CredentialType, value: string): Credential | undefined {
    let key: string;
    if (type === 'card') key = normaliseCardNumber(value);
    else if (type === 'pin') {
      assertValidPin(value);
      key = pinLookupKey(value, this.store.pinHmacKey);
    } else key = value;
    const row = this
      .sql<[string, string], CredentialRow>('SELECT * FROM credentials WHERE type = ? AND value_key = ?')
      .get(type, key);
    return row && toCredential(row);
  }

  // ---- consents ----

  /** Records (or renews) a consent. */
  grantConsent(personId: string, kind: string, input: { source: string; grantedAt?: number; record?: Record<string, unknown> | null }): Consent {
    const k = parse(consentKindSchema, kind, 'consent kind');
    const c = parse(consentSchema, input, 'consent');
    return this.store.transaction(() => {
      this.requirePerson(personId);
      const consent: Consent = { personId, kind: k, grantedAt: c.grantedAt ?? this.store.clock.now(), source: c.source, record: c.record ?? null };
      this
        .sql(
          `INSERT INTO consents (person_id, kind, granted_at, source, record) VALUES (?, ?, ?, ?, ?)
           ON CONFLICT (person_id, kind) DO UPDATE SET granted_at = excluded.granted_at, source = excluded.source, record = excluded.record`,
        )
        .run(personId, k, consent.grantedAt, consent.source, consent.record === null ? null : JSON.stringify(consent.record));
      return consent;
    });
  }

  /**
   * Withdraws a consent. Withdrawing 'face' also deletes the person's face
   * templates in the same transaction (biometric data may not be kept without
   * consent) and bumps the gallery version; the face credential stays, and
   * decisions answer 'no-face-consent' until consent is given again.
   */
  revokeConsent(personId: string, kind: string): boolean {
    let templatesDeleted = 0;
    const removed = this.store.transaction(() => {
      const consentRemoved = this.sql('DELETE FROM consents WHERE person_id = ? AND kind = ?').run(personId, kind).changes > 0;
      if (kind === FACE_CONSENT) {
        templatesDeleted = this.sql('DELETE FROM face_templates WHERE person_id = ?').run(personId).changes;
        if (templatesDeleted > 0) this.store.meta.increment(META_KEYS.galleryVersion);
      }
      return consentRemoved;
    });
    // As in removePerson: no copy of the deleted templates may stay in the WAL.
    if (templatesDeleted > 0 && !this.store.db.inTransaction) truncateWal(this.store);
    return removed;
  }

  hasConsent(personId: string, kind: string): boolean {
    return this.sql('SELECT 1 FROM consents WHERE person_id = ? AND kind = ?').get(personId, kind) !== undefined;
  }

  listConsents(personId: string): Consent[] {
    return this
      .sql<[string], ConsentRow>('SELECT * FROM consents WHERE person_id = ? ORDER BY kind')
      .all(personId)
      .map(toConsent);
  }

  // ---- helpers ----

  private insertCredential(personId: string, type: CredentialType, valueKey: string, options: CredentialOptions, what: string): Credential {
    const o = parse(credentialOptionsSchema, options, `${type} credential`);
    const id = o.id ?? generateId();
    return this.store.transaction(() => {
      this.requirePerson(personId);
      if (this.getCredential(id)) throw new AccessError('ALREADY_EXISTS', `credential ${id} already exists`);
      const owner = this
        .sql<[string, string], string>('SELECT person_id FROM credentials WHERE type = ? AND value_key = ?')
        .pluck()
        .get(type, valueKey);
      if (owner !== undefined) {
        throw new AccessError('ALREADY_EXISTS', `${what} is already assigned${owner === personId ? ' to this person' : ' to another person'}`);
      }
      this
        .sql(
          `INSERT INTO credentials (id, person_id, type, value_key, label, enabled, valid_from, valid_until, created_at)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
        )
        .run(id, personId, type, valueKey, o.label ?? null, bit(o.enabled ?? true), o.validFrom ?? null, o.validUntil ?? null, this.store.clock.now());
      return this.getCredential(id)!;
    });
  }

  /** Prepared statements are cached: decisions run the same few queries over and over. */
  private sql<P extends unknown[] = unknown[], R = unknown>(source: string): Statement<P, R> {
    let stmt = this.statements.get(source);
    if (!stmt) {
      stmt = this.db.prepare(source);
      this.statements.set(source, stmt);
    }
    return stmt as unknown as Statement<P, R>;
  }

  private countTemplates(personId: string): number {
    return this.sql<[string], number>('SELECT count(*) FROM face_templates WHERE person_id = ?').pluck().get(personId) ?? 0;
  }

  private requirePerson(id: string): Person {
    const p = this.getPerson(id);
    if (!p) throw new AccessError('NOT_FOUND', `no person ${id}`);
    return p;
  }

  private requireGroup(id: string): Group {
    const g = this.getGroup(id);
    if (!g) throw new AccessError('NOT_FOUND', `no group ${id}`);
    return g;
  }

  private requireSchedule(id: string): Schedule {
    const s = this.getSchedule(id);
    if (!s) throw new AccessError('NOT_FOUND', `no schedule ${id}`);
    return s;
  }
}
