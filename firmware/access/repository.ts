import type { PlateStrictness } from '@limen/sdk/protocol';
import type { Store } from '../store/store.js';
import type { DecisionLookups } from './decide.js';
import { ConsentRecords } from './records/consents.js';
import { CredentialRecords, type CredentialOptions, type CredentialPatch } from './records/credentials.js';
import { GroupRecords, type GroupPatch, type NewGroup } from './records/groups.js';
import { PersonRecords, type NewPerson, type PersonPatch } from './records/persons.js';
import { ScheduleRecords, type NewSchedule, type SchedulePatch } from './records/schedules.js';
import { RuleSetRecords, type RuleSet } from './records/rule-set.js';
import { AccessTables } from './records/tables.js';
import type { Consent, Credential, CredentialType, Group, Holiday, Person, Schedule } from './types.js';

export { generateId } from './records/rows.js';
export type { CredentialOptions, CredentialPatch, GroupPatch, NewGroup, NewPerson, NewSchedule, PersonPatch, RuleSet, SchedulePatch };

/**
 * Persons, groups, schedules, holidays, credentials and consents in the store,
 * one module each under `records/`; this is the one door to them. Every call reads
 * or writes the database directly (no cache), so changes made by another process,
 * such as the `limen` CLI, apply to the next decision.
 *
 * Input is validated at the edge: bad values throw AccessError ('INVALID_INPUT',
 * 'INVALID_CARD_NUMBER', 'INVALID_PIN'); missing references 'NOT_FOUND'; taken
 * ids, card numbers or PINs 'ALREADY_EXISTS'.
 */
export class AccessRepository implements DecisionLookups {
  private readonly tables: AccessTables;
  private readonly persons: PersonRecords;
  private readonly groups: GroupRecords;
  private readonly schedules: ScheduleRecords;
  private readonly credentials: CredentialRecords;
  private readonly consents: ConsentRecords;
  private readonly ruleSets: RuleSetRecords;

  constructor(store: Store) {
    this.tables = new AccessTables(store);
    this.groups = new GroupRecords(this.tables);
    this.persons = new PersonRecords(this.tables, (personId, groupId) => this.groups.addMember(personId, groupId));
    this.schedules = new ScheduleRecords(this.tables);
    this.credentials = new CredentialRecords(this.tables);
    this.consents = new ConsentRecords(this.tables);
    this.ruleSets = new RuleSetRecords(this.tables);
  }

  // ---- persons ----

  addPerson(input: NewPerson): Person {
    return this.persons.add(input);
  }

  getPerson(id: string): Person | undefined {
    return this.tables.getPerson(id);
  }

  /** All persons ordered by name, optionally only the members of one group or only enabled/disabled ones. */
  listPersons(filter: { groupId?: string; enabled?: boolean } = {}): Person[] {
    return this.persons.list(filter);
  }

  updatePerson(id: string, patch: PersonPatch): Person {
    return this.persons.update(id, patch);
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
    return this.persons.remove(id);
  }

  // ---- groups ----

  addGroup(input: NewGroup): Group {
    return this.groups.add(input);
  }

  getGroup(id: string): Group | undefined {
    return this.tables.getGroup(id);
  }

  listGroups(): Group[] {
    return this.groups.list();
  }

  updateGroup(id: string, patch: GroupPatch): Group {
    return this.groups.update(id, patch);
  }

  /** Removes a group and its memberships; its members keep their other groups. */
  removeGroup(id: string): boolean {
    return this.groups.remove(id);
  }

  /** Adds a membership; adding an existing one does nothing. */
  addPersonToGroup(personId: string, groupId: string): void {
    this.groups.addMember(personId, groupId);
  }

  removePersonFromGroup(personId: string, groupId: string): boolean {
    return this.groups.removeMember(personId, groupId);
  }

  /** Replaces a person's memberships with exactly `groupIds` (all must exist). */
  setPersonGroups(personId: string, groupIds: string[]): void {
    this.groups.setMemberships(personId, groupIds);
  }

  groupsOf(personId: string): Group[] {
    return this.groups.groupsOf(personId);
  }

  // ---- schedules and holidays ----

  addSchedule(input: NewSchedule): Schedule {
    return this.schedules.add(input);
  }

  getSchedule(id: string): Schedule | undefined {
    return this.tables.getSchedule(id);
  }

  listSchedules(): Schedule[] {
    return this.schedules.list();
  }

  updateSchedule(id: string, patch: SchedulePatch): Schedule {
    return this.schedules.update(id, patch);
  }

  /** Throws 'IN_USE' while a group uses the schedule (it would otherwise open that group around the clock). */
  removeSchedule(id: string): boolean {
    return this.schedules.remove(id);
  }

  /** Adds or renames a holiday on a local date 'YYYY-MM-DD'. */
  setHoliday(date: string, name = ''): Holiday {
    return this.schedules.setHoliday(date, name);
  }

  removeHoliday(date: string): boolean {
    return this.schedules.removeHoliday(date);
  }

  /** Holidays in date order, optionally within [from, to] (inclusive dates). */
  listHolidays(range: { from?: string; to?: string } = {}): Holiday[] {
    return this.schedules.listHolidays(range);
  }

  isHoliday(date: string): boolean {
    return this.schedules.isHoliday(date);
  }

  /**
   * Applies a fleet rule set in one transaction: schedules and holidays become exactly
   * the set's, its groups are created or updated, other groups stay. A version at or
   * below the one applied last changes nothing (`applied: false`). Throws 'IN_USE'
   * (nothing changed) when a group outside the set uses a schedule the set drops.
   */
  setRules(rules: RuleSet): { version: number; applied: boolean } {
    return this.ruleSets.apply(rules);
  }

  /** The version of the last rule set applied (0: none). */
  rulesVersion(): number {
    return this.ruleSets.version();
  }

  // ---- credentials ----

  /** Adds a card; the number is stored normalised (digits, no leading zeros). */
  addCard(personId: string, cardNumber: string, options: CredentialOptions = {}): Credential {
    return this.credentials.addCard(personId, cardNumber, options);
  }

  /** Adds a PIN (4-8 digits). Only its HMAC is stored; two persons cannot share a PIN. */
  addPin(personId: string, pin: string, options: CredentialOptions = {}): Credential {
    return this.credentials.addPin(personId, pin, options);
  }

  /**
   * Allows the person to enter by face (the template store holds the templates).
   * Returns the existing face credential when there already is one.
   */
  addFaceCredential(personId: string, options: CredentialOptions = {}): Credential {
    return this.credentials.addFace(personId, options);
  }

  /** Adds a licence plate (a resident's car, a visitor's vehicle); stored normalised, one owner per plate. */
  addPlate(personId: string, plate: string, options: CredentialOptions = {}): Credential {
    return this.credentials.addPlate(personId, plate, options);
  }

  /**
   * The plate credential a read plate names at `strictness` (exact first; one tolerant
   * match, or 'ambiguous' for several). Throws 'INVALID_PLATE' for a malformed plate.
   */
  findPlate(plate: string, strictness: PlateStrictness): Credential | 'ambiguous' | undefined {
    return this.credentials.findPlate(plate, strictness);
  }

  getCredential(id: string): Credential | undefined {
    return this.credentials.get(id);
  }

  listCredentials(filter: { personId?: string; type?: CredentialType } = {}): Credential[] {
    return this.credentials.list(filter);
  }

  updateCredential(id: string, patch: CredentialPatch): Credential {
    return this.credentials.update(id, patch);
  }

  /** Removes one credential. Removing a face credential keeps the templates (see revokeConsent). */
  removeCredential(id: string): boolean {
    return this.credentials.remove(id);
  }

  /**
   * The credential matching a presented value: a card number in any accepted
   * spelling ('0042' finds 42), a PIN as typed, a face's person id. Throws
   * 'INVALID_CARD_NUMBER' / 'INVALID_PIN' for malformed values.
   */
  findCredential(type: CredentialType, value: string): Credential | undefined {
    return this.credentials.find(type, value);
  }

  // ---- consents ----

  /** Records (or renews) a consent. */
  grantConsent(personId: string, kind: string, input: { source: string; grantedAt?: number; record?: Record<string, unknown> | null }): Consent {
    return this.consents.grant(personId, kind, input);
  }

  /**
   * Withdraws a consent. Withdrawing 'face' also deletes the person's face
   * templates in the same transaction (biometric data may not be kept without
   * consent), through the template store; the face credential stays, and
   * decisions answer 'no-face-consent' until consent is given again.
   */
  revokeConsent(personId: string, kind: string): boolean {
    return this.consents.revoke(personId, kind);
  }

  hasConsent(personId: string, kind: string): boolean {
    return this.consents.has(personId, kind);
  }

  listConsents(personId: string): Consent[] {
    return this.consents.list(personId);
  }
}
