// A sealed face snapshot for each stranger / spoof event, kept after the door and the log.
import type { Frame } from '../../hal/camera.js';
import type { Logger } from '../log.js';
import { STRANGER_EVENT_TYPES } from '../privacy/retention.js';
import type { FaceSnapshots, StoredEvent } from '../store/index.js';
import type { FrameResult } from '../vision/index.js';
import { faceSnapshotJpeg } from './snapshot.js';

export class StrangerSnapshots {
  constructor(
    /** Where snapshots are kept (sealed); none kept without it. */
    private readonly snapshots: FaceSnapshots | undefined,
    private readonly log: Logger,
  ) {}

  /**
   * Keeps a crop of the face of track `trackId` in `frame` when `event` is a stranger or
   * spoof event. A failure is logged, never thrown: the decision has already been made.
   */
  async keep(frame: Frame, result: FrameResult, trackId: number, event: StoredEvent): Promise<void> {
    if (!(STRANGER_EVENT_TYPES as readonly string[]).includes(event.type)) return;
    // A track decided as it ended is no longer in the frame: there is no face to keep.
    const box = result.tracks.find((t) => t.trackId === trackId)?.box;
    const snapshots = this.snapshots;
    if (!box || !snapshots) return;
    try {
      const jpeg = await faceSnapshotJpeg(frame, box, snapshots.limits.maxBytes);
      if (jpeg) snapshots.add({ jpeg, ts: event.ts, eventSeq: event.seq, personId: event.personId });
    } catch (err) {
      this.log.warn({ err, seq: event.seq }, 'face snapshot could not be kept');
    }
  }
}
