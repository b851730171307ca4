// Credentials: cards (normalised numbers), PINs (only their HMAC), faces (the person id), plates (normalised).
import { normalisePlate, platesMatch, type PlateStrictness } from '@limen/sdk/protocol';
import { assertValidPin, normaliseCardNumber, pinLookupKey } from '../credential-values.js';
import { AccessError } from '../errors.js';
import { checkWindow, credentialOptionsSchema, credentialPatchSchema, parse } from '../inputs.js';
import type { Credential, CredentialType } from '../types.js';
import { bit, generateId, toCredential, type CredentialRow } from './rows.js';
import type { AccessTables } from './tables.js';

export interface CredentialOptions {
  id?: string;
  label?: string | null;
  enabled?: boolean;
  validFrom?: number | null;
  validUntil?: number | null;
}
export type CredentialPatch = Partial<Pick<Credential, 'label' | 'enabled' | 'validFrom' | 'validUntil'>>;

export class CredentialRecords {
  constructor(private readonly t: AccessTables) {}

  addCard(personId: string, cardNumber: string, options: CredentialOptions = {}): Credential {
    const key = normaliseCardNumber(cardNumber);
    return this.insert(personId, 'card', key, options, `card ${key}`);
  }

  addPin(personId: string, pin: string, options: CredentialOptions = {}): Credential {
    assertValidPin(pin);
    return this.insert(personId, 'pin', pinLookupKey(pin, this.t.store.pinHmacKey), options, 'this PIN');
  }

  addFace(personId: string, options: CredentialOptions = {}): Credential {
    return this.t.store.transaction(() => {
      this.t.requirePerson(personId);
      return this.find('face', personId) ?? this.insert(personId, 'face', personId, options, 'face');
    });
  }

  /** A licence plate, stored normalised (`normalisePlate`): '京a 12345' and '京A12345' are one plate. */
  addPlate(personId: string, plate: string, options: CredentialOptions = {}): Credential {
    const key = plateKey(plate);
    return this.insert(personId, 'plate', key, options, `plate ${key}`);
  }

  /**
   * The plate credential a read plate names: the exact plate first, else the one stored
   * plate that matches at `strictness`. Two or more tolerant matches are 'ambiguous':
   * guessing between two residents' cars would open for the wrong one.
   */
  findPlate(plate: string, strictness: PlateStrictness): Credential | 'ambiguous' | undefined {
    const key = plateKey(plate);
    const exact = this.find('plate', key);
    if (exact || strictness === 'exact') return exact;
    const rows = this.t.sql<[], CredentialRow>("SELECT * FROM credentials WHERE type = 'plate'").all();
    const matches = rows.filter((r) => platesMatch(r.value_key, key, strictness));
    if (matches.length > 1) return 'ambiguous';
    return matches[0] && toCredential(matches[0]);
  }

  get(id: string): Credential | undefined {
    const row = this.t.sql<[string], CredentialRow>('SELECT * FROM credentials WHERE id = ?').get(id);
    return row && toCredential(row);
  }

  list(filter: { personId?: string; type?: CredentialType } = {}): Credential[] {
    // One statement per filter shape: `@x IS NULL OR …` would keep SQLite off the person index.
    const byType = filter.type !== undefined ? ' AND type = @type' : '';
    const where = filter.personId !== undefined ? `WHERE person_id = @personId${byType}` : byType ? `WHERE type = @type` : '';
    return this.t
      .sql<[{ personId?: string; type?: string }], CredentialRow>(`SELECT * FROM credentials ${where} ORDER BY person_id, type, created_at, id`)
      .all({ ...(filter.personId !== undefined && { personId: filter.personId }), ...(filter.type !== undefined && { type: filter.type }) })
      .map(toCredential);
  }

  update(id: string, patch: CredentialPatch): Credential {
    const c = parse(credentialPatchSchema, patch, 'credential update');
    return this.t.store.transaction(() => {
      const current = this.get(id);
      if (!current) throw new AccessError('NOT_FOUND', `no credential ${id}`);
      const next = { ...current, ...c };
      checkWindow(next, 'credential update');
      this.t
        .sql('UPDATE credentials SET label = ?, enabled = ?, valid_from = ?, valid_until = ? WHERE id = ?')
        .run(next.label, bit(next.enabled), next.validFrom, next.validUntil, id);
      return this.get(id)!;
    });
  }

  remove(id: string): boolean {
    return this.t.sql('DELETE FROM credentials WHERE id = ?').run(id).changes > 0;
  }

  find(type: CredentialType, value: string): Credential | undefined {
    let key: string;
    if (type === 'card') key = normaliseCardNumber(value);
    else if (type === 'pin') {
      assertValidPin(value);
      key = pinLookupKey(value, this.t.store.pinHmacKey);
    } else if (type === 'plate') key = plateKey(value);
    else key = value;
    const row = this.t.sql<[string, string], CredentialRow>('SELECT * FROM credentials WHERE type = ? AND value_key = ?').get(type, key);
    return row && toCredential(row);
  }

  private insert(personId: string, type: CredentialType, valueKey: string, options: CredentialOptions, what: string): Credential {
    const o = parse(credentialOptionsSchema, options, `${type} credential`);
    const id = o.id ?? generateId();
    return this.t.store.transaction(() => {
      this.t.requirePerson(personId);
      if (this.get(id)) throw new AccessError('ALREADY_EXISTS', `credential ${id} already exists`);
      const owner = this.t.sql<[string, string], string>('SELECT person_id FROM credentials WHERE type = ? AND value_key = ?').pluck().get(type, valueKey);
      if (owner !== undefined) {
        throw new AccessError('ALREADY_EXISTS', `${what} is already assigned${owner === personId ? ' to this person' : ' to another person'}`);
      }
      this.t
        .sql(
          `INSERT INTO credentials (id, person_id, type, value_key, label, enabled, valid_from, valid_until, created_at)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
        )
        .run(id, personId, type, valueKey, o.label ?? null, bit(o.enabled ?? true), o.validFrom ?? null, o.validUntil ?? null, this.t.store.clock.now());
      return this.get(id)!;
    });
  }
}

/** A plate as stored and compared; throws AccessError 'INVALID_PLATE' naming the problem. */
export function plateKey(plate: string): string {
  const n = normalisePlate(typeof plate === 'string' ? plate : '');
  if (!n.ok) throw new AccessError('INVALID_PLATE', `invalid plate ${JSON.stringify(String(plate).slice(0, 32))}: ${n.message}`);
  return n.plate;
}
