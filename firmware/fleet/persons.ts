// Persons sent by the fleet (`persons.upsert`, gallery sync) written to the terminal's
// store: the person, their groups and cards/PINs through the AccessRepository, face
// templates through the store's template store (as photo enrolment writes them; the
// live gallery learns of both by its events), photos through face enrolment.
import type { Statement } from 'better-sqlite3';
import { AccessError, AccessRepository, FACE_CONSENT } from '../access/index.js';
import { erasePersonRecords } from '../privacy/secure-erase.js';
import { truncateWal, type Store } from '../store/index.js';
import { ID_PATTERN, ID_RULE, type FaceConsent, type FaceTemplate, type PersonRecord } from '@limen/sdk/protocol';
import { CommandError } from './errors.js';

/** Enrols photos of a person on this terminal (face detection, alignment, embedding). */
export type PhotoEnroller = (personId: string, images: Uint8Array[]) => Promise<void>;

export interface FleetPersonsOptions {
  store: Store;
  repository: AccessRepository;
  /** Absent: photos are refused with NOT_SUPPORTED (face recognition is off). */
  enrolPhotos?: PhotoEnroller;
  /** Group for persons sent without groups; created (open at all times) when missing. Default 'residents'. */
  defaultGroup?: string;
}

/** A person written, with the photos still to enrol (outside the write transaction). */
export interface WrittenPerson {
  id: string;
  photos: Uint8Array[];
  /** The person did not exist before this write. */
  created: boolean;
  /** Face templates the person had were deleted (their bytes may linger in the WAL). */
  erasedTemplates: boolean;
  /** The consent the record's faces came with, stored again once its photos are enrolled. */
  consent: FaceConsent | null;
}

const ACCESS_ID = ID_PATTERN;
/** In `persons.data`: the fleet manages this person (a `replace` gallery sync removes only these). */
export const FLEET_MARK = 'fleet';
/** In `persons.data`: the gallery sync session that last upserted the person. */
export const SYNC_MARK = 'fleetSession';

/** Decodes a wire template to float32 (i8 templates are scaled back; default scale 1/127). */
export function templateVector(t: FaceTemplate): Float32Array {
  const bytes = Buffer.from(t.data, 'base64');
  if (t.format === 'f32') {
    const out = new Float32Array(t.dim);
    for (let i = 0; i < t.dim; i++) out[i] = bytes.readFloatLE(i * 4);
    return out;
  }
  const scale = t.scale ?? 1 / 127;
  const out = new Float32Array(t.dim);
  for (let i = 0; i < t.dim; i++) out[i] = bytes.readInt8(i) * scale;
  return out;
}

/** The most recently given consent among a record's faces (the one in force). */
function latestConsent(p: PersonRecord): FaceConsent | null {
  let latest: FaceConsent | null = null;
  for (const f of p.faces ?? []) if (f.consent && (!latest || f.consent.givenAt > latest.givenAt)) latest = f.consent;
  return latest;
}

/** An access-layer refusal as the command error the backend sees, naming the record. */
function refusal(err: unknown, where: string): unknown {
  if (err instanceof CommandError) return err;
  if (err instanceof AccessError) {
    const code = err.code === 'NOT_FOUND' ? 'NOT_FOUND' : 'REJECTED';
    return new CommandError(code, `${where}: ${err.message}`, { reason: err.code });
  }
  return err;
}

/**
 * Upserts replace what they carry: `credentials` when present replace the person's
 * cards, PINs and plates, `faces` when present replace their templates; a field left out
 * keeps what the terminal has (so a photo enrolled on the device survives a later
 * upsert of the person's card).
 */
export class FleetPersons {
  readonly repository: AccessRepository;
  private readonly store: Store;
  private readonly defaultGroup: string;
  private readonly sql: {
    keys: Statement<[string], string>;
  };

  constructor(private readonly o: FleetPersonsOptions) {
    this.store = o.store;
    this.repository = o.repository;
    this.defaultGroup = o.defaultGroup ?? 'residents';
    const { db } = o.store;
    this.sql = {
      // By person through its index (listCredentials' optional filters scan the table).
      keys: db.prepare<[string], string>("SELECT id FROM credentials WHERE person_id = ? AND type IN ('card', 'pin', 'plate')").pluck(),
    };
  }

  /** Refuses, before anything is written, records this terminal cannot take. */
  check(persons: readonly PersonRecord[], path = 'persons'): void {
    persons.forEach((p, i) => {
      if (!ACCESS_ID.test(p.id)) throw new CommandError('REJECTED', `${path}.${i}.id: must be ${ID_RULE}`);
      p.credentials?.forEach((c, j) => {
        if (c.type === 'qr') throw new CommandError('NOT_SUPPORTED', `${path}.${i}.credentials.${j}: this terminal has no QR credentials`);
      });
      p.faces?.forEach((f, j) => {
        // The schema requires it; this guards callers that skip the schema.
        if (!f.consent) throw new CommandError('CONSENT_REQUIRED', `${path}.${i}.faces.${j}.consent: every face needs the consent record of its person`);
        if ('photo' in f && !this.o.enrolPhotos) {
          throw new CommandError('NOT_SUPPORTED', `${path}.${i}.faces.${j}: face recognition is off on this terminal; send templates instead of photos`);
        }
      });
    });
  }

  /**
   * Writes one record (not its photos). Call inside `store.transaction`. A gallery
   * sync passes its session id, remembered with the person until the next sync.
   */
  write(p: PersonRecord, where: string, syncSession?: string): WrittenPerson {
    try {
      const repo = this.repository;
      const existing = repo.getPerson(p.id);
      const fields = { name: p.name ?? existing?.name ?? p.id, validFrom: p.validFrom ?? null, validUntil: p.validUntil ?? null };
      const marks = { [FLEET_MARK]: true, ...(syncSession !== undefined && { [SYNC_MARK]: syncSession }) };
      if (existing) repo.updatePerson(p.id, { ...fields, data: { ...existing.data, ...marks } });
      else repo.addPerson({ id: p.id, ...fields, data: marks });
      // A new person sent with lists and no groups is only on the lists: no default group, never granted.
      const groups = p.groups ?? (existing || p.lists?.length ? null : [this.defaultGroup]);
      if (groups) {
        for (const g of groups) if (!repo.getGroup(g)) repo.addGroup({ id: g, name: g, scheduleId: null });
        repo.setPersonGroups(p.id, groups);
      }
      if (p.credentials) {
        if (existing) for (const id of this.sql.keys.all(p.id)) repo.removeCredential(id);
        for (const c of p.credentials) {
          if (c.type === 'card') repo.addCard(p.id, c.value);
          else if (c.type === 'pin') repo.addPin(p.id, c.value);
          else if (c.type === 'plate') repo.addPlate(p.id, c.value);
        }
      }
      if (p.lists) this.store.lists.set(p.id, p.lists);
      const photos: Uint8Array[] = [];
      let erasedTemplates = false;
      const consent = latestConsent(p);
      if (p.faces) {
        const templates = p.faces.flatMap((f) => ('template' in f ? [f.template] : []));
        for (const f of p.faces) if ('photo' in f) photos.push(Buffer.from(f.photo.data, 'base64'));
        erasedTemplates = this.replaceTemplates(p.id, templates, consent);
      }
      return { id: p.id, photos, created: !existing, erasedTemplates, consent };
    } catch (err) {
      throw refusal(err, where);
    }
  }

  /**
   * `persons.upsert`: every record's data in one transaction, then the photos, in
   * order. When a photo is refused, the persons this request created are erased
   * again (an update of an existing person stays: re-sending it is harmless).
   */
  async upsert(persons: readonly PersonRecord[]): Promise<{ upserted: number }> {
    this.check(persons);
    const written = this.store.transaction(() => persons.map((p, i) => this.write(p, `persons.${i}`)));
    if (written.some((w) => w.erasedTemplates)) truncateWal(this.store);
    try {
      await this.enrol(written, 'persons');
    } catch (err) {
      this.remove(written.filter((w) => w.created).map((w) => w.id));
      throw err;
    }
    return { upserted: persons.length };
  }

  /** Enrols the photos of written persons; errors name the record. */
  async enrol(written: readonly WrittenPerson[], path: string): Promise<void> {
    for (const [i, w] of written.entries()) {
      if (w.photos.length === 0) continue;
      if (!this.o.enrolPhotos) throw new CommandError('NOT_SUPPORTED', `${path}.${i}.faces: face recognition is off on this terminal`);
      try {
        await this.o.enrolPhotos(w.id, w.photos);
        // Enrolment records a bare consent; the one the backend sent replaces it.
        if (w.consent) this.grantFaceConsent(w.id, w.consent);
      } catch (err) {
        if (err instanceof CommandError) throw err;
        const code = (err as { code?: string }).code ?? 'ENROL_FAILED';
        throw new CommandError('REJECTED', `${path}.${i}.faces: ${(err as Error).message}`, { reason: code });
      }
    }
  }

  /**
   * `persons.remove`: erases each person as `limen person remove` does (credentials,
   * groups, templates, consents; their events keep a pseudonym only). Unknown ids
   * count 0. Outside a transaction the WAL is truncated after the commit, so no copy
   * of the erased rows stays in it; inside one, the caller does that.
   */
  remove(ids: readonly string[]): { removed: number } {
    let removed = 0;
    this.store.transaction(() => {
      for (const id of ids) if (ACCESS_ID.test(id) && erasePersonRecords(this.store, this.repository, id).removed) removed++;
    });
    if (removed > 0 && !this.store.db.inTransaction) truncateWal(this.store);
    return { removed };
  }

  /** Stores the consent record as the backend sent it. */
  private grantFaceConsent(personId: string, c: FaceConsent): void {
    const record = { subject: c.subject, method: c.method, ...(c.reference !== undefined && { reference: c.reference }) };
    this.repository.grantConsent(personId, FACE_CONSENT, { source: `fleet:${c.method}`, grantedAt: c.givenAt, record });
  }

  /** Returns whether earlier templates were deleted. */
  private replaceTemplates(personId: string, templates: readonly FaceTemplate[], consent: FaceConsent | null): boolean {
    // Sealed under the data key on a provisioned terminal; the version bumped when anything changed.
    const replaced = this.store.templates.replace(
      personId,
      templates.map((t, i) => ({ id: `${personId}.fleet.${i}`, modelId: t.model, template: templateVector(t) })),
    );
    if (templates.length > 0) {
      // Each template came with the backend's consent record (check() refused any without).
      if (!consent) throw new CommandError('CONSENT_REQUIRED', `${personId}: face templates came without a consent record`);
      this.repository.addFaceCredential(personId);
      this.grantFaceConsent(personId, consent);
    }
    return replaced.length > 0;
  }
}
