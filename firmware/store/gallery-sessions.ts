// The bookkeeping of fleet gallery sync: the version the backend last brought the
// gallery to, and the open sync session, kept in the meta table so a sync resumes
// after a restart.
import type { Store } from './store.js';

/** Meta key: the gallery version a backend's sync last committed (0 = never synced). */
export const FLEET_GALLERY_VERSION_KEY = 'fleet.gallery_version';
/** Meta key: the open sync session as JSON. */
export const FLEET_GALLERY_SESSION_KEY = 'fleet.gallery_session';

export interface StoredGallerySession {
  id: string;
  mode: 'delta' | 'replace';
  fromVersion: number;
  toVersion: number;
  total: number | null;
  applied: number;
  startedAt: number;
}

/**
 * The open gallery session (at most one) and the synced version. Calls open no
 * transactions of their own: callers wrap a session step and the person changes
 * it carries in one `store.transaction`, so both land or neither.
 */
export class GallerySessions {
  constructor(private readonly store: Store) {}

  version(): number {
    return this.store.meta.getInt(FLEET_GALLERY_VERSION_KEY);
  }

  /** The unfinished session, if any. */
  open(): StoredGallerySession | null {
    const text = this.store.meta.get(FLEET_GALLERY_SESSION_KEY);
    return text === undefined ? null : (JSON.parse(text) as StoredGallerySession);
  }

  /** Replaces any open session with a new one at 0 applied changes. */
  start(s: Omit<StoredGallerySession, 'applied' | 'startedAt'>): StoredGallerySession {
    const session: StoredGallerySession = { ...s, applied: 0, startedAt: this.store.clock.now() };
    this.store.meta.set(FLEET_GALLERY_SESSION_KEY, JSON.stringify(session));
    return session;
  }

  setApplied(id: string, applied: number): void {
    const open = this.open();
    if (open?.id !== id) return;
    this.store.meta.set(FLEET_GALLERY_SESSION_KEY, JSON.stringify({ ...open, applied }));
  }

  /** Closes the open session and moves the synced version to `version`. */
  finish(version: number): void {
    this.store.meta.delete(FLEET_GALLERY_SESSION_KEY);
    this.store.meta.set(FLEET_GALLERY_VERSION_KEY, String(version));
  }
}
