// Every match of a person on a face list (watch, missing) raises `alert.list-match`,
// whatever the access core decided: a watched resident is still granted as a resident,
// a person only on a list has no group and is never granted. The event goes to the
// local log (and from there through the outbox), so it works offline too.
import type { Frame } from '../../hal/camera.js';
import type { Logger } from '../log.js';
import type { FaceSnapshots, Store, StoredEvent } from '../store/index.js';
import type { FrameResult } from '../vision/index.js';
import type { FaceCredential } from './sink.js';
import { faceSnapshotJpeg } from './snapshot.js';

export class ListMatchAlerts {
  constructor(
    private readonly store: Store,
    /** Where the face snapshot is kept (sealed); the alert says null without it. */
    private readonly snapshots: FaceSnapshots | undefined,
    private readonly log: Logger,
  ) {}

  /**
   * Raises the alert when `credential` names a listed person. `decided` is the access
   * event of the same face. A failure is logged, never thrown: the door was already decided.
   */
  async raise(credential: FaceCredential, decided: StoredEvent | null, frame: Frame, result: FrameResult, trackId: number): Promise<StoredEvent | null> {
    if (credential.personId === null) return null;
    try {
      const lists = this.store.lists.of(credential.personId);
      if (lists.length === 0) return null;
      const snapshotId = await this.snapshot(frame, result, trackId, decided, credential.personId);
      return this.store.events.append({
        type: 'alert.list-match',
        personId: credential.personId,
        credentialType: 'face',
        data: {
          lists,
          score: credential.score,
          liveness: credential.liveness,
          spoofSuspected: credential.spoofSuspected === true,
          eventSeq: decided?.seq ?? null,
          snapshotId,
        },
      });
    } catch (err) {
      this.log.error({ err, trackId }, 'list match alert could not be raised');
      return null;
    }
  }

  private async snapshot(frame: Frame, result: FrameResult, trackId: number, decided: StoredEvent | null, personId: string): Promise<string | null> {
    const box = result.tracks.find((t) => t.trackId === trackId)?.box;
    if (!box || !this.snapshots) return null;
    try {
      const jpeg = await faceSnapshotJpeg(frame, box, this.snapshots.limits.maxBytes);
      if (!jpeg) return null;
      return this.snapshots.add({ jpeg, ...(decided && { ts: decided.ts, eventSeq: decided.seq }), personId }).id;
    } catch (err) {
      this.log.warn({ err, trackId }, 'list match snapshot could not be kept');
      return null;
    }
  }
}
