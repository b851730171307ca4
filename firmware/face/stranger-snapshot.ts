// A sealed face snapshot for each stranger / spoof event, named in the event's data.
import type { Frame } from '../../hal/camera.js';
import type { Logger } from '../log.js';
import { STRANGER_EVENT_TYPES } from '../privacy/retention.js';
import type { FaceSnapshots, StoredEvent } from '../store/index.js';
import type { FrameResult } from '../vision/index.js';
import type { FaceCredential } from './sink.js';
import { faceSnapshotJpeg } from './snapshot.js';

const isStrangerEvent = (event: StoredEvent) => (STRANGER_EVENT_TYPES as readonly string[]).includes(event.type);

export class StrangerSnapshots {
  constructor(
    /** Where snapshots are kept (sealed); none kept without it. */
    private readonly snapshots: FaceSnapshots | undefined,
    private readonly log: Logger,
  ) {}

  /**
   * Before the decision: keeps the face of a credential that can only be refused (no match,
   * or liveness failed) and returns the snapshot's id, for the event to name. A credential
   * that may be granted gets none here, so the door never waits on the JPEG encoding.
   */
  async before(frame: Frame, result: FrameResult, trackId: number, credential: FaceCredential): Promise<string | null> {
    if (credential.personId !== null && credential.spoofSuspected !== true) return null;
    return this.take(frame, result, trackId, { personId: credential.personId });
  }

  /**
   * After the decision: links the snapshot taken before to its event, or deletes it when no
   * stranger / spoof event was logged. A face matched to someone erased since the gallery
   * loaded is a stranger too: its snapshot is kept now (the event, already logged, cannot name it).
   */
  async after(frame: Frame, result: FrameResult, trackId: number, snapshotId: string | null, event: StoredEvent | null): Promise<void> {
    const snapshots = this.snapshots;
    if (!snapshots) return;
    try {
      if (snapshotId) {
        if (event && isStrangerEvent(event)) snapshots.link(snapshotId, event.seq);
        else snapshots.delete(snapshotId);
        return;
      }
    } catch (err) {
      this.log.warn({ err, snapshotId }, 'face snapshot could not be linked to its event');
      return;
    }
    if (event && isStrangerEvent(event)) await this.take(frame, result, trackId, { ts: event.ts, eventSeq: event.seq, personId: event.personId });
  }

  /** A failure is logged, never thrown: the decision is made without the snapshot. */
  private async take(frame: Frame, result: FrameResult, trackId: number, meta: { ts?: number; eventSeq?: number; personId: string | null }): Promise<string | null> {
    // A track decided as it ended is no longer in the frame: there is no face to keep.
    const box = result.tracks.find((t) => t.trackId === trackId)?.box;
    const snapshots = this.snapshots;
    if (!box || !snapshots) return null;
    try {
      const jpeg = await faceSnapshotJpeg(frame, box, snapshots.limits.maxBytes);
      return jpeg ? snapshots.add({ jpeg, ...meta }).id : null;
    } catch (err) {
      this.log.warn({ err, trackId }, 'face snapshot could not be kept');
      return null;
    }
  }
}
