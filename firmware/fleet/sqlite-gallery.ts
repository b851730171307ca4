// The agent's GalleryStore over the terminal's SQLite store: persons land through
// FleetPersons, the session and version through GallerySessions, so a sync that a
// restart interrupted resumes at the chunk where it stopped.
import type { GalleryChange, GallerySession } from '@limen/sdk/protocol';
import { GallerySessions, truncateWal, type Store } from '../store/index.js';
import { CommandError } from './errors.js';
import type { GalleryStore } from './interfaces.js';
import { FLEET_MARK, SYNC_MARK, type FleetPersons, type WrittenPerson } from './persons.js';

export class SqliteGallery implements GalleryStore {
  private readonly sessions: GallerySessions;

  constructor(
    private readonly store: Store,
    private readonly persons: FleetPersons,
  ) {
    this.sessions = new GallerySessions(store);
  }

  status(): { version: number; size: number; session: GallerySession | null } {
    const open = this.sessions.open();
    return {
      version: this.sessions.version(),
      size: this.size(),
      session: open && { id: open.id, mode: open.mode, fromVersion: open.fromVersion, toVersion: open.toVersion, applied: open.applied },
    };
  }

  begin(s: Omit<GallerySession, 'applied'> & { total?: number }): { applied: number } {
    return this.store.transaction(() => {
      const open = this.sessions.open();
      if (open && open.id === s.id && open.mode === s.mode && open.fromVersion === s.fromVersion && open.toVersion === s.toVersion) {
        return { applied: open.applied };
      }
      const version = this.sessions.version();
      if (s.mode === 'delta' && s.fromVersion !== version) {
        throw new CommandError('VERSION_MISMATCH', `gallery is at version ${version}, not ${s.fromVersion}`, { version });
      }
      if (s.mode === 'delta' && s.toVersion <= version) {
        throw new CommandError('REJECTED', `toVersion ${s.toVersion} is not newer than ${version}`, { version });
      }
      this.sessions.start({ id: s.id, mode: s.mode, fromVersion: s.fromVersion, toVersion: s.toVersion, total: s.total ?? null });
      return { applied: 0 };
    });
  }

  async apply(session: string, offset: number, changes: GalleryChange[]): Promise<{ applied: number }> {
    const upserts = changes.flatMap((c) => (c.op === 'upsert' ? [c.person] : []));
    this.persons.check(upserts, 'changes');
    const step = (): { applied: number; written: WrittenPerson[]; erased: boolean } => {
      const s = this.requireOpen(session);
      if (offset !== s.applied) throw new CommandError('OUT_OF_ORDER', `session is at ${s.applied}, chunk starts at ${offset}`, { applied: s.applied });
      const written: WrittenPerson[] = [];
      changes.forEach((c, i) => {
        if (c.op === 'upsert') written.push(this.persons.write(c.person, `changes.${i}.person`, session));
        else this.persons.remove([c.id]);
      });
      const hasPhotos = written.some((w) => w.photos.length > 0);
      // With photos still to enrol, the chunk counts as applied only after they are.
      if (!hasPhotos) this.sessions.setApplied(session, s.applied + changes.length);
      const erased = changes.some((c) => c.op === 'remove') || written.some((w) => w.erasedTemplates);
      return { applied: s.applied + changes.length, written: hasPhotos ? written : [], erased };
    };
    const { applied, written, erased } = this.store.transaction(step);
    // Erased persons and replaced templates leave no copy in the WAL.
    if (erased) truncateWal(this.store);
    if (written.length > 0) {
      await this.persons.enrol(written, 'changes');
      this.store.transaction(() => {
        const s = this.requireOpen(session);
        if (s.applied === offset) this.sessions.setApplied(session, applied);
      });
    }
    return { applied };
  }

  commit(session: string): { version: number; size: number } {
    const result = this.store.transaction(() => {
      const s = this.requireOpen(session);
      if (s.mode === 'replace') {
        // Fleet-managed persons this session did not upsert are gone from the backend.
        const stale = this.store.db
          .prepare<[string, string, string], string>(
            "SELECT id FROM persons WHERE json_extract(data, '$.' || ?) = 1 AND coalesce(json_extract(data, '$.' || ?), '') <> ?",
          )
          .pluck()
          .all(FLEET_MARK, SYNC_MARK, session);
        this.persons.remove(stale);
      }
      this.sessions.finish(s.toVersion);
      return { version: s.toVersion, size: this.size() };
    });
    truncateWal(this.store);
    return result;
  }

  private size(): number {
    return this.store.db.prepare<[], number>('SELECT count(*) FROM persons').pluck().get() ?? 0;
  }

  private requireOpen(id: string) {
    const open = this.sessions.open();
    if (open?.id !== id) throw new CommandError('NOT_FOUND', `no open gallery session "${id}"`);
    return open;
  }
}
